"""The catalogue admin: every change through the services, with the API's rules and cache
invalidation; pictures, venue fields and event owners as the API takes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.events import public_cache, services
from apps.events.models import Artist, Event, EventPicture, Venue
from tests.accounts.factories import UserFactory
from tests.events.factories import (
    ArtistFactory,
    EventFactory,
    EventPictureFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

EVENTS_URL = "/admin/events/event/"
NOT_A_PICTURE = "The file is not a JPEG, PNG or WebP picture."


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, cognito_sub=None))
    return client


@pytest.fixture
def organizer():
    return UserFactory(organizer=True)


@pytest.fixture
def add_picture_calls(monkeypatch):
    """The events the admin handed to services.event_picture_add (which still runs)."""
    calls = []
    real = services.event_picture_add

    def spy(*, event, upload):
        calls.append(event.pk)
        return real(event=event, upload=upload)

    monkeypatch.setattr(services, "event_picture_add", spy)
    return calls


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def event_form(*, organizer, venue, event: Event | None = None, pictures=(), **overrides):
    """What the add or change page posts: the event's fields and both inlines' forms."""
    starts_at = (timezone.now() + timedelta(days=30)).replace(hour=20, minute=0, second=0,
                                                              microsecond=0)
    if event is not None:
        starts_at = event.starts_at
    ends_at = event.ends_at if event is not None else starts_at + timedelta(hours=3)
    data = {
        "title": event.title if event else "Night of Forms",
        "slug": event.slug if event else "night-of-forms",
        "description": event.description if event else "",
        "organizer": organizer.pk,
        "venue": venue.pk,
        "starts_at_0": starts_at.date().isoformat(),
        "starts_at_1": starts_at.time().isoformat(),
        "ends_at_0": ends_at.date().isoformat(),
        "ends_at_1": ends_at.time().isoformat(),
        "performances-TOTAL_FORMS": "0",
        "performances-INITIAL_FORMS": "0",
        "pictures-TOTAL_FORMS": str(len(pictures)),
        "pictures-INITIAL_FORMS": str(len(pictures)),
        "_continue": "Save and continue editing",
    }
    for i, picture in enumerate(pictures):
        data[f"pictures-{i}-id"] = picture.pk
        data[f"pictures-{i}-event"] = picture.event_id
    data.update(overrides)
    return data


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


# --- adding pictures ------------------------------------------------------------------------


def test_add_form_stores_the_picture_through_the_service(
    operator_client, organizer, add_picture_calls, png_upload, settings
):
    venue = VenueFactory()
    data = event_form(organizer=organizer, venue=venue, new_picture=png_upload())

    response = operator_client.post(f"{EVENTS_URL}add/", data)

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{EVENTS_URL}{event.pk}/change/"
    assert add_picture_calls == [event.pk]
    picture = EventPicture.objects.get()
    assert (picture.event_id, picture.position, picture.width, picture.height,
            picture.content_type) == (event.pk, 0, 640, 480, "image/png")
    assert picture.name.startswith(f"events/{event.pk}/")
    assert stored_files(settings) == sorted([picture.name, picture.thumbnail_name])
    page = operator_client.get(response["Location"]).content.decode()
    assert f'src="/media/{picture.thumbnail_name}"' in page


def test_change_form_adds_the_picture_at_the_end_of_the_gallery(
    operator_client, organizer, add_picture_calls, png_upload
):
    event = EventFactory(draft=True, organizer=organizer)
    first = EventPictureFactory(event=event, position=0)
    data = event_form(organizer=organizer, venue=event.venue, event=event, pictures=[first],
                      title="Renamed", new_picture=png_upload())

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert response.status_code == 302
    assert add_picture_calls == [event.pk]
    assert list(event.pictures.values_list("pk", "position")) == [
        (first.pk, 0), (event.pictures.get(position=1).pk, 1)
    ]
    event.refresh_from_db()
    assert event.title == "Renamed"


@pytest.mark.parametrize(("content", "message"), [
    (b"GIF89a not really", NOT_A_PICTURE),
    (b"\x89PNG" + b"\0" * 4096, "The picture is larger than 0 MB."),
])
def test_a_bad_picture_is_a_form_error_and_nothing_is_saved(
    operator_client, organizer, add_picture_calls, settings, content, message
):
    settings.PICTURE_UPLOAD_MAX_BYTES = 2048
    venue = VenueFactory()
    data = event_form(organizer=organizer, venue=venue,
                      new_picture=SimpleUploadedFile("poster.png", content))

    response = operator_client.post(f"{EVENTS_URL}add/", data)

    assert form_errors(response) == {"new_picture": [message]}
    assert not Event.objects.exists()
    assert not EventPicture.objects.exists()
    assert add_picture_calls == []
    assert stored_files(settings) == []


def test_a_bad_picture_leaves_the_event_unchanged(
    operator_client, organizer, add_picture_calls, settings
):
    event = EventFactory(draft=True, organizer=organizer, title="Before")
    data = event_form(organizer=organizer, venue=event.venue, event=event, title="After",
                      new_picture=SimpleUploadedFile("poster.jpg", b"\xff\xd8 truncated"))

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert form_errors(response) == {"new_picture": [NOT_A_PICTURE]}
    event.refresh_from_db()
    assert event.title == "Before"
    assert add_picture_calls == []
    assert stored_files(settings) == []


def test_a_full_gallery_is_a_form_error(operator_client, organizer, add_picture_calls,
                                        png_upload):
    event = EventFactory(draft=True, organizer=organizer)
    pictures = EventPictureFactory.create_batch(services.MAX_PICTURES, event=event)
    data = event_form(organizer=organizer, venue=event.venue, event=event, pictures=pictures,
                      new_picture=png_upload())

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert form_errors(response) == {
        "new_picture": ["The event's gallery is full; delete a picture first."]
    }
    assert event.pictures.count() == services.MAX_PICTURES
    assert add_picture_calls == []


def test_a_cancelled_event_takes_no_picture(operator_client, organizer, add_picture_calls,
                                            png_upload):
    event = EventFactory(cancelled=True, organizer=organizer)
    data = event_form(organizer=organizer, venue=event.venue, event=event,
                      new_picture=png_upload())

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert form_errors(response) == {
        "new_picture": ["A cancelled event can no longer be changed."]
    }
    assert not event.pictures.exists()
    assert add_picture_calls == []


def test_the_same_picture_twice_is_reported_and_the_other_changes_kept(
    operator_client, organizer, png_upload
):
    event = EventFactory(draft=True, organizer=organizer)
    first = services.event_picture_add(event=event, upload=png_upload())
    data = event_form(organizer=organizer, venue=event.venue, event=event, pictures=[first],
                      title="Renamed", new_picture=png_upload())

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data, follow=True)

    assert response.status_code == 200
    notes = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert notes[0] == (
        "error", "The picture was not added: This picture is already in the event's gallery."
    )
    assert notes[1][0] == "success"
    assert list(event.pictures.all()) == [first]
    event.refresh_from_db()
    assert event.title == "Renamed"


def test_deleting_a_picture_removes_its_row_and_files(
    operator_client, organizer, png_upload, settings, django_capture_on_commit_callbacks
):
    event = EventFactory(draft=True, organizer=organizer)
    kept = services.event_picture_add(event=event, upload=png_upload(color=(1, 2, 3)))
    gone = services.event_picture_add(event=event, upload=png_upload(color=(4, 5, 6)))
    data = event_form(organizer=organizer, venue=event.venue, event=event,
                      pictures=[kept, gone], **{"pictures-1-DELETE": "on"})

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert response.status_code == 302
    assert list(event.pictures.all()) == [kept]
    assert stored_files(settings) == sorted([kept.name, kept.thumbnail_name])


# --- organizers ---------------------------------------------------------------------------


def test_a_fan_cannot_own_an_event(operator_client):
    fan = UserFactory()
    data = event_form(organizer=fan, venue=VenueFactory())

    response = operator_client.post(f"{EVENTS_URL}add/", data)

    assert form_errors(response) == {"organizer": [
        "Choose an organizer, staff member or admin: other users cannot own events."
    ]}
    assert not Event.objects.exists()


@pytest.mark.parametrize("role", ["organizer", "staff", "admin"])
def test_organizers_staff_and_admins_may_own_an_event(operator_client, role):
    owner = UserFactory(**{role: True})
    response = operator_client.post(f"{EVENTS_URL}add/",
                                    event_form(organizer=owner, venue=VenueFactory()))
    assert response.status_code == 302
    assert Event.objects.get().organizer == owner


def test_an_event_keeps_an_owner_who_lost_the_role(operator_client):
    event = EventFactory(draft=True, organizer=UserFactory())  # a fan since
    data = event_form(organizer=event.organizer, venue=event.venue, event=event,
                      title="Renamed")

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed"


def test_the_organizer_lookup_lists_only_users_who_may_organize(operator_client, organizer):
    UserFactory(username="fan-in-lookup")
    page = operator_client.get(f"{EVENTS_URL}add/").content.decode()
    assert "role__in=organizer%2Cstaff%2Cadmin" in page

    response = operator_client.get("/admin/accounts/user/", {
        "_popup": "1", "_to_field": "id", "role__in": "organizer,staff,admin",
    })

    assert response.status_code == 200
    assert [user.pk for user in response.context["cl"].result_list] == [organizer.pk]


# --- venues ---------------------------------------------------------------------------------


def venue_form(**overrides) -> dict[str, str]:
    return {"name": "Halle", "slug": "halle-leipzig", "city": "Leipzig", "address": "",
            "country": "DE", "timezone": "Europe/Berlin", "capacity": "1200", **overrides}


def test_a_venue_is_saved_with_an_upper_case_country(operator_client):
    response = operator_client.post("/admin/events/venue/add/", venue_form(country="de"))
    assert response.status_code == 302
    assert Venue.objects.values_list("country", "timezone").get() == ("DE", "Europe/Berlin")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("country", "D1", "Use the ISO 3166-1 two-letter code."),
    ("country", "1", "Use the ISO 3166-1 two-letter code."),
    ("country", "d\u0131", "Use the ISO 3166-1 two-letter code."),
    ("timezone", "Mars/Olympus", "Unknown time zone; use an IANA name."),
    ("timezone", "europe/berlin", "Unknown time zone; use an IANA name."),
    ("timezone", "Europe/", "Unknown time zone; use an IANA name."),
    ("timezone", "../etc/passwd", "Unknown time zone; use an IANA name."),
])
def test_a_venue_with_a_bad_country_or_time_zone_is_refused(operator_client, field, value,
                                                            message):
    response = operator_client.post("/admin/events/venue/add/", venue_form(**{field: value}))
    assert form_errors(response) == {field: [message]}
    assert not Venue.objects.exists()


# --- every catalogue change goes through the services -------------------------------------


@pytest.fixture
def generation(django_capture_on_commit_callbacks):
    """Runs an admin request with its commit callbacks and tells whether cached pages retired."""

    def run(send):
        before = public_cache._generation()
        with django_capture_on_commit_callbacks(execute=True):
            response = send()
        return response, cache.get(public_cache.GENERATION_KEY) > before

    return run


def lineup_form(event: Event, sets: list[dict], **overrides) -> dict:
    data = event_form(organizer=event.organizer, venue=event.venue, event=event, **overrides)
    data["performances-TOTAL_FORMS"] = str(len(sets))
    data["performances-INITIAL_FORMS"] = str(sum("id" in s for s in sets))
    for i, values in enumerate(sets):
        data.update({f"performances-{i}-{name}": value for name, value in values.items()})
        data[f"performances-{i}-event"] = event.pk
    return data


def a_set(artist, starts_at, hours: int = 1, **extra) -> dict:
    ends_at = starts_at + timedelta(hours=hours)
    return {"artist": artist.pk, "order": "0", "starts_at_0": starts_at.date().isoformat(),
            "starts_at_1": starts_at.time().isoformat(), "ends_at_0": ends_at.date().isoformat(),
            "ends_at_1": ends_at.time().isoformat(), **extra}


def test_venues_are_added_changed_and_deleted_through_the_services(operator_client,
                                                                    generation):
    response, retired = generation(
        lambda: operator_client.post("/admin/events/venue/add/", venue_form()))
    venue = Venue.objects.get()
    assert response.status_code == 302 and retired
    assert venue.slug == "halle-leipzig"
    assert venue.created_by.is_superuser

    response, retired = generation(lambda: operator_client.post(
        f"/admin/events/venue/{venue.pk}/change/", venue_form(slug="halle", capacity="900")))
    venue.refresh_from_db()
    assert response.status_code == 302 and retired
    assert (venue.slug, venue.capacity) == ("halle", 900)

    response, retired = generation(lambda: operator_client.post(
        f"/admin/events/venue/{venue.pk}/delete/", {"post": "yes"}))
    assert response.status_code == 302 and retired
    assert not Venue.objects.exists()


def test_artists_are_added_changed_and_deleted_through_the_services(operator_client,
                                                                     generation):
    form = {"name": "Nils Frahm", "slug": "nils-frahm", "bio": "", "genre": "ambient"}
    response, retired = generation(
        lambda: operator_client.post("/admin/events/artist/add/", form))
    artist = Artist.objects.get()
    assert response.status_code == 302 and retired
    assert artist.slug == "nils-frahm"

    response, retired = generation(lambda: operator_client.post(
        f"/admin/events/artist/{artist.pk}/change/", {**form, "slug": "frahm", "genre": "piano"}))
    artist.refresh_from_db()
    assert response.status_code == 302 and retired
    assert (artist.slug, artist.genre) == ("frahm", "piano")

    response, retired = generation(lambda: operator_client.post(
        "/admin/events/artist/", {"action": "delete_selected", "_selected_action": [artist.pk],
                                  "post": "yes"}))
    assert response.status_code == 302 and retired
    assert not Artist.objects.exists()


def test_events_and_their_lineup_change_through_the_services(operator_client, organizer,
                                                             generation):
    response, retired = generation(lambda: operator_client.post(
        f"{EVENTS_URL}add/", event_form(organizer=organizer, venue=VenueFactory())))
    event = Event.objects.get()
    assert response.status_code == 302 and retired
    assert (event.slug, event.status) == ("night-of-forms", "draft")

    artist, other = ArtistFactory(), ArtistFactory()
    response, retired = generation(lambda: operator_client.post(
        f"{EVENTS_URL}{event.pk}/change/", lineup_form(event, [a_set(artist, event.starts_at)],
                                                      title="Renamed")))
    assert response.status_code == 302 and retired
    performance = event.performances.get()
    assert (performance.artist, Event.objects.get().title) == (artist, "Renamed")

    moved = a_set(other, event.starts_at + timedelta(hours=1), id=performance.pk)
    response, retired = generation(lambda: operator_client.post(
        f"{EVENTS_URL}{event.pk}/change/", lineup_form(event, [moved])))
    performance.refresh_from_db()
    assert response.status_code == 302 and retired
    assert (performance.artist, performance.starts_at) == (other,
                                                           event.starts_at + timedelta(hours=1))

    response, retired = generation(lambda: operator_client.post(
        f"{EVENTS_URL}{event.pk}/change/", lineup_form(event, [{**moved, "DELETE": "on"}])))
    assert response.status_code == 302 and retired
    assert not event.performances.exists()

    response, retired = generation(lambda: operator_client.post(
        EVENTS_URL, {"action": "publish", "_selected_action": [event.pk]}))
    assert response.status_code == 302 and retired
    assert Event.objects.get().status == "published"


def test_a_slug_of_digits_is_refused_as_the_api_could_not_find_it(operator_client):
    venue, event = VenueFactory(), EventFactory(draft=True)
    response = operator_client.post(f"/admin/events/venue/{venue.pk}/change/",
                                    venue_form(slug="1999"))
    assert form_errors(response) == {"slug": [
        "A slug needs a letter or a hyphen: one made only of digits would read as an id."
    ]}
    response = operator_client.post("/admin/events/artist/add/",
                                    {"name": "Nineteen", "slug": "1999", "bio": "", "genre": ""})
    assert list(form_errors(response)) == ["slug"]
    response = operator_client.post(
        f"{EVENTS_URL}{event.pk}/change/",
        event_form(organizer=event.organizer, venue=event.venue, event=event, slug="2024"))
    assert list(form_errors(response)) == ["slug"]
    assert Venue.objects.filter(slug="1999").count() + Event.objects.filter(
        slug="2024").count() == 0


def test_the_admin_refuses_what_the_api_refuses(operator_client, generation):
    cancelled = EventFactory(cancelled=True, title="Before")
    response, retired = generation(lambda: operator_client.post(
        f"{EVENTS_URL}{cancelled.pk}/change/",
        event_form(organizer=cancelled.organizer, venue=cancelled.venue, event=cancelled,
                   title="After")))
    assert form_errors(response) == {"__all__": ["A cancelled event can no longer be changed."]}
    assert not retired
    assert Event.objects.get(pk=cancelled.pk).title == "Before"

    event = EventFactory(draft=True)
    late = a_set(ArtistFactory(), event.ends_at - timedelta(minutes=30))
    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/",
                                    lineup_form(event, [late], title="Renamed"))
    assert form_errors(response) == {"__all__": [
        "Every set of the lineup must fall inside its event."
    ]}
    assert not event.performances.exists()
    assert Event.objects.get(pk=event.pk).title == event.title  # nothing half-saved

    # A venue in use: Django's admin sees the protected events before the service would.
    operator_client.post(f"/admin/events/venue/{event.venue_id}/delete/", {"post": "yes"})
    assert Venue.objects.filter(pk=event.venue_id).exists()


@pytest.mark.parametrize(("days", "message"), [
    (-1, "An event cannot start in the past."),
    (3 * 366, "An event can be set at most 3 years ahead."),
])
def test_the_admin_dates_events_as_the_api_does(operator_client, organizer, days, message):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    end = start + timedelta(hours=3)
    dates = {"starts_at_0": start.date().isoformat(), "starts_at_1": start.time().isoformat(),
             "ends_at_0": end.date().isoformat(), "ends_at_1": end.time().isoformat()}

    response = operator_client.post(f"{EVENTS_URL}add/", event_form(
        organizer=organizer, venue=VenueFactory(), **dates))

    assert form_errors(response) == {"__all__": [message]}
    assert not Event.objects.exists()


def test_the_admin_renames_an_event_under_way(operator_client):
    event = EventFactory(starts_at=timezone.now().replace(microsecond=0) - timedelta(hours=1))

    response = operator_client.post(f"{EVENTS_URL}{event.pk}/change/", event_form(
        organizer=event.organizer, venue=event.venue, event=event, title="Encore"))

    assert response.status_code == 302
    assert Event.objects.get(pk=event.pk).title == "Encore"
