"""Roles of the platform, from least to most privileged, and how Cognito groups map to them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Role(models.TextChoices):
    FAN = "fan", "Fan"
    ORGANIZER = "organizer", "Organizer"
    STAFF = "staff", "Staff"
    ADMIN = "admin", "Admin"


RANK = {Role.FAN: 0, Role.ORGANIZER: 1, Role.STAFF: 2, Role.ADMIN: 3}

# Cognito group name → role. A user in several groups gets the most privileged role.
GROUP_ROLES = {"organizer": Role.ORGANIZER, "staff": Role.STAFF, "admin": Role.ADMIN}


def role_from_groups(groups: Iterable[str]) -> Role:
    roles = [GROUP_ROLES[g] for g in groups if g in GROUP_ROLES]
    return max(roles, key=RANK.__getitem__, default=Role.FAN)


def groups_from_claim(value: object) -> list[str]:
    """The `cognito:groups` claim as a list of names.

    Verified tokens carry a JSON list; API Gateway's HTTP API flattens it to a string
    such as `"[organizer staff]"` before it reaches the request context.
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(group) for group in value]
    text = str(value).strip().removeprefix("[").removesuffix("]")
    return [name.strip('"') for name in text.replace(",", " ").split() if name.strip('"')]


def roles_at_least(role: Role) -> list[Role]:
    """The roles ranked at or above `role`: has_role's rule as a list, for queries."""
    return [r for r in Role if RANK[r] >= RANK[role]]


def lower_role(first: str, second: str) -> Role:
    """The less privileged of two roles."""
    return min(Role(first), Role(second), key=RANK.__getitem__)


def has_role(user, role: Role) -> bool:
    """True when the user's role is at least `role`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return RANK[Role(user.role)] >= RANK[role]
