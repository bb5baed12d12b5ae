"""Fixtures of the ticketing tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Races need many buyers; hashing each one's password at full strength takes seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
