"""Codes, idempotency keys and key prefixes compare byte for byte (binary collation on MySQL)."""

import apps.core.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('licensing', '0003_key_role_and_lifetime'),
    ]

    operations = [
        migrations.AlterField(
            model_name='licensekey',
            name='prefix',
            field=apps.core.models.ExactCharField(editable=False, max_length=16, unique=True),
        ),
    ]
