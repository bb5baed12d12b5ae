"""The abstract base model every domain model extends, and fields several apps share."""

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class ExactCharField(models.CharField):
    """Text compared byte for byte: codes, keys, secrets' public parts.

    MySQL compares with the column's collation, by default case- and accent-insensitive, so
    a ticket code with its case swapped would find the ticket; here the column takes the
    binary collation. SQLite compares bytes already (its BINARY default), so it keeps it.
    """

    BINARY_COLLATIONS = {"mysql": "utf8mb4_bin"}

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        collation = self.BINARY_COLLATIONS.get(connection.vendor)
        if collation:
            params["collation"] = collation
        return params
