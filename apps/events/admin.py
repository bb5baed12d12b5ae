"""Operators' admin for the catalogue: events with lineup and pictures, venues, artists."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html

from apps.accounts.roles import Role, roles_at_least
from apps.core.admin import ServiceAdmin, adopt
from apps.core.errors import ApplicationError
from apps.core.pictures import PictureInvalid, picture_check, picture_url
from apps.events import services
from apps.events.models import Artist, Event, EventPicture, EventStatus, Performance, Venue
from apps.events.validators import country_code_clean


def _changes(form, fields: tuple[str, ...]) -> dict:
    """The form's changed values among the fields a service accepts."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


def _values(form, fields: tuple[str, ...]) -> dict:
    return {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}


class VenueAdminForm(forms.ModelForm):
    """The model's validators check the stored form; the country is typed in either case.
    (No Meta: the admin supplies the model and its fields.)"""

    def clean_country(self) -> str:
        return country_code_clean(self.cleaned_data["country"])


class EntryAdmin(ServiceAdmin):
    """Venues and artists: added, changed and deleted by their services, which take the
    entry under its model name (`venue=`, `artist=`)."""

    create_service: staticmethod
    update_service: staticmethod
    delete_service: staticmethod
    update_fields: tuple[str, ...]
    raw_id_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        entry = self.opts.model_name
        if change:
            self.update_service(**{entry: self.model.objects.get(pk=obj.pk)},
                                data=_changes(form, self.update_fields))
        else:
            adopt(obj, self.create_service(
                created_by=form.cleaned_data.get("created_by") or request.user,
                **_values(form, self.update_fields)))

    def delete_model(self, request, obj):
        self.delete_service(**{self.opts.model_name: obj})


@admin.register(Venue)
class VenueAdmin(EntryAdmin):
    form = VenueAdminForm
    list_display = ("name", "city", "country", "capacity", "timezone")
    list_filter = ("country", "city")
    search_fields = ("name", "city", "slug")
    prepopulated_fields = {"slug": ("name", "city")}
    create_service = staticmethod(services.venue_create)
    update_service = staticmethod(services.venue_update)
    delete_service = staticmethod(services.venue_delete)
    update_fields = services.VENUE_FIELDS


@admin.register(Artist)
class ArtistAdmin(EntryAdmin):
    list_display = ("name", "genre")
    list_filter = ("genre",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    create_service = staticmethod(services.artist_create)
    update_service = staticmethod(services.artist_update)
    delete_service = staticmethod(services.artist_delete)
    update_fields = services.ARTIST_FIELDS


class PerformanceInline(admin.TabularInline):
    model = Performance
    extra = 0
    autocomplete_fields = ("artist",)
    fields = ("order", "artist", "starts_at", "ends_at")


class PictureFormSet(forms.BaseInlineFormSet):
    def delete_existing(self, obj, commit=True):
        # The service also removes the files once the deletion commits.
        if commit:
            services.event_picture_delete(picture=obj)


class EventPictureInline(admin.TabularInline):
    """The gallery, for review and removal; pictures are added with the event form's
    "Add a picture" field, through the same service (and checks) as the API."""

    model = EventPicture
    formset = PictureFormSet
    extra = 0
    fields = ("preview", "position", "width", "height", "content_type")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="picture")
    def preview(self, picture):
        return format_html('<a href="{}"><img src="{}" height="60"></a>',
                           picture_url(picture.name), picture_url(picture.thumbnail_name))


# Who may own an event: the API lets organizers and above create one (IsOrganizer).
ORGANIZER_ROLES = roles_at_least(Role.ORGANIZER)


class OrganizerRawIdWidget(ForeignKeyRawIdWidget):
    """The lookup popup lists only users who may own an event."""

    def base_url_parameters(self):
        return {**super().base_url_parameters(), "role__in": ",".join(ORGANIZER_ROLES)}


class EventAdminForm(forms.ModelForm):
    new_picture = forms.FileField(
        label="Add a picture", required=False,
        help_text="A JPEG, PNG or WebP picture, added at the end of the gallery when the "
                  "event is saved. It is re-encoded without its metadata.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organizer = self.fields.get("organizer")
        if organizer is not None:
            allowed = Q(role__in=ORGANIZER_ROLES)
            if self.instance.organizer_id is not None:
                # An organizer who lost the role keeps the events they own.
                allowed |= Q(pk=self.instance.organizer_id)
            organizer.queryset = organizer.queryset.filter(allowed)
            organizer.error_messages["invalid_choice"] = (
                "Choose an organizer, staff member or admin: other users cannot own events."
            )

    def clean_new_picture(self):
        upload = self.cleaned_data.get("new_picture")
        if upload:
            try:
                picture_check(upload=upload)
            except PictureInvalid as exc:
                raise ValidationError(exc.message, code=exc.code) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        # The service's own rules, checked here for a form error instead of a failed save.
        # (The instance still holds the stored values until the form is saved.)
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at:
            stored = self.instance if self.instance.pk is not None else None
            try:
                services.event_schedule_check(event=stored, starts_at=starts_at,
                                              ends_at=ends_at)
            except ApplicationError as exc:
                self.add_error(None, exc.message)
        if cleaned.get("new_picture") and self.instance.pk is not None:
            try:
                services.event_picture_room_check(event=self.instance)
            except ApplicationError as exc:
                self.add_error("new_picture", exc.message)
        return cleaned


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    form = EventAdminForm
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organizer":
            kwargs["widget"] = OrganizerRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            adopt(obj, services.event_create(**_values(
                form, ("organizer", "venue", "title", "slug", "starts_at", "ends_at",
                       "description"))))
        elif changes := _changes(form, services.EVENT_FIELDS):
            services.event_update(event=obj, data=changes)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Performance:
            super().save_formset(request, form, formset, change)  # pictures: delete_existing
            return
        # What the change message reads, as formset.save() would have set it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for set_form in formset.forms:
            performance = set_form.instance
            if set_form in formset.deleted_forms:
                if performance.pk is not None:
                    services.performance_delete(performance=performance)
                    formset.deleted_objects.append(performance)
            elif performance.pk is not None and set_form.has_changed():
                formset.changed_objects.append((services.performance_update(
                    performance=Performance.objects.get(pk=performance.pk),
                    data=_changes(set_form, services.PERFORMANCE_FIELDS),
                ), set_form.changed_data))
            elif performance.pk is None and set_form.has_changed():
                formset.new_objects.append(services.performance_create(
                    event=form.instance, **_values(set_form, services.PERFORMANCE_FIELDS)))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        upload = form.cleaned_data.get("new_picture")
        if upload:
            self._add_picture(request, form.instance, upload)

    def _add_picture(self, request, event, upload) -> None:
        try:
            services.event_picture_add(event=event, upload=upload)
        except ApplicationError as exc:
            # The form checked the rules; only a concurrent change (or the same picture
            # again) gets here. The event's other changes are kept.
            self.message_user(request, f"The picture was not added: {exc.message}",
                              messages.ERROR)

    @admin.action(description="Publish selected draft events")
    def publish(self, request, queryset):
        self.run_service(request, queryset, lambda event: services.event_publish(event=event),
                         "Published")

    @admin.action(description="Cancel selected published events (and their orders)")
    def cancel(self, request, queryset):
        self.run_service(request, queryset, lambda event: services.event_cancel(event=event),
                         "Cancelled")
