"""Request id, the JSON envelope for Django's own error pages, static files (WhiteNoise),
one answer to trailing slashes, and the admin's own middleware kept to the admin."""

from __future__ import annotations

import threading
import uuid

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http.response import HttpResponseRedirectBase
from django.urls import Resolver404, resolve
from whitenoise.middleware import WhiteNoiseMiddleware

from apps.core.http import LengthRequired, content_length
from concert.api import logging as request_logging
from concert.api.errors import error_response

ADMIN_PREFIX = "/admin/"  # the admin's paths: Django's conventions (a trailing slash...) there


class RequestContextMiddleware:
    """Takes API Gateway's request id (never a client header) or makes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = request.META.get("apig_wsgi.request_context") or {}
        rid = context.get("requestId") or uuid.uuid4().hex
        token = request_logging.request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_logging.request_id.reset(token)
        response["X-Request-Id"] = rid
        return response


class JsonErrorMiddleware:
    """Rewrites any non-JSON 4xx/5xx (Django's 405, CommonMiddleware...) into the envelope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        rewritten = error_response(response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten


class RequestBodyLimitMiddleware:
    """Refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE before the view reads it.

    Django enforces the limit only on request.body/POST; DRF's parsers read the stream.
    A Content-Length that is not a number is a 400 for every view, a body without one
    (chunked) a 411.
    A view class that bounds its body itself (a signed upload) sets `bounds_own_body = True`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = content_length(request)
        except ValueError:
            return error_response(400, "bad_request", "Content-Length is not a number.")
        except LengthRequired:
            return error_response(411, "length_required",
                                  "Send the body with a Content-Length, not chunked.")
        if getattr(getattr(view_func, "cls", None), "bounds_own_body", False):
            return None
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return error_response(
                413, "payload_too_large",
                f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            )
        return None


class ApiSecurityHeadersMiddleware:
    """JSON answers can't be framed or run as a page; they say so to the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Content-Security-Policy", "default-src 'none'; "
                                "frame-ancestors 'none'")
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, indexing the collected static files with the first request for one.

    WhiteNoise indexes STATIC_ROOT when it starts: ~650 files with their compressed variants,
    ~25 ms of every Lambda cold start, for files only the admin and the API docs use.
    """

    def __init__(self, get_response=None, settings=settings):
        self._unindexed: list[tuple[str, str]] = []
        self._indexing = threading.Lock()
        super().__init__(get_response, settings)

    def add_files(self, root, prefix=None):
        if prefix != self.static_prefix:  # WHITENOISE_ROOT files may have any URL
            super().add_files(root, prefix)
        else:
            self._unindexed.append((root, prefix))

    def __call__(self, request):
        if self._unindexed and request.path_info.startswith(self.static_prefix):
            with self._indexing:
                for root, prefix in self._unindexed:
                    super().add_files(root, prefix)
                # Emptied once indexed: a concurrent request waits for the lock until then.
                self._unindexed = []
        return super().__call__(request)


class PermanentRedirect(HttpResponseRedirectBase):
    """308: unlike 301, clients repeat the request with the same method and body."""

    status_code = 308


class TrailingSlashMiddleware:
    """Paths have no trailing slash, the admin's excepted (Django's convention there).

    A request for `/api/v1/events/` is answered 308 to `/api/v1/events` (query kept) when
    that path exists, so a client that writes paths the way DRF's routers do still reaches
    the operation with its method and body. Anything else goes on to the usual 404.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if len(path) > 1 and path.endswith("/") and not path.startswith(ADMIN_PREFIX):
            target = path.rstrip("/") or "/"
            try:
                resolve(target)
            except Resolver404:
                pass
            else:
                query = request.META.get("QUERY_STRING", "")
                prefix = request.path.removesuffix(path)  # a script name, if any
                return PermanentRedirect(prefix + target + (f"?{query}" if query else ""))
        return self.get_response(request)


class AdminPathsOnly:
    """Runs a middleware of the admin's (sessions, the session's user, messages) on the
    admin's paths only.

    The API authenticates every request itself (tokens, license keys, never a cookie) and
    never reads a session or a message; on its paths these three only cost time. Subclasses
    keep the middleware's class, so Django's admin checks still find them. CSRF stays on for
    every path (Django's deployment check wants it; the API's views are exempt, as DRF's
    are, and it costs next to nothing there).
    """

    def __call__(self, request):
        if not request.path_info.startswith(ADMIN_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class AdminSessionMiddleware(AdminPathsOnly, SessionMiddleware):
    pass


class AdminAuthenticationMiddleware(AdminPathsOnly, AuthenticationMiddleware):
    pass


class AdminMessageMiddleware(AdminPathsOnly, MessageMiddleware):
    pass
