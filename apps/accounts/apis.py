"""Profile endpoints: /me and its avatar, and the dev issuer's JWKS."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_GET
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope
from apps.accounts.serializers import MeSerializer, ProfileUpdateSerializer
from apps.accounts.services import (
    user_avatar_delete,
    user_avatar_set,
    user_avatar_upload_create,
    user_profile_update,
)
from apps.core.serializers import (
    OPEN_UPLOADS_429,
    OPEN_UPLOADS_NOTE,
    PICTURE_FROM_UPLOAD_ERRORS,
    PictureFromUploadSerializer,
    PictureUploadCreateSerializer,
    PictureUploadSerializer,
    picture_upload_data,
)
from concert.api.annotations import extend_schema
from concert.api.json import json_response
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

    @extend_schema(
        summary="Set my avatar",
        description="Makes the JPEG, PNG or WebP picture the caller posted to one of their "
                    "avatar uploads (`POST /me/avatar/uploads`) their avatar, stored with a "
                    "thumbnail; the previous one is removed. The upload serves once.",
        operation_id="me_avatar_update",
        auth=USER_TOKEN_ONLY,
        request=PictureFromUploadSerializer,
        responses={
            200: MeSerializer,
            **error_responses(400, 401, 403, 404, 409, 413, 503,
                              descriptions=PICTURE_FROM_UPLOAD_ERRORS),
        },
    )
    def put(self, request):
        serializer = PictureFromUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_avatar_set(user=request.user, upload_id=serializer.validated_data["upload"])
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


class MeAvatarUploadApi(APIView):
    permission_classes = [IsAuthenticated, LicenseScope]

    @extend_schema(
        summary="Upload an avatar",
        description="A presigned POST for one picture: post `upload.fields` and then the `file` "
                    "part to `upload.url` (S3, not this API) within minutes, then set it with "
                    "`PUT /me/avatar` naming the `id`. Pictures never pass through the API "
                    "itself." + OPEN_UPLOADS_NOTE,
        operation_id="me_avatar_uploads_create",
        auth=USER_TOKEN_ONLY,
        request=PictureUploadCreateSerializer,
        responses={201: PictureUploadSerializer, **error_responses(
            400, 401, 403, 429, 503, descriptions={429: OPEN_UPLOADS_429})},
    )
    def post(self, request):
        serializer = PictureUploadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload, form = user_avatar_upload_create(user=request.user, **serializer.validated_data)
        return Response(picture_upload_data(request, upload, form),
                        status=status.HTTP_201_CREATED)


@require_GET
def dev_jwks(request):
    """Public keys of the local dev issuer; this route does not exist in production mode."""
    if not settings.JWT_DEV_ISSUER:
        raise Http404
    from apps.accounts.dev_issuer import dev_jwks as keys

    return json_response(keys())
