"""Print a token from the local dev issuer, shaped like a Cognito ID or access token."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Mint a JWT signed by the local dev issuer (development only), e.g. "
        "mint_token --email ana@example.com --groups organizer,staff"
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--groups", default="", help="comma-separated Cognito groups")
        parser.add_argument("--sub", help="subject; by default derived from the email")
        parser.add_argument("--token-use", choices=("id", "access"), default="id")
        parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")

    def handle(self, *args, email, groups, sub, token_use, ttl, **options):
        if not settings.JWT_DEV_ISSUER:
            raise CommandError(
                "The dev issuer exists only in local development: not in production mode "
                "(CONCERT_PRODUCTION) and not when JWT_ISSUER names a real user pool."
            )
        if ttl <= 0:
            raise CommandError("--ttl must be a positive number of seconds")
        from apps.accounts.dev_issuer import dev_token_mint

        token = dev_token_mint(
            email=email,
            groups=[group.strip() for group in groups.split(",") if group.strip()],
            sub=sub,
            kind=token_use,
            ttl_seconds=ttl,
        )
        self.stdout.write(token)
