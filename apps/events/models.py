"""Catalogue models: venues, artists, events with their lineup and pictures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.core.models import TimeStampedModel
from apps.core.text import validate_line, validate_text
from apps.events import availability
from apps.events.validators import (
    validate_country_code,
    validate_slug,
    validate_timezone_name,
)


class Venue(TimeStampedModel):
    name = models.CharField(max_length=200, validators=[validate_line])
    slug = models.SlugField(max_length=220, unique=True, validators=[validate_slug])
    city = models.CharField(max_length=100, db_index=True, validators=[validate_line])
    address = models.CharField(max_length=300, blank=True, validators=[validate_line])
    country = models.CharField(max_length=2, validators=[validate_country_code],
                               help_text="ISO 3166-1 alpha-2 code, e.g. DE.")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name],
                                help_text="IANA name, e.g. Europe/Berlin.")
    capacity = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="events_venue_capacity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class Artist(TimeStampedModel):
    name = models.CharField(max_length=200, validators=[validate_line])
    slug = models.SlugField(max_length=220, unique=True, validators=[validate_slug])
    bio = models.TextField(max_length=5000, blank=True, validators=[validate_text])
    genre = models.CharField(max_length=80, blank=True, validators=[validate_line])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EventStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class Event(TimeStampedModel):
    Status = EventStatus

    title = models.CharField(max_length=200, validators=[validate_line])
    slug = models.SlugField(max_length=220, unique=True, validators=[validate_slug])
    description = models.TextField(max_length=10000, blank=True, validators=[validate_text])
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_events"
    )
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(max_length=16, choices=EventStatus.choices,
                              default=EventStatus.DRAFT)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["status", "starts_at"], name="events_status_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="events_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EventStatus.values), name="events_event_status_valid"
            ),
            # Once published an event keeps its publication time, whatever happens next.
            models.CheckConstraint(
                condition=Q(status=EventStatus.DRAFT) | Q(published_at__isnull=False),
                name="events_event_published_at_set",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ticket_summary(self) -> dict:
        """"From" price, currency and availability word of the event's ticket types."""
        return availability.summary(self.ticket_types.all(), timezone.now())

    @property
    def is_public(self) -> bool:
        return self.status != EventStatus.DRAFT


class Performance(TimeStampedModel):
    """One set of the lineup. Sets fall inside their event: services.py checks it, under a
    row lock on the event, because a check constraint cannot read another table."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="performances")
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="performances")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="events_performance_ends_after_start"
            ),
            models.UniqueConstraint(fields=["event", "artist"], name="events_performance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.artist} at {self.event}"


class EventPicture(TimeStampedModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="pictures")
    name = models.CharField(max_length=255)
    thumbnail_name = models.CharField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=32)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "position"], name="events_picture_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0) & Q(height__gt=0), name="events_picture_size_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name
