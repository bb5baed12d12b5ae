"""The schema class of every view: drf-spectacular's, with descriptions the views wrote.

drf-spectacular falls back to the view class's docstring, inherited ones included, so a
mixin's note for developers (pagination, shared permissions) would read as the description
of every operation using it. Only a docstring written on the view class itself, or on the
handler method, describes an operation here. Loaded with the first schema request only.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import get_doc


class AutoSchema(SpectacularAutoSchema):
    def get_description(self):
        handler = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        own = vars(type(self.view)).get("__doc__")
        return get_doc(handler) or (get_doc(type(self.view)) if own else "")
