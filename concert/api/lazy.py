"""Views and URLconfs imported on first use, so a request loads only what it needs."""

from __future__ import annotations

import re

from django.urls import URLResolver
from django.urls.resolvers import RegexPattern
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt


def lazy_view(dotted_path: str, **initkwargs):
    """A view (a class-based one, or a function) that is imported when first called.

    The view protects itself against CSRF where it needs to (DRF's and Django's views do).
    """
    view = None

    @csrf_exempt
    def dispatch(request, *args, **kwargs):
        nonlocal view
        if view is None:
            view = import_string(dotted_path)
            if hasattr(view, "as_view"):
                view = view.as_view(**initkwargs)
        return view(request, *args, **kwargs)

    return dispatch


def app_urls(urlconf: str, *segments: str, namespace: str | None = None) -> URLResolver:
    """`path("", include(urlconf))` for an app whose paths start with one of `segments`.

    The module is imported with the first request for one of them: a request for another
    app's path skips it without loading it.
    """
    return URLResolver(FirstSegment(*segments), urlconf, app_name=namespace,
                       namespace=namespace)


class FirstSegment(RegexPattern):
    """Matches a path whose first segment is one of `segments`, and consumes nothing.

    It is a lookahead: the included routes match the whole path, and reverse() ignores it
    (then checks that the URL it built matches it). As text (`str()`, which schema generators
    and ResolverMatch.route read) it is empty, as `path("", include(...))` would be.
    """

    def __init__(self, *segments: str):
        alternatives = "|".join(re.escape(segment) for segment in segments)
        super().__init__(rf"^(?=(?:{alternatives})(?:/|$))", is_endpoint=False)

    def __str__(self) -> str:
        return ""
