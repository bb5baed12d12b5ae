"""drf-spectacular's view annotations, applied when the schema is first built.

The convention: views take `extend_schema` and `extend_schema_view` from here, with
drf-spectacular's own arguments (summary, description, parameters, responses...), and the
argument helpers (`OpenApiParameter`, `OpenApiResponse`, `inline_serializer`) straight from
`drf_spectacular.utils`. The real `extend_schema` resolves the default schema class as it
decorates, which imports `drf_spectacular.openapi` and with it `django.test`: ~29 ms of
every cold start (bench/results.md) for a schema only the docs build; a test fails when an
API module loads it. These stand-ins record each decoration in order and
`apply_annotations`, a preprocessing hook, replays them before any view's schema is read;
once replayed, later decorations apply at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings

_pending: list[tuple[str, tuple, dict, Any]] = []
_lock = threading.RLock()
_applied = False


def _real(name: str) -> Callable[..., Callable[[Any], Any]]:
    from drf_spectacular import utils

    return getattr(utils, name)


def _deferred(name: str) -> Callable[..., Callable[[Any], Any]]:
    def factory(*args, **kwargs):
        def decorator(target):
            with _lock:
                if not _applied:
                    _pending.append((name, args, kwargs, target))
                    return target
            return _real(name)(*args, **kwargs)(target)

        return decorator

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = f"drf_spectacular.utils.{name}, applied when the schema is built."
    return factory


extend_schema = _deferred("extend_schema")
extend_schema_view = _deferred("extend_schema_view")


def apply_annotations(endpoints):
    """Preprocessing hook: loads the apps' schema extensions and replays recorded annotations."""
    global _applied
    for module in settings.SCHEMA_EXTENSION_MODULES:
        import_module(module)  # their classes register drf-spectacular extensions

    with _lock:
        pending, _pending[:] = list(_pending), []
        _applied = True
        # Decorations nested in a replayed one (extend_schema_view(post=extend_schema(...)))
        # now apply at once, so the replay needs no recursion.
        for name, args, kwargs, target in pending:
            _real(name)(*args, **kwargs)(target)
    return endpoints
