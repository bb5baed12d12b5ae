"""License key endpoints: an account creates, lists, revokes and rotates its partner keys.

Every endpoint here refuses requests made with a license key (no `license_scope`), so a
key can never mint or manage keys.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope
from apps.licensing import selectors, services
from apps.licensing.serializers import (
    LicenseKeyCreateSerializer,
    LicenseKeySerializer,
    LicenseKeyWithSecretSerializer,
)
from concert.api.annotations import extend_schema
from concert.api.pagination import Pages
from concert.api.schema import error_responses

KEY_ERRORS = error_responses(
    401, 403, 404, 429,
    descriptions={403: "Not allowed with a license key: sign in as the account instead."},
)


class LicenseKeyApi(APIView):
    permission_classes = [IsAuthenticated, LicenseScope]

    def owned(self, key_id: int):
        return selectors.license_key_get(owner=self.request.user, key_id=key_id)


class LicenseKeyListApi(Pages, LicenseKeyApi):
    @extend_schema(
        operation_id="license_keys_list",
        responses={200: LicenseKeySerializer(many=True), **KEY_ERRORS}, tags=["license-keys"],
        summary="The caller's license keys, newest first (never the secret).",
        description="The license keys the caller made, with their scopes, expiry and whether "
                    "they are revoked; the secret is shown only when a key is made.",
    )
    def get(self, request):
        return Response(self.page(selectors.license_key_list(owner=request.user),
                                  LicenseKeySerializer))

    @extend_schema(
        operation_id="license_keys_create", request=LicenseKeyCreateSerializer,
        responses={201: LicenseKeyWithSecretSerializer,
                   **error_responses(400, 409), **KEY_ERRORS},
        tags=["license-keys"],
        summary="Create a key; the full key is in this response only.",
        description="A partner license key with the scopes asked for, acting with the caller's "
                    "role at most and never above organizer; only its hash is stored.",
    )
    def post(self, request):
        serializer = LicenseKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw = services.license_key_create(owner=request.user, **serializer.validated_data)
        data = LicenseKeyWithSecretSerializer(key, context={"raw_key": raw}).data
        return Response(data, status=status.HTTP_201_CREATED)


class LicenseKeyDetailApi(LicenseKeyApi):
    @extend_schema(summary="Get a license key",
                   description="One of the caller's own license keys, without its secret.",
                   operation_id="license_keys_retrieve",
                   responses={200: LicenseKeySerializer, **KEY_ERRORS}, tags=["license-keys"])
    def get(self, request, key_id: int):
        return Response(LicenseKeySerializer(self.owned(key_id)).data)


class LicenseKeyRevokeApi(LicenseKeyApi):
    @extend_schema(
        operation_id="license_keys_revoke", request=None,
        responses={200: LicenseKeySerializer, **KEY_ERRORS}, tags=["license-keys"],
        summary="Revoke a key at once; revoking twice changes nothing.",
        description="The key stops working with the next request that uses it.",
    )
    def post(self, request, key_id: int):
        key = services.license_key_revoke(key=self.owned(key_id))
        return Response(LicenseKeySerializer(key).data)


class LicenseKeyRotateApi(LicenseKeyApi):
    @extend_schema(
        operation_id="license_keys_rotate", request=None,
        responses={201: LicenseKeyWithSecretSerializer, **error_responses(409), **KEY_ERRORS},
        tags=["license-keys"],
        summary="Replace a key: a new key (shown once) and the old one revoked together.",
        description="The new key keeps the old one's name, scopes and expiry; both change in "
                    "one transaction.",
    )
    def post(self, request, key_id: int):
        successor, raw = services.license_key_rotate(key=self.owned(key_id))
        data = LicenseKeyWithSecretSerializer(successor, context={"raw_key": raw}).data
        return Response(data, status=status.HTTP_201_CREATED)
