"""seed_demo: a filled catalogue for a first look (venues, artists, events, lineups).

Idempotent: rows are matched on their slugs, so running it again updates them in place.
Dates are relative to today, so the demo always has upcoming shows.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from apps.accounts.roles import Role
from apps.events import public_cache
from apps.events.models import Artist, Event, EventStatus, Performance, Venue

ORGANIZER = {"username": "demo-organizer", "email": "organizer@demo.concert.example",
             "display_name": "Demo Promotions"}

# slug: (name, city, country, timezone, capacity, address)
VENUES = {
    "columbiahalle-berlin": ("Columbiahalle", "Berlin", "DE", "Europe/Berlin", 3500,
                             "Columbiadamm 13-21, 10965 Berlin"),
    "astra-kulturhaus-berlin": ("Astra Kulturhaus", "Berlin", "DE", "Europe/Berlin", 1500,
                                "Revaler Str. 99, 10245 Berlin"),
    "roundhouse-london": ("Roundhouse", "London", "GB", "Europe/London", 3300,
                          "Chalk Farm Rd, London NW1 8EH"),
    "the-jazz-cafe-london": ("The Jazz Cafe", "London", "GB", "Europe/London", 440,
                             "5 Parkway, London NW1 7PG"),
    "coliseu-dos-recreios-lisbon": ("Coliseu dos Recreios", "Lisbon", "PT", "Europe/Lisbon",
                                    4000, "R. das Portas de Santo Antão 96, 1150-269 Lisboa"),
    "brooklyn-steel-new-york": ("Brooklyn Steel", "New York", "US", "America/New_York", 1800,
                                "319 Frost St, Brooklyn, NY 11222"),
}

# slug: (name, genre, bio)
ARTISTS = {
    "the-midnight-owls": ("The Midnight Owls", "indie rock",
                          "Four-piece from Leeds trading in late-night guitar anthems."),
    "lena-vogt": ("Lena Vogt", "electronic", "Berlin producer of slow-burning techno sets."),
    "copper-coast": ("Copper Coast", "folk", "Harmony-heavy folk trio from Cornwall."),
    "neon-harbor": ("Neon Harbor", "synth-pop", "Retro synths and big choruses from Oslo."),
    "marta-reis": ("Marta Reis", "fado", "A new voice of Lisbon fado, with guitarra portuguesa."),
    "saudade-trio": ("Saudade Trio", "jazz", "Piano trio mixing fado melodies and modal jazz."),
    "gravel-and-gold": ("Gravel & Gold", "blues rock", "Stomping blues rock from Austin."),
    "the-quiet-engines": ("The Quiet Engines", "post-rock", "Long crescendos, no vocals."),
    "aurora-static": ("Aurora Static", "shoegaze", "Walls of guitar from Reykjavik."),
    "kingsland-brass": ("Kingsland Brass", "jazz", "Ten-piece brass band from Hackney."),
}

# slug: (title, venue, status, days from today, local start hour, hours, lineup, description)
# lineup: (artist slug, minutes after doors, set length in minutes)
EVENTS = {
    "midnight-owls-live-in-berlin": (
        "The Midnight Owls: Live in Berlin", "columbiahalle-berlin", EventStatus.PUBLISHED,
        14, 19, 4, [("aurora-static", 30, 45), ("the-midnight-owls", 105, 100)],
        "The Owls bring their new record to Columbiahalle, with Aurora Static opening.",
    ),
    "lena-vogt-all-night-long": (
        "Lena Vogt: All Night Long", "astra-kulturhaus-berlin", EventStatus.PUBLISHED,
        21, 22, 6, [("lena-vogt", 0, 360)], "Six hours, one booth.",
    ),
    "folk-on-the-hill": (
        "Folk on the Hill", "roundhouse-london", EventStatus.PUBLISHED, 30, 18, 5,
        [("copper-coast", 30, 60), ("marta-reis", 120, 60), ("the-midnight-owls", 210, 75)],
        "An evening of songs old and new in the Roundhouse's main space.",
    ),
    "kingsland-brass-jazz-cafe": (
        "Kingsland Brass", "the-jazz-cafe-london", EventStatus.PUBLISHED, 9, 20, 3,
        [("kingsland-brass", 30, 120)], "Hackney's loudest brass band, two sets.",
    ),
    "noites-de-fado": (
        "Noites de Fado", "coliseu-dos-recreios-lisbon", EventStatus.PUBLISHED, 45, 21, 3,
        [("saudade-trio", 15, 50), ("marta-reis", 80, 90)],
        "Fado in the grand hall of the Coliseu.",
    ),
    "neon-harbor-brooklyn": (
        "Neon Harbor", "brooklyn-steel-new-york", EventStatus.PUBLISHED, 60, 19, 4,
        [("the-quiet-engines", 30, 50), ("neon-harbor", 110, 90)],
        "Neon Harbor's first US headline show.",
    ),
    "gravel-and-gold-spring-tour": (
        "Gravel & Gold: Spring Tour", "brooklyn-steel-new-york", EventStatus.DRAFT, 90, 20, 3,
        [("gravel-and-gold", 45, 110)], "Announcement pending.",
    ),
    "post-rock-weekender": (
        "Post-Rock Weekender", "astra-kulturhaus-berlin", EventStatus.DRAFT, 120, 17, 7,
        [("the-quiet-engines", 60, 70), ("aurora-static", 180, 70)], "Line-up in progress.",
    ),
    "copper-coast-acoustic": (
        "Copper Coast (Acoustic)", "the-jazz-cafe-london", EventStatus.CANCELLED, 5, 19, 3,
        [("copper-coast", 45, 90)], "Cancelled: illness in the band. Orders are refunded.",
    ),
    "winter-jazz-night": (
        "Winter Jazz Night", "coliseu-dos-recreios-lisbon", EventStatus.COMPLETED, -20, 20, 4,
        [("saudade-trio", 30, 60), ("kingsland-brass", 120, 90)], "Thanks for coming!",
    ),
}


class Command(BaseCommand):
    help = "Loads demo venues, artists and events (idempotent; safe to run on every start)."

    @transaction.atomic
    def handle(self, *args, **options):
        organizer = self._organizer()
        venues = {
            slug: Venue.objects.update_or_create(slug=slug, defaults={
                "name": name, "city": city, "country": country, "timezone": tz,
                "capacity": capacity, "address": address,
            })[0]
            for slug, (name, city, country, tz, capacity, address) in VENUES.items()
        }
        artists = {
            slug: Artist.objects.update_or_create(
                slug=slug, defaults={"name": name, "genre": genre, "bio": bio}
            )[0]
            for slug, (name, genre, bio) in ARTISTS.items()
        }
        today = timezone.localdate()
        for slug, (title, venue_slug, status, days, hour, hours, lineup, text) in EVENTS.items():
            venue = venues[venue_slug]
            local_day = today + timedelta(days=days)
            starts_at = datetime.combine(local_day, time(hour), zoneinfo.ZoneInfo(venue.timezone))
            announced = starts_at - timedelta(days=30)
            event, _ = Event.objects.update_or_create(slug=slug, defaults={
                "title": title, "venue": venue, "organizer": organizer, "status": status,
                "description": text, "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=hours),
                "published_at": None if status == EventStatus.DRAFT else announced,
                "cancelled_at": starts_at - timedelta(days=7)
                if status == EventStatus.CANCELLED else None,
            })
            for order, (artist_slug, offset, minutes) in enumerate(lineup):
                set_start = starts_at + timedelta(minutes=offset)
                Performance.objects.update_or_create(
                    event=event, artist=artists[artist_slug],
                    defaults={"order": order, "starts_at": set_start,
                              "ends_at": set_start + timedelta(minutes=minutes)},
                )
        public_cache.invalidate()
        self.stdout.write(
            f"Demo catalogue: {len(VENUES)} venues, {len(ARTISTS)} artists, "
            f"{len(EVENTS)} events (organizer '{organizer.username}')."
        )

    def _organizer(self):
        user, created = get_user_model().objects.get_or_create(
            username=ORGANIZER["username"],
            defaults={"email": ORGANIZER["email"], "display_name": ORGANIZER["display_name"],
                      "role": Role.ORGANIZER},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
