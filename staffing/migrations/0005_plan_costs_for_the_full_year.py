"""A planned cost now stands for the position at its full FTE over the part of the year it
exists; the engine scales it to the year's filled FTE-months (issue 14,
``funding.rules.planned_cost_for_occupancy``). Before, a planned row held the cost of the
months filled. This restates every planned row of a partly filled year for the full year, so
that each year's figure stays exactly as it was computed (the engine's scaling gives the old
amount back to the cent). A row of a year without any filled month cannot be restated: it
stays, and the engine now counts it as 0 (a vacant position has no plan cost)."""

from decimal import Decimal

from django.db import migrations

CENT = Decimal("0.01")
NUDGES = (Decimal(0), CENT, -CENT, 2 * CENT, -2 * CENT)


def restate(apps, schema_editor):
    from funding.calculations import Period, PositionPlan, filled_fte_by_month
    from funding.calculations import planned_fte_by_month
    from funding.money import cents
    from funding.rules import planned_cost_for_occupancy

    PositionCost = apps.get_model("staffing", "PositionCost")
    Occupancy = apps.get_model("staffing", "Occupancy")
    rows = PositionCost.objects.filter(status="planned").select_related("position")
    periods = {}
    for position_id, start, end, fte in Occupancy.objects.values_list(
        "position_id", "start", "end", "fte"
    ):
        periods.setdefault(position_id, []).append(Period(start, end, fte))
    for row in rows.iterator():
        position = row.position
        plan = PositionPlan(
            id=position.pk,
            title="",
            block=0,
            funding_kind="",
            fte=position.fte,
            employer=None,
            start=position.planned_start,
            end=position.end_date,
            occupancies=tuple(periods.get(position.pk, ())),
        )
        filled = sum(filled_fte_by_month(row.year, plan), Decimal(0))
        planned = sum(planned_fte_by_month(row.year, plan), Decimal(0))
        if not filled or filled == planned:
            continue
        changed = []
        for field in ("employer_gross", "material", "overhead_amount"):
            old = getattr(row, field)
            if old is None:
                continue
            new = cents(old * planned / filled)
            for nudge in NUDGES:
                if planned_cost_for_occupancy(new + nudge, filled, planned) == old:
                    new += nudge
                    break
            setattr(row, field, new)
            changed.append(field)
        if changed:
            row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("staffing", "0004_plausible_dates"), ("funding", "0009_tvoed_pay_rises")]

    operations = [migrations.RunPython(restate, migrations.RunPython.noop)]
