"""API v1 routes of the events app: venues, artists, events, lineup and pictures."""

from django.urls import path

from apps.events import apis

urlpatterns = [
    path("venues", apis.VenueListApi.as_view(), name="venue-list"),
    path("venues/<str:ref>", apis.VenueDetailApi.as_view(), name="venue-detail"),
    path("artists", apis.ArtistListApi.as_view(), name="artist-list"),
    path("artists/<str:ref>", apis.ArtistDetailApi.as_view(), name="artist-detail"),
    path("events", apis.EventListApi.as_view(), name="event-list"),
    path("events/<str:ref>", apis.EventDetailApi.as_view(), name="event-detail"),
    path("events/<str:ref>/publish", apis.EventPublishApi.as_view(), name="event-publish"),
    path("events/<str:ref>/cancel", apis.EventCancelApi.as_view(), name="event-cancel"),
    path("events/<str:ref>/complete", apis.EventCompleteApi.as_view(), name="event-complete"),
    path("events/<str:ref>/lineup", apis.EventLineupApi.as_view(), name="event-lineup"),
    path("events/<str:ref>/lineup/<int:performance_id>", apis.EventLineupDetailApi.as_view(),
         name="event-lineup-detail"),
    path("events/<str:ref>/pictures", apis.EventPictureListApi.as_view(), name="event-pictures"),
    path("events/<str:ref>/pictures/uploads", apis.EventPictureUploadApi.as_view(),
         name="event-picture-uploads"),
    path("events/<str:ref>/pictures/<int:picture_id>", apis.EventPictureDetailApi.as_view(),
         name="event-picture-detail"),
]
