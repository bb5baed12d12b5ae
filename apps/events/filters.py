"""Query-string filters of the catalogue listings."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django_filters.fields import IsoDateTimeField

from apps.events.models import Artist, Event, EventStatus, Performance, Venue

EVENT_ORDERINGS = {
    "starts_at": ("starts_at", "id"),
    "-starts_at": ("-starts_at", "-id"),
    "title": ("title", "id"),
}


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that exists in UTC too (the database compares in UTC): the
    first and last days of the calendar with an offset fall outside it."""

    def clean(self, value):
        parsed = super().clean(value)
        if parsed is not None and parsed.tzinfo is not None:
            try:
                parsed.astimezone(datetime.UTC)
            except OverflowError:
                raise forms.ValidationError("Date-time out of range.", code="overflow") from None
        return parsed


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class EventFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="venue__city", lookup_expr="iexact")
    venue = django_filters.CharFilter(field_name="venue__slug", help_text="Venue slug.")
    artist = django_filters.CharFilter(method="filter_artist", help_text="Artist slug.")
    starts_after = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    status = django_filters.ChoiceFilter(choices=EventStatus.choices)
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, help_text="Words in the title, an artist or venue name."
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in EVENT_ORDERINGS], method="filter_ordering"
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_artist(self, queryset, name, value):
        return queryset.filter(
            Exists(Performance.objects.filter(event=OuterRef("pk"), artist__slug=value))
        )

    def filter_q(self, queryset, name, value):
        in_lineup = Performance.objects.filter(event=OuterRef("pk"), artist__name__icontains=value)
        return queryset.filter(
            Q(title__icontains=value) | Q(venue__name__icontains=value) | Exists(in_lineup)
        )

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*EVENT_ORDERINGS[value])


class VenueFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Venue
        fields: list[str] = []


class ArtistFilter(django_filters.FilterSet):
    genre = django_filters.CharFilter(field_name="genre", lookup_expr="iexact")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100)

    class Meta:
        model = Artist
        fields: list[str] = []
