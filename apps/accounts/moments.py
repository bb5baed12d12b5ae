"""Moments of the accounts' services other apps add their own steps to (apps.core.steps).

Apart from the services, so an app registering its step at start-up imports this alone.
"""

from __future__ import annotations

from apps.core.steps import Steps

# What other apps do when a user loses a role (licensing: keys made with it stop working),
# in the same transaction.
role_lowered = Steps("role lowered")
# What other apps do when a user's public name changes (events: pages showing it as the
# organizer's are retired).
display_name_changed = Steps("display name changed")
