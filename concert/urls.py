"""URL map: health, API v1, schema and docs, the admin, pictures."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import apis as core_apis

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
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
]

handler400 = "concert.api.errors.bad_request"
handler403 = "concert.api.errors.permission_denied"
handler404 = "concert.api.errors.not_found"
handler500 = "concert.api.errors.server_error"
