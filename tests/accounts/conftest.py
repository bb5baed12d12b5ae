"""Identity fixtures: RSA keys, a JWKS served over HTTP on loopback, token signing."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from apps.accounts import tokens

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
CLIENT_ID = "web-client"


@pytest.fixture(autouse=True)
def dev_issuer(settings, tmp_path_factory):
    """Every test starts in local mode with the dev issuer, its key made once per session."""
    settings.JWT_DEV_KEY_DIR = tmp_path_factory.getbasetemp() / "dev-jwt"
    settings.JWT_DEV_ISSUER = True
    settings.JWT_ISSUER = ""
    settings.JWT_AUDIENCE = []
    settings.JWT_JWKS_URL = ""
    settings.AUTH_TRUST_API_GATEWAY = False
    tokens.forget_key_sets()
    yield
    tokens.forget_key_sets()


@pytest.fixture(scope="session")
def rsa_keys():
    return {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for kid in ("k1", "k2", "other")}


def public_jwk(private_key, kid: str) -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


class JwksServer:
    """A user pool's JWKS endpoint on 127.0.0.1 that counts its requests."""

    def __init__(self, keys: list[dict[str, Any]]):
        self.keys = keys
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                body = json.dumps({"keys": server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def jwks_server(rsa_keys):
    server = JwksServer([public_jwk(rsa_keys["k1"], "k1")])
    yield server
    server.stop()


@pytest.fixture
def cognito(settings, jwks_server):
    """Trust a (local) Cognito user pool whose JWKS jwks_server publishes."""
    settings.JWT_DEV_ISSUER = False
    settings.JWT_ISSUER = ISSUER
    settings.JWT_AUDIENCE = [CLIENT_ID, "mobile-client"]
    settings.JWT_JWKS_URL = jwks_server.url
    return jwks_server


def claims_for(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "5f0c8a4e-0d6b-4f4e-9a43-6c1d2b7f9e10",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "email": "ana@example.com",
        "cognito:groups": ["organizer"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def sign(claims: dict[str, Any], private_key, kid: str = "k1") -> str:
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join((b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()),
                     b64(signature)))
