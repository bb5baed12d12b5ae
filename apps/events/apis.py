"""Catalogue endpoints: venues, artists, events with their status actions, lineup, pictures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import (
    CatalogueEntryPermission,
    LicenseScope,
    OwnerOrStaffWrites,
    ReadOnlyOrOrganizer,
)
from apps.core.serializers import (
    OPEN_UPLOADS_429,
    OPEN_UPLOADS_NOTE,
    PICTURE_FROM_UPLOAD_ERRORS,
    PictureFromUploadSerializer,
    PictureUploadCreateSerializer,
    PictureUploadSerializer,
    picture_upload_data,
)
from apps.events import selectors, services
from apps.events.public_cache import CACHE_NOTE, SharedPages, read_response
from apps.events.serializers import (
    ArtistSerializer,
    ArtistWriteSerializer,
    EventPictureSerializer,
    EventSerializer,
    EventWriteSerializer,
    PerformanceSerializer,
    PerformanceWriteSerializer,
    VenueSerializer,
    VenueWriteSerializer,
)
from concert.api.annotations import extend_schema, extend_schema_view
from concert.api.pagination import Pages
from concert.api.schema import error_responses

READ_ERRORS = error_responses(400, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409)


def _params(*names_and_help: tuple[str, str]) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, description=text) for name, text in names_and_help]




class CatalogueApi(SharedPages, APIView):
    license_scope = "events"
    permission_classes = [LicenseScope, CatalogueEntryPermission]


def _validated(serializer_class, request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- venues -------------------------------------------------------------------------------


class VenueListApi(Pages, CatalogueApi):
    @extend_schema(
        summary="List venues",
        operation_id="venues_list",
        description="Venues, by name." + CACHE_NOTE,
        parameters=[*_params(("city", "City, any case."), ("country", "ISO code."),
                             ("q", "Words in the name."))],
        responses={200: VenueSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        return read_response(
            request, lambda: self.page(selectors.venue_list(filters=request.query_params),
                                       VenueSerializer)
        )

    @extend_schema(summary="Add a venue",
                   description="Organizers, staff and admins add a venue to the shared "
                               "catalogue; the slug is made from the name and city.",
                   request=VenueWriteSerializer,
                   responses={201: VenueSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        venue = services.venue_create(
            created_by=request.user, **_validated(VenueWriteSerializer, request)
        )
        return Response(VenueSerializer(venue).data, status=status.HTTP_201_CREATED)


class VenueDetailApi(CatalogueApi):
    def venue(self, request, ref: str):
        venue = selectors.venue_get(ref=ref)
        self.check_object_permissions(request, venue)
        return venue

    @extend_schema(summary="Get a venue",
                   description="A venue by id or slug." + CACHE_NOTE,
                   responses={200: VenueSerializer, **READ_ERRORS})
    def get(self, request, ref: str):
        return read_response(request, lambda: VenueSerializer(self.venue(request, ref)).data)

    @extend_schema(summary="Edit a venue",
                   description="The organizer who added the venue, or staff, changes the fields "
                               "sent; the others stay.",
                   request=VenueWriteSerializer,
                   responses={200: VenueSerializer, **WRITE_ERRORS})
    def patch(self, request, ref: str):
        venue = self.venue(request, ref)
        data = _validated(VenueWriteSerializer, request, partial=True)
        return Response(VenueSerializer(services.venue_update(venue=venue, data=data)).data)

    @extend_schema(summary="Delete an unused venue",
                   description="Staff and admins only; a venue any event uses cannot be deleted "
                               "(409).",
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, ref: str):
        services.venue_delete(venue=self.venue(request, ref))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- artists ------------------------------------------------------------------------------


class ArtistListApi(Pages, CatalogueApi):
    @extend_schema(
        summary="List artists",
        operation_id="artists_list",
        description="Artists, by name." + CACHE_NOTE,
        parameters=_params(("genre", "Genre, any case."), ("q", "Words in the name.")),
        responses={200: ArtistSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        return read_response(
            request, lambda: self.page(selectors.artist_list(filters=request.query_params),
                                       ArtistSerializer)
        )

    @extend_schema(summary="Add an artist",
                   description="Organizers, staff and admins add an artist to the shared "
                               "catalogue; the slug is made from the name.",
                   request=ArtistWriteSerializer,
                   responses={201: ArtistSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        artist = services.artist_create(
            created_by=request.user, **_validated(ArtistWriteSerializer, request)
        )
        return Response(ArtistSerializer(artist).data, status=status.HTTP_201_CREATED)


class ArtistDetailApi(CatalogueApi):
    def artist(self, request, ref: str):
        artist = selectors.artist_get(ref=ref)
        self.check_object_permissions(request, artist)
        return artist

    @extend_schema(summary="Get an artist",
                   description="An artist by id or slug." + CACHE_NOTE,
                   responses={200: ArtistSerializer, **READ_ERRORS})
    def get(self, request, ref: str):
        return read_response(request, lambda: ArtistSerializer(self.artist(request, ref)).data)

    @extend_schema(summary="Edit an artist",
                   description="The organizer who added the artist, or staff, changes the fields "
                               "sent; the others stay.",
                   request=ArtistWriteSerializer,
                   responses={200: ArtistSerializer, **WRITE_ERRORS})
    def patch(self, request, ref: str):
        artist = self.artist(request, ref)
        data = _validated(ArtistWriteSerializer, request, partial=True)
        return Response(ArtistSerializer(services.artist_update(artist=artist, data=data)).data)

    @extend_schema(summary="Delete an unused artist",
                   description="Staff and admins only; an artist on any lineup cannot be deleted "
                               "(409).",
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, ref: str):
        services.artist_delete(artist=self.artist(request, ref))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- events -------------------------------------------------------------------------------


class EventListApi(Pages, CatalogueApi):
    permission_classes = [LicenseScope, ReadOnlyOrOrganizer]

    @extend_schema(
        summary="List events",
        operation_id="events_list",
        description=(
            "Events the caller may see: published, cancelled and completed ones; organizers "
            "also see their own drafts, staff every draft." + CACHE_NOTE
        ),
        parameters=[
            *_params(
                ("city", "City of the venue, any case."), ("venue", "Venue slug."),
                ("artist", "Artist slug: events with this artist in the lineup."),
                ("status", "draft, published, cancelled or completed."),
                ("q", "Words in the title, an artist name or the venue name."),
                ("ordering", "starts_at (default), -starts_at or title."),
            ),
            OpenApiParameter("starts_after", OpenApiTypes.DATETIME,
                             description="ISO 8601 date-time with offset: starts at or after."),
            OpenApiParameter("starts_before", OpenApiTypes.DATETIME,
                             description="ISO 8601 date-time with offset: starts before."),
        ],
        responses={200: EventSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        return read_response(
            request,
            lambda: self.page(
                selectors.event_list(user=request.user, filters=request.query_params),
                EventSerializer,
            ),
        )

    @extend_schema(summary="Create a draft event",
                   description="Organizers create an event as a draft at a venue of the "
                               "catalogue; it is public once published. It starts in the "
                               "future and its dates are at most "
                               f"{services.EVENT_HORIZON_YEARS} years ahead (400 "
                               "invalid_schedule otherwise).",
                   request=EventWriteSerializer,
                   responses={201: EventSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        event = services.event_create(
            organizer=request.user, **_validated(EventWriteSerializer, request)
        )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventObjectApi(CatalogueApi):
    """Endpoints about one event: readers see what the listing shows them; the organizer
    who owns it, staff and admins change it."""

    permission_classes = [LicenseScope, ReadOnlyOrOrganizer, OwnerOrStaffWrites]
    owner_field = "organizer"

    def event(self, request, ref: str):
        event = selectors.event_get(ref=ref, user=request.user)
        self.check_object_permissions(request, event)
        return event


class EventDetailApi(EventObjectApi):
    @extend_schema(summary="Get an event",
                   description="An event by id or slug." + CACHE_NOTE,
                   responses={200: EventSerializer, **READ_ERRORS})
    def get(self, request, ref: str):
        return read_response(request, lambda: EventSerializer(self.event(request, ref)).data)

    @extend_schema(summary="Edit an event",
                   description="The event's organizer, or staff, changes the fields sent; "
                               "cancelled and completed events do not change. A date sent "
                               "that differs from the stored one is judged as on creation "
                               "(a start in the future, dates at most "
                               f"{services.EVENT_HORIZON_YEARS} years ahead); dates left as "
                               "they are are not, so an event under way stays editable. A "
                               "published event keeps its dates once it has started.",
                   request=EventWriteSerializer, responses={200: EventSerializer, **WRITE_ERRORS})
    def patch(self, request, ref: str):
        event = self.event(request, ref)
        data = _validated(EventWriteSerializer, request, partial=True)
        return Response(EventSerializer(services.event_update(event=event, data=data)).data)

    @extend_schema(summary="Delete a draft event",
                   description="Deletes a draft that was never published. Any other event answers "
                               "409 invalid_state: cancel a published event instead "
                               "(`POST /events/{ref}/cancel`).",
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, ref: str):
        services.event_delete(event=self.event(request, ref))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventTransitionApi(EventObjectApi):
    """POST events/{ref}/<step>: one step of the status workflow."""

    transition: Callable[..., Any]

    def post(self, request, ref: str):
        event = type(self).transition(event=self.event(request, ref))
        return Response(EventSerializer(event).data)


def _step(operation_id: str, summary: str, description: str):
    return extend_schema_view(post=extend_schema(
        operation_id=operation_id, summary=summary, request=None, description=description,
        responses={200: EventSerializer, **WRITE_ERRORS},
    ))


@_step("events_publish", "Publish an event", "Draft → published, before the event starts.")
class EventPublishApi(EventTransitionApi):
    transition = staticmethod(services.event_publish)


@_step("events_cancel", "Cancel an event",
       "Published → cancelled; every order for the event is cancelled too.")
class EventCancelApi(EventTransitionApi):
    transition = staticmethod(services.event_cancel)


@_step("events_complete", "Mark an event completed",
       "Published → completed, once the event has ended.")
class EventCompleteApi(EventTransitionApi):
    transition = staticmethod(services.event_complete)


# --- lineup -------------------------------------------------------------------------------


class EventLineupApi(EventObjectApi):
    @extend_schema(summary="List an event's lineup",
                   operation_id="events_lineup_list", description="The event's sets." + CACHE_NOTE,
                   responses={200: PerformanceSerializer(many=True), **READ_ERRORS})
    def get(self, request, ref: str):
        return read_response(
            request,
            lambda: PerformanceSerializer(
                selectors.performance_list(event=self.event(request, ref)), many=True
            ).data,
        )

    @extend_schema(summary="Add a set to the lineup",
                   description="The event's organizer, or staff, adds an artist's set within the "
                               "event's hours.",
                   request=PerformanceWriteSerializer,
                   responses={201: PerformanceSerializer, **WRITE_ERRORS})
    def post(self, request, ref: str):
        event = self.event(request, ref)
        performance = services.performance_create(
            event=event, **_validated(PerformanceWriteSerializer, request)
        )
        return Response(PerformanceSerializer(performance).data, status=status.HTTP_201_CREATED)


class EventLineupDetailApi(EventObjectApi):
    def performance(self, request, ref: str, performance_id: int):
        return selectors.performance_get(event=self.event(request, ref),
                                         performance_id=performance_id)

    @extend_schema(summary="Edit a set",
                   description="The event's organizer, or staff, moves or reorders a set of the "
                               "lineup.",
                   request=PerformanceWriteSerializer,
                   responses={200: PerformanceSerializer, **WRITE_ERRORS})
    def patch(self, request, ref: str, performance_id: int):
        performance = self.performance(request, ref, performance_id)
        data = _validated(PerformanceWriteSerializer, request, partial=True)
        performance = services.performance_update(performance=performance, data=data)
        return Response(PerformanceSerializer(performance).data)

    @extend_schema(summary="Remove a set",
                   description="The event's organizer, or staff, removes a set from the lineup.",
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, ref: str, performance_id: int):
        services.performance_delete(performance=self.performance(request, ref, performance_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- pictures -----------------------------------------------------------------------------


class EventPictureListApi(EventObjectApi):
    uploads_pictures = True  # PictureUploadThrottle: uploads per account

    @extend_schema(summary="List an event's pictures",
                   operation_id="events_pictures_list",
                   description="The event's gallery, in order." + CACHE_NOTE,
                   responses={200: EventPictureSerializer(many=True), **READ_ERRORS})
    def get(self, request, ref: str):
        return read_response(
            request,
            lambda: EventPictureSerializer(self.event(request, ref).pictures.all(), many=True).data,
        )

    @extend_schema(
        summary="Add a picture",
        description="The event's organizer, or staff, adds the JPEG, PNG or WebP picture they "
                    "posted to an upload of this event (`POST .../pictures/uploads`) at the end "
                    "of the gallery: re-encoded without metadata, at most 2048 px a side. The "
                    "upload serves once.",
        request=PictureFromUploadSerializer,
        responses={201: EventPictureSerializer, **error_responses(
            400, 401, 403, 404, 409, 413, 503, descriptions={
                **PICTURE_FROM_UPLOAD_ERRORS,
                404: "No such event, or no upload of the caller's for its pictures has this "
                     "id, or it was used already (`upload_not_found`).",
                409: "The event is over or cancelled (`invalid_state`), its gallery is full "
                     "(`too_many_pictures`) or holds this picture (`picture_exists`), or "
                     "nothing was posted to the upload yet (`upload_incomplete`).",
            })},
    )
    def post(self, request, ref: str):
        event = self.event(request, ref)
        upload_id = _validated(PictureFromUploadSerializer, request)["upload"]
        picture = services.event_picture_add_uploaded(event=event, owner=request.user,
                                                      upload_id=upload_id)
        return Response(EventPictureSerializer(picture).data, status=status.HTTP_201_CREATED)


class EventPictureUploadApi(EventObjectApi):
    @extend_schema(
        summary="Upload a picture",
        operation_id="events_pictures_uploads_create",
        description="The event's organizer, or staff, gets a presigned POST for one picture: "
                    "post `upload.fields` and then the `file` part to `upload.url` (S3, not "
                    "this API) within minutes, then add it with `POST .../pictures` naming "
                    "the `id`. Pictures never pass through the API itself." + OPEN_UPLOADS_NOTE,
        request=PictureUploadCreateSerializer,
        responses={201: PictureUploadSerializer, **WRITE_ERRORS, **error_responses(
            429, 503, descriptions={409: "The event is over or cancelled (`invalid_state`), or its "
                                    "gallery is full (`too_many_pictures`).",
                               429: OPEN_UPLOADS_429})},
    )
    def post(self, request, ref: str):
        event = self.event(request, ref)
        upload, form = services.event_picture_upload_create(
            event=event, owner=request.user, **_validated(PictureUploadCreateSerializer, request)
        )
        return Response(picture_upload_data(request, upload, form),
                        status=status.HTTP_201_CREATED)


class EventPictureDetailApi(EventObjectApi):
    @extend_schema(summary="Remove a picture",
                   description="The event's organizer, or staff, removes a picture and its "
                               "stored files.",
                   responses={204: None, **WRITE_ERRORS})
    def delete(self, request, ref: str, picture_id: int):
        event = self.event(request, ref)
        picture = selectors.event_picture_get(event=event, picture_id=picture_id)
        services.event_picture_delete(picture=picture)
        return Response(status=status.HTTP_204_NO_CONTENT)
