"""The plans every deployment starts with; accounts without a plan are on `free`."""

from django.db import migrations

PLANS = [
    ("free", "Accounts without a plan of their own.", 10_000),
    ("partner", "Partners calling the API with license keys.", 200_000),
    ("unlimited", "Internal integrations: metered, never refused.", None),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("licensing", "Plan")
    for name, description, quota in PLANS:
        Plan.objects.get_or_create(
            name=name, defaults={"description": description, "daily_quota": quota},
        )


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
