"""seed_demo: a demo to try the platform with: venues, artists, events with lineups and
ticket types on sale, and three people (a fan, an organizer, staff) with tokens to act as.

Everything is written through the services, as the API would write it. Idempotent: rows
are matched on their names, so a second run adds only what is missing. Dates are relative
to the first run's day. It refuses to run in production mode.
"""

from __future__ import annotations

import shlex
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from apps.accounts.services import user_profile_update, user_sync_from_claims
from apps.events import services
from apps.events.models import Artist, Event, EventStatus, Venue

# name: (city, country, timezone, capacity, address)
VENUES = {
    "Columbiahalle": ("Berlin", "DE", "Europe/Berlin", 3500,
                             "Columbiadamm 13-21, 10965 Berlin"),
    "Astra Kulturhaus": ("Berlin", "DE", "Europe/Berlin", 1500,
                                "Revaler Str. 99, 10245 Berlin"),
    "Roundhouse": ("London", "GB", "Europe/London", 3300,
                          "Chalk Farm Rd, London NW1 8EH"),
    "The Jazz Cafe": ("London", "GB", "Europe/London", 440,
                             "5 Parkway, London NW1 7PG"),
    "Coliseu dos Recreios": ("Lisbon", "PT", "Europe/Lisbon",
                                    4000, "R. das Portas de Santo Antão 96, 1150-269 Lisboa"),
    "Brooklyn Steel": ("New York", "US", "America/New_York", 1800,
                                "319 Frost St, Brooklyn, NY 11222"),
}

# name: (genre, bio)
ARTISTS = {
    "The Midnight Owls": ("indie rock",
                          "Four-piece from Leeds trading in late-night guitar anthems."),
    "Lena Vogt": ("electronic", "Berlin producer of slow-burning techno sets."),
    "Copper Coast": ("folk", "Harmony-heavy folk trio from Cornwall."),
    "Neon Harbor": ("synth-pop", "Retro synths and big choruses from Oslo."),
    "Marta Reis": ("fado", "A new voice of Lisbon fado, with guitarra portuguesa."),
    "Saudade Trio": ("jazz", "Piano trio mixing fado melodies and modal jazz."),
    "Gravel & Gold": ("blues rock", "Stomping blues rock from Austin."),
    "The Quiet Engines": ("post-rock", "Long crescendos, no vocals."),
    "Aurora Static": ("shoegaze", "Walls of guitar from Reykjavik."),
    "Kingsland Brass": ("jazz", "Ten-piece brass band from Hackney."),
}

# title: (venue, status, days from today, local start hour, hours, lineup, description,
#         ticket types)
# lineup: (artist, minutes after doors, set length in minutes)
# ticket types: (name, price, capacity, sales open in days from now (negative: open),
#                max_per_buyer or None)
EVENTS = {
    "The Midnight Owls: Live in Berlin": (
        "Columbiahalle", EventStatus.PUBLISHED, 14, 19, 4,
        [("Aurora Static", 30, 45), ("The Midnight Owls", 105, 100)],
        "The Owls bring their new record to Columbiahalle, with Aurora Static opening.",
        [("Standing", "39.00", 2500, -7, None), ("Balcony", "55.00", 1000, -7, 4)],
    ),
    "Lena Vogt: All Night Long": (
        "Astra Kulturhaus", EventStatus.PUBLISHED, 21, 22, 6, [("Lena Vogt", 0, 360)],
        "Six hours, one booth.", [("Standing", "28.00", 1500, -7, None)],
    ),
    "Folk on the Hill": (
        "Roundhouse", EventStatus.PUBLISHED, 30, 18, 5,
        [("Copper Coast", 30, 60), ("Marta Reis", 120, 60), ("The Midnight Owls", 210, 75)],
        "An evening of songs old and new in the Roundhouse's main space.",
        [("Standing", "35.00", 2300, -7, None), ("Seated", "48.00", 1000, -7, 4)],
    ),
    "Kingsland Brass": (
        "The Jazz Cafe", EventStatus.PUBLISHED, 9, 20, 3, [("Kingsland Brass", 30, 120)],
        "Hackney's loudest brass band, two sets.",
        [("Standing", "22.00", 400, -7, None), ("Front row table", "60.00", 40, -7, 2)],
    ),
    "Noites de Fado": (
        "Coliseu dos Recreios", EventStatus.PUBLISHED, 45, 21, 3,
        [("Saudade Trio", 15, 50), ("Marta Reis", 80, 90)],
        "Fado in the grand hall of the Coliseu.",
        [("Plateia", "30.00", 2500, -7, None), ("Camarote", "65.00", 300, 7, 4)],
    ),
    "Neon Harbor": (
        "Brooklyn Steel", EventStatus.PUBLISHED, 60, 19, 4,
        [("The Quiet Engines", 30, 50), ("Neon Harbor", 110, 90)],
        "Neon Harbor's first US headline show.",
        [("General admission", "45.00", 1800, -7, 6)],
    ),
    "Gravel & Gold: Spring Tour": (
        "Brooklyn Steel", EventStatus.DRAFT, 90, 20, 3, [("Gravel & Gold", 45, 110)],
        "Announcement pending.", [("General admission", "40.00", 1800, 14, None)],
    ),
    "Post-Rock Weekender": (
        "Astra Kulturhaus", EventStatus.DRAFT, 120, 17, 7,
        [("The Quiet Engines", 60, 70), ("Aurora Static", 180, 70)], "Line-up in progress.", [],
    ),
    "Copper Coast (Acoustic)": (
        "The Jazz Cafe", EventStatus.CANCELLED, 5, 19, 3, [("Copper Coast", 45, 90)],
        "Cancelled: illness in the band. Orders are refunded.",
        [("Standing", "18.00", 400, -7, None)],
    ),
}
CURRENCIES = {"DE": "EUR", "PT": "EUR", "GB": "GBP", "US": "USD"}

# The demo's people, as the dev issuer's tokens name them: (email, Cognito groups).
PEOPLE = {
    "FAN": ("fan@demo.concert.example", []),
    "ORGANIZER": ("organizer@demo.concert.example", ["organizer"]),
    "STAFF": ("staff@demo.concert.example", ["staff"]),
}
ORGANIZER_NAME = "Demo Promotions"
TOKEN_TTL = 3600


class Command(BaseCommand):
    help = ("Loads the demo (venues, artists, events with ticket types on sale, a fan, an "
            "organizer and staff) and prints tokens to act as them. Idempotent; not in "
            "production mode.")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="where the service answers, for the printed commands")

    def handle(self, *args, base_url: str, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo loads demo data and people: not in production mode "
                               "(CONCERT_PRODUCTION).")
        with transaction.atomic():
            people = {role: self._person(email, groups)
                      for role, (email, groups) in PEOPLE.items()}
            organizer = user_profile_update(user=people["ORGANIZER"],
                                            data={"display_name": ORGANIZER_NAME})
            venues = {name: self._venue(organizer, name, *row) for name, row in VENUES.items()}
            artists = {name: self._artist(organizer, name, *row)
                       for name, row in ARTISTS.items()}
            events = [self._event(organizer, venues, artists, title, *row)
                      for title, row in EVENTS.items()]
        self.stdout.write(
            f"Demo data: {len(venues)} venues, {len(artists)} artists, {len(events)} events "
            f"(organizer {ORGANIZER_NAME})."
        )
        self._print_tokens(base_url=base_url.rstrip("/"), event=events[0])

    # -- rows, each made through its service when missing ---------------------------------

    def _person(self, email: str, groups: list[str]):
        from apps.accounts.dev_issuer import dev_sub

        # The user a dev token for this e-mail maps to, made the way a first request does.
        return user_sync_from_claims(claims={"sub": dev_sub(email), "email": email,
                                             "cognito:groups": groups})

    def _venue(self, organizer, name, city, country, tz, capacity, address) -> Venue:
        return Venue.objects.filter(name=name, city=city).first() or services.venue_create(
            created_by=organizer, name=name, city=city, country=country, timezone=tz,
            capacity=capacity, address=address,
        )

    def _artist(self, organizer, name, genre, bio) -> Artist:
        return Artist.objects.filter(name=name).first() or services.artist_create(
            created_by=organizer, name=name, genre=genre, bio=bio,
        )

    def _event(self, organizer, venues, artists, title, venue_name, status, days, hour, hours,
               lineup, description, ticket_types) -> Event:
        from apps.tickets.services import ticket_type_create

        existing = Event.objects.filter(title=title).first()
        if existing is not None:
            return existing
        venue = venues[venue_name]
        local_day = timezone.localdate() + timedelta(days=days)
        starts_at = datetime.combine(local_day, time(hour), zoneinfo.ZoneInfo(venue.timezone))
        event = services.event_create(
            organizer=organizer, venue=venue, title=title, description=description,
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
        )
        for order, (artist, offset, minutes) in enumerate(lineup):
            set_start = starts_at + timedelta(minutes=offset)
            services.performance_create(event=event, artist=artists[artist], order=order,
                                        starts_at=set_start,
                                        ends_at=set_start + timedelta(minutes=minutes))
        now = timezone.now()
        for name, price, capacity, opens_in_days, max_per_buyer in ticket_types:
            ticket_type_create(
                event=event, name=name, price=Decimal(price),
                currency=CURRENCIES[venue.country], capacity=capacity,
                sales_start=now + timedelta(days=opens_in_days), sales_end=starts_at,
                max_per_buyer=max_per_buyer,
            )
        if status != EventStatus.DRAFT:
            event = services.event_publish(event=event)
        if status == EventStatus.CANCELLED:
            event = services.event_cancel(event=event)
        return event

    # -- what a newcomer needs next -------------------------------------------------------

    def _print_tokens(self, *, base_url: str, event: Event) -> None:
        if not settings.JWT_DEV_ISSUER:
            self.stdout.write("No demo tokens: JWT_ISSUER names a real user pool.")
            return
        from apps.accounts.dev_issuer import dev_token_mint

        cheapest = event.ticket_types.order_by("price", "id").first()
        values = {f"{role}_TOKEN": dev_token_mint(email=email, groups=groups,
                                                  ttl_seconds=TOKEN_TTL)
                  for role, (email, groups) in PEOPLE.items()}
        values.update(DEMO_EVENT=str(event.pk), DEMO_TICKET_TYPE=str(cheapest.pk))
        env_file = Path(settings.DEMO_ENV_FILE)
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in values.items()))
        body = (f'{{"event": {event.pk}, "items": [{{"ticket_type": {cheapest.pk}, '
                f'"quantity": 2}}]}}')
        self.stdout.write(
            f"\nDemo tokens (valid {TOKEN_TTL // 3600} hour; every run makes fresh ones), "
            f"saved in {env_file}:\n"
            + "".join(f"  {role.lower()}: {values[f'{role}_TOKEN']}\n" for role in PEOPLE)
            + f"\nBuy two '{cheapest.name}' tickets for '{event.title}' as the demo fan:\n\n"
            f"  source {shlex.quote(str(env_file))}\n"
            f"  curl -s -X POST {base_url}/api/v1/orders -H \"Authorization: Bearer $FAN_TOKEN\" "
            f"-H 'Idempotency-Key: demo-order-1' -H 'Content-Type: application/json' "
            f"-d '{body}'\n"
        )
