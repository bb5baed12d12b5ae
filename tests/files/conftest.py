"""Fixtures of the files tests: an S3 bucket on moto's server, or the local folder."""

from __future__ import annotations

import pytest

from tests.conftest import use_files_bucket

BUCKET = "concert-media-test"


@pytest.fixture
def s3(aws, settings):
    """The S3 backend against moto's server, with an empty bucket."""
    from concert import aws as concert_aws

    concert_aws.client("s3").create_bucket(Bucket=BUCKET)
    settings.FILES_PUBLIC_ENDPOINT_URL = ""
    use_files_bucket(settings, BUCKET)
    return concert_aws.client("s3")


@pytest.fixture
def local_files(settings):
    use_files_bucket(settings, "")
    return settings.FILES_ROOT


@pytest.fixture(params=["s3", "local"])
def backend(request):
    """Runs a test once against S3 (moto) and once against the local folder."""
    request.getfixturevalue("s3" if request.param == "s3" else "local_files")
    return request.param
