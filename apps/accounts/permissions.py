"""Who may do what: the permission classes every API uses.

Roles rank fan < organizer < staff < admin. Staff and admin manage everything
but user files, which only their owner reaches through the API; organizers manage what
they own; fans manage their own things. Requests made with a partner license
key carry `request.auth.scopes` and reach only views whose `license_scope` they hold.
"""

from __future__ import annotations

from rest_framework import permissions

from apps.accounts.roles import Role, has_role
from concert.api.paths import is_partner_path


def is_staff(user) -> bool:
    return has_role(user, Role.STAFF)


def is_organizer(user) -> bool:
    return has_role(user, Role.ORGANIZER)


def owns(user, obj, owner_field: str = "owner") -> bool:
    return getattr(obj, f"{owner_field}_id", None) == getattr(user, "pk", object())


def manages_event(user, event) -> bool:
    """The event's organizer or staff: ticket types, sales and check-in of the event."""
    return is_staff(user) or owns(user, event, "organizer")


def key_scopes(request) -> set[str] | None:
    """The scopes of the license key the request came with, None for a user session/JWT."""
    scopes = getattr(request.auth, "scopes", None)
    return None if scopes is None else set(scopes)


class LicenseScope(permissions.BasePermission):
    """Key requests need `<license_scope>:read` for safe methods and `:write` otherwise;
    partner paths take nothing but a key (without one DRF answers 401)."""

    message = "The license key does not hold the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        scopes = key_scopes(request)
        if scopes is None:
            return not is_partner_path(request.path_info)
        area = getattr(view, "license_scope", None)
        if area is None:
            return False
        needed = f"{area}:read" if request.method in permissions.SAFE_METHODS else f"{area}:write"
        return needed in scopes


class IsOrganizer(permissions.BasePermission):
    message = "Only organizers, staff and admins may do this."

    def has_permission(self, request, view) -> bool:
        return is_organizer(request.user)


class IsStaff(permissions.BasePermission):
    message = "Only staff and admins may do this."

    def has_permission(self, request, view) -> bool:
        return is_staff(request.user)


class IsOwnerOrStaff(permissions.BasePermission):
    """Object level: the owner (view.owner_field, default "owner") or staff."""

    def has_object_permission(self, request, view, obj) -> bool:
        return is_staff(request.user) or owns(
            request.user, obj, getattr(view, "owner_field", "owner")
        )


class ReadOnlyOrOrganizer(permissions.BasePermission):
    """Anyone reads; organizers and above write (object checks decide which objects)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_organizer(request.user)


class OwnerOrStaffWrites(permissions.BasePermission):
    """Object level: whoever may see the object reads it; its owner (view.owner_field) or
    staff change it."""

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or IsOwnerOrStaff().has_object_permission(
            request, view, obj
        )


class CatalogueEntryPermission(permissions.BasePermission):
    """Venues and artists, shared by every organizer's events: anyone reads, organizers add,
    the organizer who added an entry or staff edit it, and only staff delete it."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_organizer(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return is_staff(request.user)
        return is_staff(request.user) or owns(request.user, obj, "created_by")
