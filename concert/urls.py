"""URL map: health, API v1 and its partner paths, schema and docs, the admin, pictures."""

from django.contrib import admin
from django.urls import include, path

from apps.core import apis as core_apis
from apps.core import media as core_media
from concert.api.lazy import app_urls, lazy_view
from concert.api.middleware import ADMIN_PREFIX


# Each app's routes load with the first request for a path they serve: a request for the
# catalogue does not import the tickets', files' or licensing views.
def api_v1():
    return [
        app_urls("apps.accounts.urls", "me", "dev"),
        app_urls("apps.events.urls", "venues", "artists", "events"),
        app_urls("apps.tickets.urls", "events", "orders", "tickets"),
        app_urls("apps.files.urls", "files", namespace="files"),
        app_urls("apps.licensing.urls", "license-keys"),
        app_urls("apps.usage.urls", "usage"),
    ]


urlpatterns = [
    path("health/live", core_apis.live, name="health-live"),
    path("health/ready", core_apis.ready, name="health-ready"),
    path("api/v1/", include(api_v1())),
    # The same operations for partners' license keys (concert.api.paths); reverse() keeps
    # naming the /api/v1 ones, the partner copies live in their own namespace.
    path("partner/v1/", include((api_v1(), "partner"), namespace="partner")),
    # drf-spectacular's views and schema generator cost ~21 ms of CPU to import (measured in
    # bench/results.md): loaded with the first schema or docs request.
    path("api/schema", lazy_view("drf_spectacular.views.SpectacularAPIView"), name="schema"),
    path("api/docs", lazy_view("drf_spectacular.views.SpectacularSwaggerView",
                               url_name="schema"), name="docs"),
    # The admin's sign-in behind its throttle (apps.accounts.login_throttle).
    path(f"{ADMIN_PREFIX[1:]}login/", lazy_view("apps.accounts.login_throttle.admin_login"),
         name="admin-login"),
    path(ADMIN_PREFIX[1:], admin.site.urls),
    path("", core_apis.index, name="index"),
    path("media/<path:name>", core_media.picture, name="picture"),
]

# The admin speaks to the platform's operators; "View site" opens the API docs.
admin.site.site_header = "Concert operations"
admin.site.site_title = "Concert operations"
admin.site.index_title = "Catalogue, box office, partners and usage"
admin.site.site_url = "/api/docs"

handler400 = "concert.api.errors.bad_request"
handler403 = "concert.api.errors.permission_denied"
handler404 = "concert.api.errors.not_found"
handler500 = "concert.api.errors.server_error"
