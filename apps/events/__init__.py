"""Venues, artists, events, lineup and event pictures."""
