"""Request and response shapes of the files API."""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import serializers

from apps.core.serializers import PresignedPostSerializer
from apps.core.text import validate_file_name
from apps.files.models import File
from apps.files.services import CHECKSUM_MAX_BYTES
from concert.api import fields

# type/subtype with a registered top-level type; parameters (charset...) are not accepted.
CONTENT_TYPE = re.compile(
    r"^(application|audio|font|image|model|text|video)/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$"
)


class FileCreateSerializer(serializers.Serializer):
    name = fields.CharField(max_length=255, validators=[validate_file_name])
    content_type = fields.CharField(max_length=255)
    size = fields.IntegerField(min_value=1)
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", required=False,
        help_text="Optional: the content's SHA-256, checked when the upload completes.",
        error_messages={"invalid": "Enter the SHA-256 as 64 hexadecimal characters."},
    )

    def validate_content_type(self, value: str) -> str:
        value = value.strip().lower()
        if not CONTENT_TYPE.match(value):
            raise serializers.ValidationError("Enter a media type such as application/pdf.")
        return value

    def validate_size(self, value: int) -> int:
        if value > settings.FILES_MAX_BYTES:
            raise serializers.ValidationError(
                f"Files can be at most {settings.FILES_MAX_BYTES} bytes."
            )
        return value

    def validate_sha256(self, value: str) -> str:
        return value.lower()

    def validate(self, attrs):
        if attrs.get("sha256") and attrs["size"] > CHECKSUM_MAX_BYTES:
            raise serializers.ValidationError({"sha256": [
                f"A checksum can be verified for files up to {CHECKSUM_MAX_BYTES} bytes; "
                "leave it out for larger files."
            ]})
        return attrs


class FileSerializer(serializers.ModelSerializer):
    class Meta:
        model = File
        fields = [
            "id", "name", "content_type", "size", "sha256", "status", "created_at", "uploaded_at",
        ]
        read_only_fields = fields


class FileCreatedSerializer(FileSerializer):
    upload = PresignedPostSerializer(read_only=True)

    class Meta(FileSerializer.Meta):
        fields = [*FileSerializer.Meta.fields, "upload"]
        read_only_fields = fields


class DownloadSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="GET it within minutes; it answers as an attachment.")
    expires_at = serializers.DateTimeField()
