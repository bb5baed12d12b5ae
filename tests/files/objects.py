"""What the files storage holds, in S3 (moto's server) or the local folder."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.files.storage import storages

from apps.core.storage import is_local


def stored_keys() -> set[str]:
    storage = storages["files"]
    if is_local(storage):
        root = Path(storage.location)
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    listing = storage.connection.meta.client.list_objects_v2(Bucket=storage.bucket_name)
    return {item["Key"] for item in listing.get("Contents", [])}


def stored_content(key: str) -> bytes:
    with storages["files"].open(key, "rb") as stored:
        return stored.read()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def on_s3_calls(event: str, handler: Callable) -> Iterator[None]:
    """Runs `handler` on the botocore `event` of the files storage's own S3 calls."""
    events = storages["files"].connection.meta.client.meta.events
    events.register(event, handler)
    try:
        yield
    finally:
        events.unregister(event, handler)
