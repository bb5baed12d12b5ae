"""Domain errors of the catalogue."""

from rest_framework import status

from apps.core.errors import ApplicationError, Conflict


class ScheduleInvalid(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "invalid_schedule"
    default_message = "An event or set must end after it starts."


class SetOutsideEvent(ApplicationError):
    status_code, code = status.HTTP_400_BAD_REQUEST, "set_outside_event"
    default_message = "Every set of the lineup must fall inside its event."


class AlreadyInLineup(Conflict):
    code = "already_in_lineup"
    default_message = "This artist already plays at this event."


class InUse(Conflict):
    code = "in_use"
    default_message = "Events still refer to this entry; it cannot be deleted."


class PictureExists(Conflict):
    code = "picture_exists"
    default_message = "This picture is already in the event's gallery."


class TooManyPictures(Conflict):
    code = "too_many_pictures"
    default_message = "The event's gallery is full; delete a picture first."
