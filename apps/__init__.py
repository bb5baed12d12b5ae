"""Concert's Django apps, one per business domain."""
