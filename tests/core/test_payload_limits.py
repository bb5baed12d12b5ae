"""Bodies and stored pictures fit Lambda's 6 MB payload limit, both ways, once base64-encoded;
pictures are uploaded around the function.

AWS rules (moto does not enforce them): a synchronous invocation's event and its response
are at most 6 MB, 6,291,456 bytes (https://docs.aws.amazon.com/lambda/latest/dg/
gettingstarted-limits.html, "Invocation payload (request and response)"); API Gateway's
payload 2.0 event carries a binary body base64-encoded, and apig-wsgi returns a binary
response base64-encoded. An HTTP API takes bodies up to 10 MB
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html,
"Payload size"): one between about 4.5 MB and 10 MB passes API Gateway, cannot become a
Lambda event, and is answered by API Gateway itself, never by the service. The sizes are
measured on real events and real handler responses.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings as django_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from concert.config import (
    LAMBDA_PAYLOAD_BYTES,
    ConfigError,
    base64_size,
    check_body_limits,
    largest_body_bytes,
)
from concert.lambda_handler import handler
from tests.core.events import http_v2, lambda_context

pytestmark = pytest.mark.django_db(transaction=True)

# A large authorizer context: Cognito claims with many groups, as API Gateway passes them.
CLAIMS = {"sub": "5f0c8a4e-0d6b-4f4e-9a43-6c1d2b7f9e10", "token_use": "access",
          "cognito:groups": "[" + " ".join(f"group-{n}" for n in range(100)) + "]",
          "scope": "aws.cognito.signin.user.admin", "client_id": "web-client",
          "username": "x" * 128, "iss": "https://cognito-idp.eu-west-1.amazonaws.com/p",
          "exp": "1795345200", "iat": "1795341600", "jti": "j" * 36}
BIG_HEADERS = {"user-agent": "u" * 1024, "accept": "*/*", "authorization": "Bearer " + "t" * 4096}


def multipart_event(path, file_bytes):
    body = encode_multipart(BOUNDARY, {"file": _Named(file_bytes)})
    event = http_v2("POST", path, body=body, binary=True, claims=CLAIMS,
                    headers={**BIG_HEADERS, "content-type": MULTIPART_CONTENT,
                             "content-length": str(len(body))})
    return body, event


class _Named(bytes):
    """A bytes upload with a file name, as encode_multipart wants file-likes."""

    name = "picture.jpg"

    def read(self):
        return bytes(self)


def test_the_defaults_fit_and_the_arithmetic_is_checked_at_start_up():
    body, picture = (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                     django_settings.PICTURE_MAX_BYTES)
    assert base64_size(body) <= LAMBDA_PAYLOAD_BYTES - 64 * 1024
    assert (body, picture) == (4 * 1024 * 1024, 4 * 1024 * 1024 - 64 * 1024)
    with pytest.raises(ConfigError, match="at most 4669440 bytes"):
        check_body_limits(body=5 * 1024 * 1024, picture=picture)
    with pytest.raises(ConfigError, match="PICTURE_MAX_BYTES must be at most"):
        check_body_limits(body=body, picture=body)
    # Uploaded pictures may be larger than any event: they go to S3 with a presigned POST.
    assert base64_size(django_settings.PICTURE_UPLOAD_MAX_BYTES) > LAMBDA_PAYLOAD_BYTES


def test_the_largest_bodies_reach_the_function():
    # The largest body the service accepts, with large headers and claims around it.
    largest = http_v2("POST", "/api/v1/events", binary=True, claims=CLAIMS, headers=BIG_HEADERS,
                      body=b"x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    assert len(json.dumps(largest)) <= LAMBDA_PAYLOAD_BYTES
    assert largest_body_bytes() >= django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    # The admin's form still posts a picture through the function: the largest one fits.
    body, event = multipart_event("/admin/events/event/add/",
                                  b"\xff" * django_settings.PICTURE_MAX_BYTES)
    assert len(body) <= django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert len(json.dumps(event)) <= LAMBDA_PAYLOAD_BYTES
    # An API picture arrives as the name of its upload.
    named = http_v2("PUT", "/api/v1/me/avatar", claims=CLAIMS, headers=BIG_HEADERS,
                    body=json.dumps({"upload": str(uuid.uuid4())}))
    assert len(json.dumps(named)) < 20 * 1024


def _status_and_error(response):
    return response["statusCode"], json.loads(response["body"])["error"]


@pytest.mark.parametrize("path", ["/api/v1/me/avatar", "/api/v1/events/1/pictures",
                                  "/admin/events/event/add/"])
def test_a_body_over_the_limit_gets_a_413_envelope_through_the_handler(settings, path):
    settings.AUTH_TRUST_API_GATEWAY = True
    _, event = multipart_event(path, b"\xff" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    status, error = _status_and_error(handler(event, lambda_context()))

    assert (status, error["code"]) == (413, "payload_too_large")
    assert error["message"].startswith("The request body is larger than 4194304 bytes")


def test_the_largest_stored_picture_is_served_within_the_response_limit(settings):
    name = "events/1/" + "a" * 64 + ".jpg"
    path = settings.MEDIA_ROOT / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff" * settings.PICTURE_MAX_BYTES)

    response = handler(http_v2("GET", f"/media/{name}"), lambda_context())

    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    assert len(json.dumps(response)) <= LAMBDA_PAYLOAD_BYTES
