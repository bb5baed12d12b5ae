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


def has_role(user, role: Role) -> bool:
    """True when the user's role is at least `role`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return RANK[Role(user.role)] >= RANK[role]
