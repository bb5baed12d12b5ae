"""MySQL backend whose credentials come from a Secrets Manager secret."""
