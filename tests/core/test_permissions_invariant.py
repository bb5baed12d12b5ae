"""Every API view a license key can reach checks the key's scopes: security by default."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope
from apps.licensing.authentication import LicenseKeyAuthentication


def api_views(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None and issubclass(cls, APIView):
                yield prefix + str(pattern.pattern), cls


def test_views_reachable_with_a_license_key_check_its_scopes():
    unchecked = [
        path for path, cls in api_views()
        if any(issubclass(a, LicenseKeyAuthentication) for a in cls.authentication_classes)
        and not any(issubclass(p, LicenseScope) for p in cls.permission_classes)
    ]
    assert unchecked == []


def test_the_api_has_views_to_check():
    assert len([p for p, _ in api_views() if p.startswith("api/v1/")]) > 20
