"""Fixtures of the usage tests: cheap password hashing, and metering resumed after a test."""

import pytest

from apps.usage.services import usage_resume
from tests.licensing.conftest import fast_password_hashing  # noqa: F401


@pytest.fixture(autouse=True)
def _metering_resumed():
    usage_resume()
    yield
    usage_resume()
