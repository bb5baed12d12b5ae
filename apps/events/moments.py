"""Moments of the events' services other apps add their own steps to (apps.core.steps).

Apart from the services, so an app registering its step at start-up imports this alone.
"""

from __future__ import annotations

from apps.core.steps import Steps

# What other apps do when an event is cancelled (tickets: cancel every order), in its
# transaction.
event_cancelled = Steps("event cancelled")
