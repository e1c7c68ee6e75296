"""Model rules: German messages next to the field; the database refuses what slips past."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from funding.models import FundingRate
from staffing.models import Occupancy, Position, PositionCost
from tests.factories import (
    FundingRateFactory,
    OccupancyFactory,
    PositionCostFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db

FTE_MESSAGE = "Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."


def errors_of(obj):
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


@pytest.mark.parametrize("fte", [D("0"), D("1.5"), D("-0.5")])
def test_fte_outside_zero_to_one_is_refused(fte):
    position = PositionFactory()
    position.fte = fte
    assert errors_of(position)["fte"] == [FTE_MESSAGE]


def test_position_end_before_start():
    position = PositionFactory(planned_start=date(2024, 1, 1))
    position.end_date = date(2023, 12, 31)
    assert errors_of(position)["end_date"] == ["Das Ende darf nicht vor dem Beginn liegen."]


def test_occupancy_end_before_start():
    occupancy = OccupancyFactory.build(
        position=PositionFactory(), start=date(2024, 5, 1), end=date(2024, 4, 30)
    )
    assert errors_of(occupancy)["end"] == ["Das Ende darf nicht vor dem Beginn liegen."]


def test_occupancy_may_not_exceed_the_position_fte_at_any_date():
    position = PositionFactory(fte=D("1"), planned_start=date(2023, 1, 1))
    OccupancyFactory(position=position, start=date(2023, 1, 1), end=None, fte=D("0.75"))
    # 0.75 + 0.5 overlap from 01.06.2024: 1.25 FTE on a 1.0 position.
    second = OccupancyFactory.build(position=position, start=date(2024, 6, 1), fte=D("0.5"))
    assert errors_of(second)["fte"] == [
        "Die Besetzung (1,25 VZ) übersteigt den Stellenanteil der Stelle (1 VZ)."
    ]


def test_consecutive_occupancies_do_not_overlap():
    position = PositionFactory(planned_start=date(2022, 1, 1))
    OccupancyFactory(position=position, start=date(2022, 1, 1), end=date(2023, 6, 30))
    # Seed 002: resigned 30.06.2023, a successor from 01.07.2023 is fine.
    OccupancyFactory.build(position=position, start=date(2023, 7, 1)).full_clean()


def test_occupancy_before_the_position_starts():
    position = PositionFactory(planned_start=date(2023, 1, 1))
    occupancy = OccupancyFactory.build(position=position, start=date(2022, 12, 1))
    assert errors_of(occupancy)["start"] == [
        "Die Besetzung beginnt vor dem Beginn der Stelle (01.01.2023)."
    ]


def test_lowering_the_position_fte_below_its_occupancy():
    position = PositionFactory(fte=D("1"))
    OccupancyFactory(position=position, fte=D("1"))
    position.fte = D("0.5")
    assert "übersteigt den Stellenanteil" in errors_of(position)["fte"][0]


def test_negative_money_is_refused():
    cost = PositionCostFactory.build(position=PositionFactory(), employer_gross=D("-1.00"))
    assert errors_of(cost)["employer_gross"] == ["Der Betrag darf nicht negativ sein."]


def test_overhead_as_rate_or_amount_not_both():
    cost = PositionCostFactory.build(
        position=PositionFactory(), overhead_rate=D("20"), overhead_amount=D("100.00")
    )
    assert errors_of(cost)["overhead_amount"] == [
        "Gemeinkosten bitte entweder als Prozentsatz oder als Betrag angeben, nicht beides."
    ]


def test_rate_valid_from_is_unique_per_kind():
    rate = FundingRateFactory()
    twin = FundingRate(
        programme=rate.programme,
        block=rate.block,
        kind=rate.kind,
        amount=D("58000.00"),
        valid_from=rate.valid_from,
    )
    assert errors_of(twin)["__all__"] == [
        "Für diese Art und diesen Baustein gibt es ab diesem Datum schon einen Fördersatz."
    ]
    # The next day is a new rate.
    twin.valid_from = date(2023, 1, 2)
    twin.full_clean()


@pytest.mark.parametrize(
    ("model_factory", "field", "value"),
    [
        (PositionFactory, "fte", D("1.5")),
        (PositionCostFactory, "employer_gross", D("-5.00")),
        (OccupancyFactory, "fte", D("0")),
    ],
)
def test_database_refuses_what_bypasses_validation(model_factory, field, value):
    obj = model_factory()
    setattr(obj, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.mark.history
def test_position_history_records_changes():
    position = PositionFactory(title="Alt")
    position.title = "Neu"
    position.save()
    titles = [h.title for h in position.history.order_by("history_date")]
    assert titles == ["Alt", "Neu"]
    assert Position.history.count() == 2
    assert Occupancy.history.count() == 0
    assert PositionCost.history.count() == 0


def test_years_are_shown_without_grouping_and_checked():
    from django.contrib.admin.utils import display_for_field

    field = PositionCost._meta.get_field("year")
    # USE_THOUSAND_SEPARATOR groups integers ("2.022"); a year is shown as it is.
    assert display_for_field(2022, field, "-") == "2022"
    cost = PositionCostFactory.build(position=PositionFactory(), year=1989)
    assert errors_of(cost)["year"] == ["Bitte ein Jahr ab 1990 angeben."]
