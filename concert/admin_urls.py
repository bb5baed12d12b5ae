"""The admin's URLs, loaded with the first admin request: every app's ModelAdmin first."""

from django.contrib import admin

admin.autodiscover()

urlpatterns, app_name, _ = admin.site.urls
