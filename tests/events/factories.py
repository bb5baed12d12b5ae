"""factory_boy factories for venues, artists, events, lineup and pictures."""

from datetime import timedelta

import factory
from django.utils import timezone

from apps.events.models import Artist, Event, EventPicture, EventStatus, Performance, Venue
from tests.accounts.factories import UserFactory


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Hall {n}")
    slug = factory.Sequence(lambda n: f"hall-{n}")
    city = "Berlin"
    address = factory.Sequence(lambda n: f"Street {n}")
    country = "DE"
    timezone = "Europe/Berlin"
    capacity = 1000


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist

    name = factory.Sequence(lambda n: f"Band {n}")
    slug = factory.Sequence(lambda n: f"band-{n}")
    bio = "Loud."
    genre = "rock"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Night {n}")
    slug = factory.Sequence(lambda n: f"night-{n}")
    description = "A night out."
    organizer = factory.SubFactory(UserFactory, organizer=True)
    venue = factory.SubFactory(VenueFactory)
    status = EventStatus.PUBLISHED
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=4))
    published_at = factory.LazyAttribute(
        lambda e: None if e.status == EventStatus.DRAFT else timezone.now()
    )

    class Params:
        draft = factory.Trait(status=EventStatus.DRAFT)
        cancelled = factory.Trait(status=EventStatus.CANCELLED)
        completed = factory.Trait(status=EventStatus.COMPLETED)


class PerformanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Performance

    event = factory.SubFactory(EventFactory)
    artist = factory.SubFactory(ArtistFactory)
    starts_at = factory.LazyAttribute(lambda p: p.event.starts_at)
    ends_at = factory.LazyAttribute(lambda p: p.event.starts_at + timedelta(hours=1))
    order = 0


class EventPictureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventPicture

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"events/p{n}.jpg")
    thumbnail_name = factory.Sequence(lambda n: f"events/p{n}-thumb.jpg")
    width = 800
    height = 600
    content_type = "image/jpeg"
    position = factory.Sequence(lambda n: n)
