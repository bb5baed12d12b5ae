"""Who and what a request is metered as: the account, the license key, the endpoint group."""

from __future__ import annotations

import re
from dataclasses import dataclass

from concert.api.paths import api_subpath

_GROUP = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# Set on the Django request by `meter_once` alone: a request is counted once, by whichever
# of the quota check or the metering middleware reaches it first.
_METERED = "_usage_metered"


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


@dataclass(frozen=True)
class Metering:
    subject: Subject
    group: str


def meter_once(django_request, user, auth) -> Metering | None:
    """What to count this request as, the first time it is asked; None when it is outside
    the metered API, anonymous, or claimed already. The caller then counts it."""
    if getattr(django_request, _METERED, False):
        return None
    group = endpoint_group(django_request.path_info)
    subject = subject_of(user, auth)
    if group is None or subject is None:
        return None
    setattr(django_request, _METERED, True)
    return Metering(subject, group)


def subject_of(user, auth) -> Subject | None:
    from apps.licensing.models import LicenseKey

    if not getattr(user, "is_authenticated", False):
        return None
    return Subject(user.pk, auth if isinstance(auth, LicenseKey) else None)
