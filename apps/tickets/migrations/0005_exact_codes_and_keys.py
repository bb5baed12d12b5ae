"""Codes, idempotency keys and key prefixes compare byte for byte (binary collation on MySQL)."""

import apps.core.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0004_ticket_type_refs_without_row_lock'),
    ]

    operations = [
        migrations.AlterField(
            model_name='idempotencykey',
            name='key',
            field=apps.core.models.ExactCharField(max_length=255),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='code',
            field=apps.core.models.ExactCharField(editable=False, max_length=64, unique=True),
        ),
    ]
