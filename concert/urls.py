"""URL map: health, API v1, schema and docs, the admin, pictures."""

from django.contrib import admin
from django.urls import include, path

from apps.core import apis as core_apis
from apps.core import media as core_media
from concert.api.lazy import lazy_view

api_v1 = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.events.urls")),
    path("", include("apps.tickets.urls")),
    path("", include("apps.files.urls")),
    path("", include("apps.licensing.urls")),
    path("", include("apps.usage.urls")),
]

urlpatterns = [
    path("health/live", core_apis.live, name="health-live"),
    path("health/ready", core_apis.ready, name="health-ready"),
    path("api/v1/", include(api_v1)),
    # drf-spectacular costs ~60 ms to import: loaded on the first schema or docs request.
    path("api/schema/", lazy_view("drf_spectacular.views.SpectacularAPIView"), name="schema"),
    path("api/docs/", lazy_view("drf_spectacular.views.SpectacularSwaggerView",
                                url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    path("media/<path:name>", core_media.picture, name="picture"),
]

handler400 = "concert.api.errors.bad_request"
handler403 = "concert.api.errors.permission_denied"
handler404 = "concert.api.errors.not_found"
handler500 = "concert.api.errors.server_error"
