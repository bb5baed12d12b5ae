"""User files' S3 storage, its calls held to what one API request may take."""

from __future__ import annotations

from storages.backends.s3 import S3Storage as BaseS3Storage

from concert.aws import client_config


class S3Storage(BaseS3Storage):
    def __init__(self, **settings):
        super().__init__(**settings)
        self.client_config = self.client_config.merge(client_config())
