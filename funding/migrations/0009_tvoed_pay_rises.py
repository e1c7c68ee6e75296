"""The TVöD pay rises known today as data (DOMAIN, public sources): +3.0 % from 01.04.2025,
+2.8 % from 01.05.2026. Later rises are entered by an administrator."""

from datetime import date
from decimal import Decimal

from django.db import migrations

TVOED = [
    (date(2025, 4, 1), Decimal("3.000"), "TVöD: +3,0 % ab 01.04.2025"),
    (date(2026, 5, 1), Decimal("2.800"), "TVöD: +2,8 % ab 01.05.2026"),
]


def add_rises(apps, schema_editor):
    PayRise = apps.get_model("funding", "PayRise")
    for effective_from, percent, note in TVOED:
        PayRise.objects.get_or_create(
            effective_from=effective_from, defaults={"percent": percent, "note": note}
        )


def remove_rises(apps, schema_editor):
    PayRise = apps.get_model("funding", "PayRise")
    PayRise.objects.filter(effective_from__in=[d for d, _p, _n in TVOED]).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0008_pay_rises")]

    operations = [migrations.RunPython(add_rises, remove_rises)]
