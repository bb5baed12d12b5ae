"""Keys carry the role they act with (at most organizer) and expire by default."""

from datetime import timedelta

import django.core.validators
from django.conf import settings
from django.db import migrations, models


def roles_and_expiry_for_existing_keys(apps, schema_editor):
    """Existing keys act as organizer at most, like new ones, and those made without an
    expiry get the default lifetime from today (not from their creation: none stops at once)."""
    from django.utils import timezone

    LicenseKey = apps.get_model("licensing", "LicenseKey")
    LicenseKey.objects.filter(owner__role__in=["organizer", "staff", "admin"]).update(
        role="organizer"
    )
    LicenseKey.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=90)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('licensing', '0002_default_plans'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='licensekey',
            name='role',
            field=models.CharField(choices=[('fan', 'Fan'), ('organizer', 'Organizer'), ('staff', 'Staff'), ('admin', 'Admin')], default='fan', editable=False, help_text="The owner's role when the key was made, capped at organizer; the key acts with the lower of this and the owner's current role.", max_length=16),
        ),
        migrations.AddField(
            model_name='plan',
            name='key_lifetime_days',
            field=models.PositiveIntegerField(default=90, help_text='Days a new license key lives, and the longest expiry one may ask for.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3650)]),
        ),
        migrations.AddConstraint(
            model_name='licensekey',
            constraint=models.CheckConstraint(condition=models.Q(('role__in', ['fan', 'organizer'])), name='licensing_key_role_at_most_organizer'),
        ),
        migrations.RunPython(roles_and_expiry_for_existing_keys, migrations.RunPython.noop),
    ]
