"""Ticket types, orders, tickets and check-in."""
