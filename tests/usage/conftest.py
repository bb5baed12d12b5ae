"""Fixtures of the usage tests: metering resumed after each test."""

import pytest

from apps.usage.services import usage_resume


@pytest.fixture(autouse=True)
def _metering_resumed():
    usage_resume()
    yield
    usage_resume()
