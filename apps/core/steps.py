"""Steps an app adds to another app's service, so dependencies point one way.

A service of a lower app (events, accounts) names the moments other apps must act on
(`event_cancelled`, `role_lowered`); the app built on it (tickets, licensing) registers its
own service for that moment in its AppConfig.ready, by dotted path so nothing is imported
at start-up. The steps run in the caller's transaction, in registration order, and what
they raise fails the caller: the same as a direct call, without the import.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string


class Steps:
    def __init__(self, moment: str):
        self.moment = moment
        self.paths: list[str] = []

    def register(self, dotted_path: str) -> None:
        if dotted_path not in self.paths:
            self.paths.append(dotted_path)

    def run(self, **kwargs: Any) -> None:
        for path in self.paths:
            import_string(path)(**kwargs)
