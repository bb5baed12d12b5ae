"""Operators' admin for the catalogue: events with lineup and pictures, venues, artists."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from apps.core.errors import ApplicationError
from apps.events import public_cache, services
from apps.events.models import Artist, Event, EventPicture, EventStatus, Performance, Venue


class CatalogueAdmin(admin.ModelAdmin):
    """Admin edits bypass the services' cache bookkeeping, so they retire cached pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        public_cache.invalidate()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        public_cache.invalidate()


@admin.register(Venue)
class VenueAdmin(CatalogueAdmin):
    list_display = ("name", "city", "country", "capacity", "timezone")
    list_filter = ("country", "city")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name", "city")}
    raw_id_fields = ("created_by",)


@admin.register(Artist)
class ArtistAdmin(CatalogueAdmin):
    list_display = ("name", "genre")
    list_filter = ("genre",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("created_by",)


class LineupFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        event = self.instance
        if event.starts_at is None or event.ends_at is None:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("starts_at") or not data.get("ends_at"):
                continue
            if data["starts_at"] < event.starts_at or data["ends_at"] > event.ends_at:
                raise ValidationError("Every set of the lineup must fall inside the event.")


class PerformanceInline(admin.TabularInline):
    model = Performance
    formset = LineupFormSet
    extra = 0
    autocomplete_fields = ("artist",)
    fields = ("order", "artist", "starts_at", "ends_at")


class EventPictureInline(admin.TabularInline):
    """Pictures arrive through the API (validated and re-encoded); here they are reviewed."""

    model = EventPicture
    extra = 0
    can_delete = False
    fields = ("preview", "position", "width", "height", "content_type")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="picture")
    def preview(self, picture):
        from apps.core.pictures import picture_url

        return format_html('<a href="{}"><img src="{}" height="60"></a>',
                           picture_url(picture.name), picture_url(picture.thumbnail_name))


@admin.register(Event)
class EventAdmin(CatalogueAdmin):
    list_display = ("title", "status", "starts_at", "venue", "venue_city", "organizer")
    list_filter = ("status", "venue__city", "venue")
    list_select_related = ("venue", "organizer")
    search_fields = ("title", "slug", "venue__name", "performances__artist__name")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    raw_id_fields = ("organizer",)
    autocomplete_fields = ("venue",)
    readonly_fields = ("status", "published_at", "cancelled_at", "created_at", "updated_at")
    inlines = (PerformanceInline, EventPictureInline)
    actions = ("publish", "cancel")

    @admin.display(description="city", ordering="venue__city")
    def venue_city(self, event):
        return event.venue.city

    def has_delete_permission(self, request, obj=None):
        # Only drafts are deleted, through the service; an event once published is cancelled.
        return obj is not None and obj.status == EventStatus.DRAFT and obj.published_at is None

    def delete_model(self, request, obj):
        services.event_delete(event=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        public_cache.invalidate()

    def _run(self, request, queryset, service, verb: str) -> None:
        done = 0
        for event in queryset:
            try:
                service(event=event)
            except ApplicationError as exc:
                self.message_user(request, f"{event}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} event(s).", messages.SUCCESS)

    @admin.action(description="Publish selected draft events")
    def publish(self, request, queryset):
        self._run(request, queryset, services.event_publish, "Published")

    @admin.action(description="Cancel selected published events (and their orders)")
    def cancel(self, request, queryset):
        self._run(request, queryset, services.event_cancel, "Cancelled")
