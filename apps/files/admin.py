"""Admin for user files: browse and search; deleting removes the stored content too."""

from django.contrib import admin

from apps.core.admin import ServiceAdmin
from apps.files.models import File

# The admin is discovered at every start-up, API cold starts too: its actions import
# apps.files.services when they run, so the services load with the first admin write.


@admin.register(File)
class FileAdmin(ServiceAdmin):
    list_display = ["name", "owner", "size", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    fields = [
        "id", "owner", "name", "content_type", "size", "sha256", "key", "upload_key", "status",
        "created_at", "uploaded_at",
    ]
    readonly_fields = [
        "id", "owner", "content_type", "size", "sha256", "key", "upload_key", "status",
        "created_at", "uploaded_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # files arrive through the upload API only

    def delete_model(self, request, obj) -> None:
        from apps.files import services
        services.file_delete(file=obj)
