"""The custom user: a Cognito identity (`sub`), a role and a public profile."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.accounts.roles import Role
from apps.core.text import validate_line, validate_text


class User(AbstractUser):
    cognito_sub = models.CharField(
        max_length=64, unique=True, null=True, blank=True,
        help_text="Subject (sub claim) of the user's Cognito identity.",
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.FAN)
    display_name = models.CharField(max_length=80, blank=True, validators=[validate_line])
    bio = models.TextField(max_length=2000, blank=True, validators=[validate_text])
    # Names of the stored avatar and its thumbnail in the pictures storage (apps.core.pictures).
    avatar = models.CharField(max_length=255, blank=True, editable=False)
    avatar_thumbnail = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(avatar="", avatar_thumbnail="")
                | (~models.Q(avatar="") & ~models.Q(avatar_thumbnail="")),
                name="accounts_user_avatar_with_thumbnail",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username
