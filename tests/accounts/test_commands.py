"""mint_token: dev tokens on a laptop, refused wherever the dev issuer does not exist."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.tokens import token_claims

REFUSAL = "The dev issuer exists only in local development"


def mint(*args: str) -> str:
    out = io.StringIO()
    call_command("mint_token", *args, stdout=out)
    return out.getvalue().strip()


def test_mint_token_prints_a_token_the_service_accepts():
    claims = token_claims(mint("--email", "ana@example.com", "--groups", "organizer, staff"))
    assert claims["email"] == "ana@example.com"
    assert claims["cognito:groups"] == ["organizer", "staff"]
    assert (claims["token_use"], claims["aud"], claims["iss"]) == (
        "id", "concert-dev-client", "concert-dev")
    assert claims["exp"] - claims["iat"] == 3600
    # The same email keeps the same subject across tokens.
    assert token_claims(mint("--email", "ana@example.com"))["sub"] == claims["sub"]


def test_mint_access_token_with_a_chosen_sub():
    claims = token_claims(mint("--email", "a@example.com", "--sub", "abc",
                               "--token-use", "access", "--ttl", "60"))
    assert (claims["sub"], claims["token_use"], claims["client_id"]) == (
        "abc", "access", "concert-dev-client")
    assert "email" not in claims and claims["cognito:groups"] == []


def test_mint_token_refuses_without_the_dev_issuer(settings):
    settings.JWT_DEV_ISSUER = False
    with pytest.raises(CommandError, match=REFUSAL):
        mint("--email", "a@example.com")


def test_production_mode_has_no_dev_issuer(tmp_path):
    env = {
        **os.environ,
        "CONCERT_PRODUCTION": "true",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "api.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "JWT_ISSUER": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "mint_token", "--email", "a@example.com"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert REFUSAL in result.stderr
    assert result.stdout == ""
