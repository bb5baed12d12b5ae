"""Writes on users: the account from verified token claims, the profile and the avatar.

Roles follow the user's Cognito groups on every request (a lost role revokes the license
keys made with it); the Django admin is reached
with Django's own login only (createsuperuser, or is_staff given by a superuser): no
Cognito group grants it, so a leaked API token never opens the admin.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, IntegrityError, transaction

from apps.accounts.errors import InvalidClaims, UsernameTaken
from apps.accounts.models import User
from apps.accounts.moments import display_name_changed, role_lowered
from apps.accounts.roles import RANK, Role, groups_from_claim, role_from_groups
from apps.core.db import retry_on_lock_conflict
from apps.core.models import PictureUpload
from apps.core.picture_uploads import (
    picture_upload_create,
    picture_upload_release,
    picture_upload_store,
    picture_upload_take,
)
from apps.core.pictures import picture_delete
from apps.core.storage import PresignedUpload
from apps.core.text import refused_character

PROFILE_FIELDS = ("display_name", "bio")
SUB_MAX_LENGTH = User._meta.get_field("cognito_sub").max_length
TEXT_CLAIMS = ("sub", "username", "cognito:username", "email")


def claims_check_text(claims: Mapping[str, Any]) -> None:
    """A signed token is still text someone chose: the claims an account is named or
    reached by follow the text rule, or the token is refused (a sub "a\\x00b" would make
    an account nobody can tell from "ab" in a list)."""
    for name in TEXT_CLAIMS:
        value = claims.get(name)
        char = refused_character(value) if isinstance(value, str) else None
        if char is not None:
            raise InvalidClaims(f"The token's {name} claim holds U+{ord(char):04X}, a control "
                                "or invisible character.")


EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


def user_sync_from_claims(*, claims: Mapping[str, Any]) -> User:
    """The user a verified token speaks for, made on their first request.

    Only role and email follow the claims, and only changed values are written, so a
    returning user costs one read on the unique sub. That read is not cached: it is as
    cheap as a cache round trip, and it sees a deactivation in the admin at once.
    """
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 0 < len(sub) <= SUB_MAX_LENGTH:
        raise InvalidClaims
    claims_check_text(claims)
    role = role_from_groups(groups_from_claim(claims.get("cognito:groups")))
    email = claims.get("email")
    # Informational only: one that is not text or does not fit the column is not kept
    # (Cognito allows longer addresses than the 254 characters of RFC 5321's path limit).
    if not isinstance(email, str) or len(email) > EMAIL_MAX_LENGTH:
        email = ""
    # get_or_create retries the read after an IntegrityError on the unique cognito_sub,
    # so two first requests at once end in one user.
    defaults = {"username": sub, "email": email, "role": role, "password": make_password(None)}
    try:
        user, created = User.objects.get_or_create(cognito_sub=sub, defaults=defaults)
    except IntegrityError:
        # The sub is another account's username (an operator's, say). Usernames made in the
        # admin cannot hold a colon, so this one is free.
        defaults["username"] = f"cognito:{sub}"
        user, created = User.objects.get_or_create(cognito_sub=sub, defaults=defaults)
    if created:
        return user
    changes: dict[str, Any] = {}
    if user.role != role:
        changes["role"] = role
    if email and user.email != email:
        changes["email"] = email
    if changes:
        lost_role = RANK[role] < RANK[Role(user.role)]
        with transaction.atomic() if lost_role else contextlib.nullcontext():
            User.objects.filter(pk=user.pk).update(**changes)
            if lost_role:
                user_role_lowered(user_id=user.pk, role=role)
        for field, value in changes.items():
            setattr(user, field, value)
    return user


def user_role_lowered(*, user_id: int, role: str) -> None:
    """After a user's role went down (their groups, or an operator in the admin), in the
    same transaction: what they made with the higher role stops working."""
    role_lowered.run(owner_id=user_id, role=role)


def user_renamed(*, user_id: int) -> None:
    """After a user's display name changed (their profile, or an operator in the admin), in
    the same transaction: what shows it is refreshed."""
    display_name_changed.run(user_id=user_id)


def user_profile_update(*, user: User, data: Mapping[str, Any]) -> User:
    fields = [field for field in PROFILE_FIELDS if field in data]
    renamed = "display_name" in fields and data["display_name"] != user.display_name
    for field in fields:
        setattr(user, field, data[field])
    if fields:
        with transaction.atomic():
            user.save(update_fields=fields)
            if renamed:
                user_renamed(user_id=user.pk)
    return user


def _avatars_folder(user: User) -> str:
    return f"avatars/{user.pk}"


def user_avatar_upload_create(
    *, user: User, content_type: str
) -> tuple[PictureUpload, PresignedUpload]:
    """A presigned POST for the user's next avatar (set with user_avatar_set)."""
    return picture_upload_create(owner=user, prefix=_avatars_folder(user),
                                 content_type=content_type)


def user_avatar_set(*, user: User, upload_id: UUID) -> User:
    """Makes the picture the user posted to one of their avatar uploads their avatar; the
    previous one is removed once the new one is saved. The upload serves once."""
    upload, stored = picture_upload_store(owner=user, upload_id=upload_id,
                                          prefix=_avatars_folder(user))
    new = {stored.name, stored.thumbnail_name}
    try:
        old = _swap_avatar(user, stored.name, stored.thumbnail_name, upload=upload)
    except BaseException:
        _discard_unused(user, new)
        picture_upload_release(upload=upload)
        raise
    picture_delete(names=old - new)
    return user


def user_avatar_delete(*, user: User) -> User:
    old = _swap_avatar(user, "", "")
    picture_delete(names=old)
    return user


@retry_on_lock_conflict(busy_message="Too many changes to this account at once; try again.")
def _swap_avatar(
    user: User, name: str, thumbnail: str, *, upload: PictureUpload | None = None
) -> set[str]:
    """Write the avatar names (taking the upload they come from) and answer the ones they
    replace."""
    with transaction.atomic():
        # The row lock orders concurrent swaps: each one removes what the previous wrote.
        current = User.objects.select_for_update().only("avatar", "avatar_thumbnail").get(
            pk=user.pk
        )
        if upload is not None:
            picture_upload_take(upload=upload)
        old = _avatar_names(current)
        User.objects.filter(pk=user.pk).update(avatar=name, avatar_thumbnail=thumbnail)
    user.avatar, user.avatar_thumbnail = name, thumbnail
    return old


def _avatar_names(user: User) -> set[str]:
    return {name for name in (user.avatar, user.avatar_thumbnail) if name}


def _discard_unused(user: User, names: set[str]) -> None:
    """Deletes the stored `names` unless the avatar uses them as the database has it now (a
    concurrent set, the same upload taken twice, may have stored the same picture); when
    the database cannot say, they are kept."""
    try:
        current = User.objects.only("avatar", "avatar_thumbnail").get(pk=user.pk)
    except DatabaseError:
        return
    picture_delete(names=names - _avatar_names(current))


def operator_create(*, username: str, email: str) -> str:
    """A Django admin operator (superuser) with a random one-time password, returned once."""
    password = secrets.token_urlsafe(18)
    try:
        with transaction.atomic():
            User.objects.create_superuser(username=username, email=email, password=password)
    except IntegrityError:
        raise UsernameTaken(f"A user named {username!r} already exists.") from None
    return password
