"""Who and what a request is metered as: the account, the license key, the endpoint group."""

from __future__ import annotations

import re
from dataclasses import dataclass

from concert.api.paths import api_subpath

_GROUP = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# Set on the Django request once counted, so a request is never counted twice.
COUNTED = "_usage_counted"


@dataclass(frozen=True)
class Subject:
    user_id: int
    key: object | None  # the LicenseKey of a partner request

    @property
    def key_id(self) -> int | None:
        return getattr(self.key, "pk", None)

    @property
    def bucket(self) -> str:
        """Keys with a plan of their own have their own quota; others share the account's."""
        if self.key is not None and self.key.plan_id is not None:
            return f"k{self.key.pk}"
        return f"u{self.user_id}"


def endpoint_group(path_info: str) -> str | None:
    """The first segment after /api/v1/ or /partner/v1/ (`events`, `orders`...), None outside
    the API."""
    subpath = api_subpath(path_info)
    if subpath is None:
        return None
    segment = subpath.split("/", 1)[0].lower()
    return segment if _GROUP.fullmatch(segment) else None


def subject_of(user, auth) -> Subject | None:
    from apps.licensing.models import LicenseKey

    if not getattr(user, "is_authenticated", False):
        return None
    return Subject(user.pk, auth if isinstance(auth, LicenseKey) else None)
