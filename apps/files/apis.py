"""Files API: announce an upload, confirm it, download, list and delete one's files."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import LicenseScope
from apps.core.http import content_length
from apps.core.serializers import PresignedPostSerializer, presigned_post
from apps.files import selectors, services
from apps.files.serializers import (
    DownloadSerializer,
    FileCreatedSerializer,
    FileCreateSerializer,
    FileSerializer,
)
from concert.api.annotations import extend_schema
from concert.api.pagination import Pages
from concert.api.parsers import S3PostFormParser
from concert.api.schema import error_responses

AUTH_ERRORS = (401, 403)
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


class FilesApi(APIView):
    permission_classes = [IsAuthenticated, LicenseScope]
    license_scope = "files"


class FileListCreateApi(Pages, FilesApi):

    @extend_schema(
        summary="List my files",
        description="The caller's own files, pending and uploaded, newest first.",
        responses={200: FileSerializer(many=True), **error_responses(*AUTH_ERRORS)},
    )
    def get(self, request):
        return Response(self.page(selectors.file_list_for_owner(owner=request.user),
                                  FileSerializer))

    @extend_schema(
        summary="Announce an upload",
        description="Returns the file (pending) and a presigned POST form: post `fields` and "
                    "then the `file` part to `url`, then call `complete`. Every file of the "
                    "account, pending or uploaded, counts against its storage quota, and so "
                    "does a file deleted while its form was still valid (15 minutes from its "
                    "announcement), until that form has expired: the form can store the "
                    "file's bytes until then, whatever became of the file.",
        request=FileCreateSerializer,
        responses={201: FileCreatedSerializer, **error_responses(
            400, *AUTH_ERRORS, 409, 503,
            descriptions={409: (
                "storage_quota_exceeded (details: quota, used, size; and, while deleted "
                "files' forms are still valid, held: their bytes, counted in used, and "
                "held_until: when they are given back)."
            )})},
    )
    def post(self, request):
        serializer = FileCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file, upload = services.file_create(owner=request.user, **serializer.validated_data)
        form = PresignedPostSerializer(presigned_post(request, upload)).data
        body = {**FileSerializer(file).data, "upload": form}
        return Response(body, status=status.HTTP_201_CREATED)


class FileDetailApi(FilesApi):
    @extend_schema(
        summary="A file",
        description="One of the caller's own files; anyone else's is not found (404), whatever "
                    "their role.",
        responses={200: FileSerializer, **error_responses(*AUTH_ERRORS, 404)},
    )
    def get(self, request, file_id):
        file = selectors.file_get_owned(owner=request.user, file_id=file_id)
        return Response(FileSerializer(file).data)

    @extend_schema(
        summary="Delete a file and its content",
        description="Deletes one of the caller's own files and its stored content. Its bytes "
                    "stop counting against the quota once its upload form has expired (15 "
                    "minutes after the file was announced; at once if that is over): until "
                    "then the form can store them again, and whatever it stores is deleted "
                    "after it expires.",
        responses={204: None, **error_responses(*AUTH_ERRORS, 404, 503)},
    )
    def delete(self, request, file_id):
        file = selectors.file_get_owned(owner=request.user, file_id=file_id)
        services.file_delete(file=file)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileCompleteApi(FilesApi):
    @extend_schema(
        summary="Confirm an upload",
        description="After posting the presigned form: copies the upload to where no form "
                    "writes, checks the copy against the declared size, type and checksum, "
                    "marks the file uploaded and deletes the upload. Whatever the form posts "
                    "afterwards, downloads get the copy checked here.",
        request=None,
        responses={200: FileSerializer, **error_responses(
            *AUTH_ERRORS, 404, 409, 503, descriptions={409: (
                "`upload_incomplete`: nothing uploaded yet; `upload_mismatch`: the upload is "
                "not the declared size, type or checksum and was deleted (post it again)."
            )},
        )},
    )
    def post(self, request, file_id):
        file = selectors.file_get_owned(owner=request.user, file_id=file_id)
        return Response(FileSerializer(services.file_complete(file=file)).data)


class FileDownloadApi(FilesApi):
    @extend_schema(
        summary="A short-lived download URL",
        description="A presigned URL to one of the caller's own uploaded files, valid for a few "
                    "minutes.",
        responses={200: DownloadSerializer, **error_responses(*AUTH_ERRORS, 404, 409, 503)},
    )
    def get(self, request, file_id):
        file = selectors.file_get_owned(owner=request.user, file_id=file_id)
        download = services.file_download_url(file=file)
        data = {"url": request.build_absolute_uri(download.url), "expires_at": download.expires_at}
        return Response(DownloadSerializer(data).data)


class SignedUrlApi(APIView):
    """Authorised by the signed token in the URL alone, like an S3 presigned URL."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


TOKEN = OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True)


class LocalUploadApi(SignedUrlApi):
    # The signed token pins the size; the service checks Content-Length against it.
    bounds_own_body = True
    parser_classes = [S3PostFormParser]  # an S3 POST form, as the presigned one is

    @extend_schema(
        operation_id="files_local_upload",
        summary="Upload to local storage (the `upload.url` without an S3 bucket)",
        description="Without an S3 bucket the presigned form posts here, as it would to S3; the "
                    "signed token in the URL is the only credential and pins the size. As S3 "
                    "does, it takes one file, in the form's last field, `file`: a field after "
                    "it or a second file is 400 `upload_form_invalid`; a form without `key`, "
                    "`Content-Type` or `file` (or a body that is no form) is 400 too.",
        parameters=[TOKEN],
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={204: None, **error_responses(400, 403, 404, 409, 503)},
    )
    def post(self, request):
        # RequestBodyLimitMiddleware answered a Content-Length that is not a number.
        grant = services.file_local_upload_authorize(
            token=request.query_params.get("token", ""), content_length=content_length(request)
        )
        upload = request.FILES.get("file")
        services.file_local_upload_receive(
            grant=grant,
            key=request.data.get("key", ""),
            content_type=request.data.get("Content-Type", ""),
            upload=upload,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LocalDownloadApi(SignedUrlApi):
    @extend_schema(
        operation_id="files_local_download",
        summary="Download from local storage (the download `url` without an S3 bucket)",
        description="Without an S3 bucket the service keeps files in a local folder and serves "
                    "them here; the signed token in the URL is the only credential.",
        parameters=[TOKEN],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(403, 404),
        },
    )
    def get(self, request):
        handle, grant = services.file_local_download_open(
            token=request.query_params.get("token", "")
        )
        response = FileResponse(
            handle, as_attachment=True, filename=grant.filename, content_type=grant.content_type
        )
        # The type is the uploader's word: should a browser render the file anyway (a
        # text/html "attachment" opened inline), it runs no script and loads nothing.
        response["Content-Security-Policy"] = DOWNLOAD_CSP
        return response
