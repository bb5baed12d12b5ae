"""Catalogue representations (read) and the fields clients may send (write)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.core.pictures import picture_url
from apps.core.text import validate_line, validate_text
from apps.events.availability import Availability
from apps.events.models import Artist, Event, EventPicture, Performance, Venue
from apps.events.services import EVENT_HORIZON, EVENT_HORIZON_YEARS
from apps.events.validators import country_code_clean, validate_timezone_name
from concert.api import fields


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset: a bare local time is ambiguous."""

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2030-05-01T20:00:00+02:00 or ...T18:00:00Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


# --- venues and artists -----------------------------------------------------------------


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ("id", "slug", "name", "city", "address", "country", "timezone", "capacity",
                  "created_at", "updated_at")
        read_only_fields = fields


class VenueWriteSerializer(serializers.Serializer):
    name = fields.CharField(max_length=200, validators=[validate_line])
    city = fields.CharField(max_length=100, validators=[validate_line])
    address = fields.CharField(max_length=300, required=False, allow_blank=True,
                               validators=[validate_line])
    country = fields.CharField()
    timezone = fields.CharField(max_length=64, required=False)
    capacity = fields.IntegerField(min_value=1, max_value=1_000_000)

    def validate_country(self, value: str) -> str:
        return country_code_clean(value)

    def validate_timezone(self, value: str) -> str:
        validate_timezone_name(value)
        return value


class ArtistSerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ("id", "slug", "name", "bio", "genre", "created_at", "updated_at")
        read_only_fields = fields


class ArtistWriteSerializer(serializers.Serializer):
    name = fields.CharField(max_length=200, validators=[validate_line])
    bio = fields.CharField(max_length=5000, required=False, allow_blank=True,
                           validators=[validate_text])
    genre = fields.CharField(max_length=80, required=False, allow_blank=True,
                             validators=[validate_line])


# --- events -------------------------------------------------------------------------------


class VenueSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ("id", "slug", "name", "city", "country", "timezone")
        read_only_fields = fields


class ArtistSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Artist
        fields = ("id", "slug", "name", "genre")
        read_only_fields = fields


class PerformanceSerializer(serializers.ModelSerializer):
    artist = ArtistSummarySerializer(read_only=True)

    class Meta:
        model = Performance
        fields = ("id", "artist", "starts_at", "ends_at", "order")
        read_only_fields = fields


class PerformanceWriteSerializer(serializers.Serializer):
    artist = serializers.SlugRelatedField(
        slug_field="slug", queryset=Artist.objects.all(), help_text="Artist slug."
    )
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    order = fields.IntegerField(min_value=0, max_value=1000, required=False)


class EventPictureSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = EventPicture
        fields = ("id", "url", "thumbnail_url", "width", "height", "content_type", "position")
        read_only_fields = fields

    def get_url(self, picture: EventPicture) -> str:
        return picture_url(picture.name)

    def get_thumbnail_url(self, picture: EventPicture) -> str:
        return picture_url(picture.thumbnail_name)


class OrganizerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = fields.CharField(read_only=True)


class TicketSummarySerializer(serializers.Serializer):
    price_from = serializers.DecimalField(
        max_digits=10, decimal_places=2,
        help_text="The lowest price still buyable (else the lowest).",
    )
    currency = fields.CharField()
    availability = serializers.ChoiceField(
        choices=Availability.choices,
        help_text="on_sale or few_left if any type is, else not_yet, sold_out, ended.",
    )


class EventSerializer(serializers.ModelSerializer):
    venue = VenueSummarySerializer(read_only=True)
    organizer = OrganizerSerializer(read_only=True)
    lineup = PerformanceSerializer(source="performances", many=True, read_only=True)
    pictures = EventPictureSerializer(many=True, read_only=True)
    tickets = TicketSummarySerializer(
        source="ticket_summary", read_only=True, allow_null=True,
        help_text='"From" price and availability; null while the event has no ticket types.',
    )

    class Meta:
        model = Event
        fields = ("id", "slug", "title", "description", "status", "starts_at", "ends_at",
                  "published_at", "cancelled_at", "venue", "organizer", "lineup", "pictures",
                  "tickets", "created_at", "updated_at")
        read_only_fields = fields


class EventWriteSerializer(serializers.Serializer):
    title = fields.CharField(max_length=200, validators=[validate_line])
    description = fields.CharField(max_length=10000, required=False, allow_blank=True,
                                   validators=[validate_text])
    venue = serializers.SlugRelatedField(
        slug_field="slug", queryset=Venue.objects.all(), help_text="Venue slug."
    )
    starts_at = AwareDateTimeField(help_text=(
        "With a UTC offset. A start set (on a new event, or changed) must be in the future "
        f"and at most {EVENT_HORIZON_YEARS} years ({EVENT_HORIZON.days} days) ahead; a start "
        "left as it is is not judged again."))
    ends_at = AwareDateTimeField(help_text=(
        "With a UTC offset; after starts_at, and when set at most "
        f"{EVENT_HORIZON_YEARS} years ({EVENT_HORIZON.days} days) ahead."))
