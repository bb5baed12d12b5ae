"""The schema class of every view: drf-spectacular's, with descriptions the views wrote and
the operations no credentials are needed for. Loaded with the first schema request only.

drf-spectacular falls back to the view class's docstring, inherited ones included, so a
mixin's note for developers (pagination, shared permissions) would read as the description
of every operation using it. Only a docstring written on the view class itself, or on the
handler method, describes an operation here.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import get_doc
from rest_framework.request import Request


class AutoSchema(SpectacularAutoSchema):
    def get_description(self):
        handler = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        own = vars(type(self.view)).get("__doc__")
        return get_doc(handler) or (get_doc(type(self.view)) if own else "")

    def get_auth(self):
        """Adds `{}` (no credentials) where the view lets an anonymous caller through (public
        listings, signed links), whatever permission classes say so: drf-spectacular knows
        only AllowAny and IsAuthenticatedOrReadOnly. Clients, and the check of API Gateway's
        routes (tests/deploy/test_plan.py), rely on it."""
        auths = super().get_auth()
        if auths and {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths

    def _anonymous_allowed(self) -> bool:
        django_request = RequestFactory().generic(self.method, self.path)
        request = Request(django_request, authenticators=())
        request.user, request.auth = AnonymousUser(), None
        return all(permission.has_permission(request, self.view)
                   for permission in self.view.get_permissions())
