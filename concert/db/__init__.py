"""Database backends of the Concert service."""
