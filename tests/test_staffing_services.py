"""staffing.services.position_save: all or nothing, German messages, actor in the history."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from staffing.models import Occupancy, Position, PositionTown
from staffing.services import OccupancyPeriod, ServedTown, position_save
from tests.factories import (
    BuildingBlockFactory,
    CountyFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def new_position(county, **kw):
    fields = {
        "recipient": county,
        "block": BuildingBlockFactory(number=2),
        "funding_kind": "case_management",
        "title": "Casemanagement geteilt",
        "fte": D("1"),
        "employer": county,
        "planned_start": date(2022, 1, 1),
    }
    fields.update(kw)
    return Position(**fields)


def test_shared_position_with_two_towns_and_a_resignation():
    # Seed 002: 50 % Hückeswagen, 50 % Wipperfürth; occupied until 30.06.2023.
    county = CountyFactory()
    h, w = TownFactory(parent=county), TownFactory(parent=county)
    actor = UserFactory(role="finance", organisation=county)
    position = position_save(
        position=new_position(county),
        actor=actor,
        served_towns=[ServedTown(h.id, D("50")), ServedTown(w.id, D("50"))],
        occupancies=[OccupancyPeriod(date(2022, 1, 1), date(2023, 6, 30), D("1"))],
    )
    assert sorted(position.served_towns.values_list("share", flat=True)) == [D("50"), D("50")]
    assert position.occupancies.get().end == date(2023, 6, 30)
    assert position.history.get().history_user == actor
    assert Occupancy.history.get().history_user == actor


def test_shares_not_summing_to_100_save_nothing():
    county = CountyFactory()
    h, w = TownFactory(parent=county), TownFactory(parent=county)
    with pytest.raises(ValidationError) as info:
        position_save(
            position=new_position(county),
            actor=None,
            served_towns=[ServedTown(h.id, D("60")), ServedTown(w.id, D("30"))],
            occupancies=[OccupancyPeriod(date(2022, 1, 1), None, D("1"))],
        )
    assert info.value.message_dict["served_towns"] == [
        "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 90 %)."
    ]
    assert not Position.objects.exists()
    assert not Occupancy.objects.exists()


def test_overlapping_occupancy_above_fte_saves_nothing():
    county = CountyFactory()
    with pytest.raises(ValidationError) as info:
        position_save(
            position=new_position(county, fte=D("0.5")),
            actor=None,
            occupancies=[
                OccupancyPeriod(date(2022, 1, 1), None, D("0.5")),
                OccupancyPeriod(date(2023, 1, 1), date(2023, 3, 31), D("0.25")),
            ],
        )
    assert info.value.message_dict["occupancies"] == [
        "Die Besetzung (0,75 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ)."
    ]
    assert not Position.objects.exists()


def test_a_bad_row_rolls_back_an_update_whole():
    position = PositionFactory(fte=D("1"), title="Vorher", planned_start=date(2022, 1, 1))
    Occupancy.objects.create(position=position, start=date(2022, 1, 1), fte=D("1"))
    position.title = "Nachher"
    with pytest.raises(ValidationError) as info:
        position_save(
            position=position,
            actor=None,
            occupancies=[OccupancyPeriod(date(2021, 6, 1), None, D("1"))],
        )
    assert info.value.message_dict["occupancies"] == [
        "Zeile 1, start: Die Besetzung beginnt vor dem Beginn der Stelle (01.01.2022)."
    ]
    position.refresh_from_db()
    assert position.title == "Vorher"
    assert position.occupancies.get().start == date(2022, 1, 1)


def test_lowering_fte_together_with_new_occupancy_is_accepted():
    position = PositionFactory(fte=D("1"), planned_start=date(2022, 1, 1))
    Occupancy.objects.create(position=position, start=date(2022, 1, 1), fte=D("1"))
    position.fte = D("0.5")
    position_save(
        position=position,
        actor=None,
        occupancies=[OccupancyPeriod(date(2022, 1, 1), None, D("0.5"))],
    )
    assert position.occupancies.get().fte == D("0.5")


def test_invalid_field_is_named():
    county = CountyFactory()
    with pytest.raises(ValidationError) as info:
        position_save(position=new_position(county, fte=D("1.2")), actor=None)
    assert info.value.message_dict["fte"] == [
        "Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."
    ]
    assert not PositionTown.objects.exists()
