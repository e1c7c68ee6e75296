"""Seed 002 (Hückeswagen, Oberbergischer Kreis) as loaded from fixtures/02_oberberg.json.

Expected figures come from the seed or from the hand calculations written next to them:
the shared Caritas position (50 % Hückeswagen, 50 % Wipperfürth, 01.01.2022–30.06.2023, then
vacant) and Hückeswagen's own full-time position (57,000 EUR funding, about 1,000 EUR uncovered
personnel cost plus the material cost of the workplace).
"""

import json
from datetime import date
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from carriers.models import Organisation
from funding.overview import cost_overview
from staffing.models import Position
from tests.factories import UserFactory

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SHARED = "Casemanagement Caritas Hückeswagen/Wipperfürth (geteilt)"
OWN = "Casemanagement Schloss-Stadt Hückeswagen"


def overview(year):
    return cost_overview(Organisation.objects.get(slug="oberbergischer-kreis"), year)


def bearers(ov):
    return {s.organisation.slug: s.amount for s in ov.by_bearer}


def result(ov, title):
    (found,) = [r for r in ov.positions if r.position.title == title]
    return found


def codes(ov):
    return [w.code for w in ov.warnings]


def test_hueckeswagen_own_position_2024(demo_data):
    ov = overview(2024)
    own = result(ov, OWN)
    # Seed 002: "Es stehen ... 57.000 € p.a. für die Vollzeitstelle ... zur Verfügung".
    assert own.amounts.funding == D("57000.00")
    # Seed 002: "ungedeckte Kosten von z.Zt. ca. 1.000 €": 58,000.00 employer gross - 57,000.00.
    assert own.employer_gross == D("58000.00")
    assert own.employer_gross - own.amounts.funding == D("1000.00")
    # "zuzüglich der Sachkosten für den einzurichtenden Arbeitsplatz": 1,200.00 running material
    # cost and 3,000.00 for setting up the workplace (both assumed in the fixture).
    assert (own.material, own.one_off, own.overhead) == (D("1200.00"), D("3000.00"), D("0.00"))
    # 1,000.00 + 1,200.00 + 3,000.00 = 5,200.00, carried by the employer, the town itself.
    assert own.amounts.own_share == D("5200.00")
    assert own.bearer_parts == (("hueckeswagen", D("5200.00")),)
    assert own.position.cost_centre == "120550"
    assert own.position.budget_product == "1.31.11.01 / 1.31.11.02"
    # The shared position ended with 2023: Hückeswagen's is the only one in 2024.
    assert [r.position.title for r in ov.positions] == [OWN]
    assert bearers(ov) == {"hueckeswagen": D("5200.00")}
    assert ov.totals.funding == D("57000.00")
    assert ov.warnings == ()


def test_hueckeswagen_later_years_follow_the_pay_rises(demo_data):
    # TVöD +3.0 % from 01.04.2025: 58,000 × (3 + 9 × 1.03) / 12 = 59,305.00.
    own_2025 = result(overview(2025), OWN)
    assert own_2025.employer_gross == D("59305.00")
    assert own_2025.employer_gross - own_2025.amounts.funding == D("2305.00")
    # +2.8 % from 01.05.2026 on the level 58,000 × 1.03 = 59,740:
    # 59,740 × (4 + 8 × 1.028) / 12 = 60,855.146... -> 60,855.15.
    own_2026 = result(overview(2026), OWN)
    assert own_2026.employer_gross == D("60855.15")
    assert own_2026.amounts.funding == D("57000.00")


def test_shared_caritas_position_2022_full_year(demo_data):
    ov = overview(2022)
    shared = result(ov, SHARED)
    assert shared.filled_fte_months == D("12")
    # 2022 rate: 55,000 × 1.0 FTE × 12/12.
    assert shared.amounts.funding == D("55000.00")
    assert sorted((t.slug, share) for t, share in shared.position.served_towns) == [
        ("hueckeswagen", D("50")),
        ("wipperfuerth", D("50")),
    ]
    # 57,640.00 + 1,980.00 material + 5 % overhead 2,882.00 - 55,000.00 = 7,502.00; the
    # forwarding agreement covers nothing ("none"), so Caritas carries it.
    assert shared.overhead == D("2882.00")
    assert shared.amounts.own_share == D("7502.00")
    assert bearers(ov) == {"caritas-oberberg": D("7502.00")}


def test_shared_position_2023_funded_for_six_months_then_vacant(demo_data):
    ov = overview(2023)
    shared = result(ov, SHARED)
    # Filled 01.01.–30.06.2023 (resigned), vacant from 01.07.2023.
    assert shared.filled_fte_months == D("6")
    assert [(p.start, p.end) for p in shared.position.occupancies] == [
        (date(2022, 1, 1), date(2023, 6, 30))
    ]
    assert shared.position.end == date(2023, 12, 31)
    # 57,000 × 1.0 FTE × 6/12 = 28,500.00 (the 2023 rate; capped at 29,410.00 gross: no cut).
    assert shared.amounts.funding == D("28500.00")
    # 29,410.00 + 990.00 + 5 % of 29,410.00 = 1,470.50 -> 31,870.50 - 28,500.00 = 3,370.50.
    assert shared.amounts.total_cost == D("31870.50")
    assert shared.amounts.own_share == D("3370.50")
    assert bearers(ov) == {"caritas-oberberg": D("3370.50")}


def test_warnings_make_sense(demo_data):
    # 2022 and 2023: the only position of this excerpt is at a carrier, none at the
    # municipality: the one-third rule warns (seed 002: the KI urged employment by the town).
    for year in (2022, 2023):
        ov = overview(year)
        assert codes(ov) == ["municipal_share"]
        assert "nur 0 von 1 Stellen bei der Kommune" in ov.warnings[0].message
    # 2024: Hückeswagen employs its own case manager; no warning.
    assert codes(overview(2024)) == []


def test_town_users_see_the_positions_that_concern_them(demo_data):
    hueckeswagen = UserFactory(
        role="town", organisation=Organisation.objects.get(slug="hueckeswagen")
    )
    wipperfuerth = UserFactory(
        role="town", organisation=Organisation.objects.get(slug="wipperfuerth")
    )
    visible = set(Position.objects.restrict(hueckeswagen).values_list("title", flat=True))
    assert visible == {SHARED, OWN}
    visible = set(Position.objects.restrict(wipperfuerth).values_list("title", flat=True))
    assert visible == {SHARED}


def test_cost_overview_command_json(demo_data):
    out = StringIO()
    call_command(
        "cost_overview", "--recipient", "oberbergischer-kreis", "--year", "2024", stdout=out
    )
    payload = json.loads(out.getvalue())
    assert payload["totals"]["funding"] == "57000.00"
    assert payload["totals"]["total_cost"] == "62200.00"
    assert payload["totals"]["own_share"] == "5200.00"
    assert payload["by_bearer"] == [
        {
            "organisation": "hueckeswagen",
            "name": "Schloss-Stadt Hückeswagen",
            "kind": "town",
            "amount": "5200.00",
        }
    ]
    assert payload["warnings"] == []
