"""Creates an operator (a Django superuser) with a one-time random password, printed once.

In AWS it runs through the Lambda ({"manage": ["operator_create", "--username", "ops",
"--email", "ops@example.com"]}), so only whoever may invoke the function sees the password;
the operator changes it at /admin/password_change/ after the first login.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.errors import UsernameTaken
from apps.accounts.services import operator_create


class Command(BaseCommand):
    help = "Create a Django admin operator and print a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args, username: str, email: str, **options):
        try:
            password = operator_create(username=username, email=email)
        except UsernameTaken:
            raise CommandError(f"a user named {username!r} already exists") from None
        self.stdout.write(f"operator {username} created; one-time password: {password}")
