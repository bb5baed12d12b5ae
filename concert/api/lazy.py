"""Views imported on their first request, so rarely used heavy ones stay off the cold start."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt


def lazy_view(dotted_path: str, **initkwargs):
    """A class-based view that is imported and built when first called."""
    view = None

    @csrf_exempt
    def dispatch(request, *args, **kwargs):
        nonlocal view
        if view is None:
            view = import_string(dotted_path).as_view(**initkwargs)
        return view(request, *args, **kwargs)

    return dispatch
