"""The base rate (Basiszinssatz, § 247 BGB) as data: the values the Deutsche Bundesbank
published for 2016–2026 (from 01.07.2016 −0,88 % until 31.12.2022). Later values are entered
by an administrator (Django admin, "Basiszinssätze"); the value from 01.01.2026 should be
checked against the Bundesbank's announcement."""

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCE = "Deutsche Bundesbank, Basiszinssatz nach § 247 BGB"
BASE_RATES = [
    (date(2016, 7, 1), Decimal("-0.88"), SOURCE),
    (date(2023, 1, 1), Decimal("1.62"), SOURCE),
    (date(2023, 7, 1), Decimal("3.12"), SOURCE),
    (date(2024, 1, 1), Decimal("3.62"), SOURCE),
    (date(2024, 7, 1), Decimal("3.37"), SOURCE),
    (date(2025, 1, 1), Decimal("2.27"), SOURCE),
    (date(2025, 7, 1), Decimal("1.27"), SOURCE),
    (date(2026, 1, 1), Decimal("1.27"), SOURCE + " (unverändert; bitte prüfen)"),
]


def add_rates(apps, schema_editor):
    BaseRate = apps.get_model("funding", "BaseRate")
    for valid_from, percent, source in BASE_RATES:
        BaseRate.objects.get_or_create(
            valid_from=valid_from, defaults={"percent": percent, "source": source}
        )


def remove_rates(apps, schema_editor):
    BaseRate = apps.get_model("funding", "BaseRate")
    BaseRate.objects.filter(valid_from__in=[d for d, _p, _s in BASE_RATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0011_funds_calls_proof_of_use")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
