"""Serving stored pictures at /media/<name> with ETag and long-lived caching."""

from __future__ import annotations

import hashlib
import os
import stat

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.views.decorators.http import require_safe

from apps.core.http import if_none_match
from apps.core.pictures import CONTENT_TYPES, picture_storage

# Names are content-addressed: a name never points at other bytes, so caches may keep it.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def picture(request, name: str):
    content_type = CONTENT_TYPES.get(name.rsplit(".", 1)[-1])
    if content_type is None:
        raise Http404
    try:
        path = picture_storage().path(name)
        info = os.stat(path)
    except (SuspiciousFileOperation, OSError, ValueError):  # ValueError: a NUL in the name
        raise Http404 from None
    if not stat.S_ISREG(info.st_mode):
        raise Http404
    version = f"{name}:{info.st_size}:{info.st_mtime_ns}".encode()
    etag = f'"{hashlib.sha256(version).hexdigest()[:32]}"'
    if if_none_match(request, etag):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
