"""Ticketing maintenance commands."""
