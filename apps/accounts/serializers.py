"""Profile representations: what /me shows and what its owner may change."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.core.pictures import picture_url
from apps.core.text import validate_line, validate_text
from concert.api import fields


class AvatarSerializer(serializers.Serializer):
    url = fields.CharField()
    thumbnail_url = fields.CharField()


class MeSerializer(serializers.ModelSerializer):
    sub = fields.CharField(source="cognito_sub", read_only=True)
    avatar = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "sub", "email", "role", "display_name", "bio", "avatar", "date_joined")
        read_only_fields = fields

    @extend_schema_field(AvatarSerializer(allow_null=True))
    def get_avatar(self, user: User) -> dict[str, str] | None:
        if not user.avatar:
            return None
        return {
            "url": picture_url(user.avatar),
            "thumbnail_url": picture_url(user.avatar_thumbnail),
        }


class ProfileUpdateSerializer(serializers.Serializer):
    # Only the profile: role, sub, email and staff flags belong to the identity provider.
    display_name = fields.CharField(max_length=80, allow_blank=True, required=False,
                                    validators=[validate_line])
    bio = fields.CharField(max_length=2000, allow_blank=True, required=False,
                           validators=[validate_text])
