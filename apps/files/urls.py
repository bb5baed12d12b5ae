"""API v1 routes of the files app."""

from django.urls import path

from apps.files import apis

app_name = "files"

urlpatterns = [
    path("files", apis.FileListCreateApi.as_view(), name="list"),
    path("files/upload", apis.LocalUploadApi.as_view(), name="local-upload"),
    path("files/download", apis.LocalDownloadApi.as_view(), name="local-download"),
    path("files/<uuid:file_id>", apis.FileDetailApi.as_view(), name="detail"),
    path("files/<uuid:file_id>/complete", apis.FileCompleteApi.as_view(), name="complete"),
    path("files/<uuid:file_id>/download", apis.FileDownloadApi.as_view(), name="download"),
]
