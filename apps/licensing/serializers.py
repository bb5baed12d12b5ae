"""License key input and output; the raw key only ever appears in a create/rotate response."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.core.text import validate_line
from apps.licensing.models import LicenseKey, Scope
from concert.api import fields


class LicenseKeyCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=80, validators=[validate_line])
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False,
        max_length=len(Scope.values),
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate_scopes(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("List each scope once.")
        return value

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value


class LicenseKeySerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices))
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = LicenseKey
        fields = ["id", "name", "prefix", "scopes", "plan", "is_active", "created_at",
                  "expires_at", "last_used_at", "revoked_at", "rotated_from"]
        read_only_fields = fields


class LicenseKeyWithSecretSerializer(LicenseKeySerializer):
    key = serializers.SerializerMethodField(
        help_text="The full key. Shown only in this response: store it now.",
    )

    class Meta(LicenseKeySerializer.Meta):
        fields = [*LicenseKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, obj) -> str:
        return self.context["raw_key"]
