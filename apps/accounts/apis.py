"""Profile endpoints: /me and its avatar, and the dev issuer's JWKS."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET
from rest_framework import parsers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope
from apps.accounts.serializers import AvatarUploadSerializer, MeSerializer, ProfileUpdateSerializer
from apps.accounts.services import user_avatar_delete, user_avatar_set, user_profile_update
from concert.api.annotations import extend_schema
from concert.api.schema import error_responses

USER_TOKEN_ONLY = [{"cognitoJwt": []}]


class MeApi(APIView):
    # A partner license key acts for its owner on listed areas only, never on the profile.
    permission_classes = [IsAuthenticated, LicenseScope]

    @extend_schema(
        summary="My profile",
        description="The caller's account: sub, email and role from the identity provider, and "
                    "the public profile.",
        operation_id="me_retrieve",
        auth=USER_TOKEN_ONLY,
        responses={200: MeSerializer, **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        summary="Edit my profile",
        description="Changes the display name and bio sent; the others stay.",
        operation_id="me_update",
        auth=USER_TOKEN_ONLY,
        request=ProfileUpdateSerializer,
        responses={200: MeSerializer, **error_responses(400, 401, 403)},
    )
    def patch(self, request):
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, data=serializer.validated_data)
        return Response(MeSerializer(user).data)


class MeAvatarApi(APIView):
    uploads_pictures = True  # PictureUploadThrottle: uploads per account
    permission_classes = [IsAuthenticated, LicenseScope]
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(
        summary="Set my avatar",
        description="Replaces the caller's avatar with an uploaded picture, stored with a "
                    "thumbnail.",
        operation_id="me_avatar_update",
        auth=USER_TOKEN_ONLY,
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={
            200: MeSerializer,
            **error_responses(400, 401, 403, 413, 415, descriptions={
                400: "Not a JPEG, PNG or WebP picture, too large, or too many pixels "
                     "(code invalid_picture).",
            }),
        },
    )
    def put(self, request):
        serializer = AvatarUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_avatar_set(user=request.user, upload=serializer.validated_data["file"])
        return Response(MeSerializer(user).data)

    @extend_schema(
        summary="Remove my avatar",
        description="Removes the caller's avatar and its thumbnail.",
        operation_id="me_avatar_destroy",
        auth=USER_TOKEN_ONLY,
        responses={204: None, **error_responses(401, 403)},
    )
    def delete(self, request):
        user_avatar_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_GET
def dev_jwks(request):
    """Public keys of the local dev issuer; this route does not exist in production mode."""
    if not settings.JWT_DEV_ISSUER:
        raise Http404
    from apps.accounts.dev_issuer import dev_jwks as keys

    return JsonResponse(keys())
