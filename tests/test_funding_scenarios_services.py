"""Scenario services (funding/scenarios.py): the copy, the quick changes, deletion.

The small plan below is calculated by hand in each test; the demo data (seeds 000 and 004)
check that a fresh copy computes exactly the baseline, year by year.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from carriers.models import ForwardingAgreement, Organisation
from funding.calculations import compute_year
from funding.models import Scenario
from funding.overview import cost_overview
from funding.scenarios.selectors import compare
from funding.scenarios.services import (
    change_rate,
    cut_block,
    lower_carrier_extra_cost,
    move_carrier_positions_to_recipient,
    scenario_copy,
    scenario_delete,
    town_employs_own,
)
from funding.selectors import multi_year_plans
from staffing.models import Position, PositionCost
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def small():
    """A city with one own case manager and one at a carrier (policy: the city covers all).

    2025, both filled all year, rate 57,000 capped at the employer gross:
    own:     60,000 + 5,000 material + 20 % overhead 12,000 = 77,000 - 57,000 = 20,000.00
    carrier: 62,000 + 6,000 material + 10,000 overhead      = 78,000 - 57,000 = 21,000.00
    The city carries 41,000.00.
    """
    city = f.OrganisationFactory(slug="stadt", name="Stadt")
    carrier = f.CarrierFactory(slug="traegerin", name="Trägerin")
    block = f.BuildingBlockFactory(number=2)
    f.FundingRateFactory(block=block, programme=block.programme, valid_from=date(2023, 1, 1))
    grade = f.PayGradeFactory(code="S 12")
    f.PayGradeCostFactory(pay_grade=grade, year=YEAR, employer_gross_per_fte=D("64000.00"))
    own = f.PositionFactory(
        recipient=city,
        employer=city,
        block=block,
        title="CM Stadt",
        pay_grade=grade,
        department="KI",
    )
    forwarded = f.PositionFactory(
        recipient=city, employer=carrier, block=block, title="CM Trägerin", pay_grade=grade
    )
    for position in (own, forwarded):
        f.OccupancyFactory(position=position, start=date(2023, 1, 1))
    f.PositionCostFactory(
        position=own,
        year=YEAR,
        employer_gross=D("60000"),
        material=D("5000"),
        overhead_rate=D("20"),
    )
    f.PositionCostFactory(
        position=forwarded,
        year=YEAR,
        employer_gross=D("62000"),
        material=D("6000"),
        overhead_amount=D("10000"),
    )
    agreement = f.ForwardingAgreementFactory(recipient=city, carrier=carrier)
    agreement.positions.set([forwarded])
    actor = f.UserFactory(role="finance", organisation=city)
    return city, carrier, block, actor


def overview(city, scenario=None):
    return cost_overview(city, YEAR, scenario=scenario)


def bearers(ov):
    return {s.organisation.slug: s.amount for s in ov.by_bearer}


def test_the_small_baseline_by_hand(small):
    city, *_ = small
    ov = overview(city)
    assert ov.totals.own_share == D("41000.00")
    assert bearers(ov) == {"stadt": D("41000.00")}


def test_a_fresh_copy_computes_the_baseline_and_leaves_it_alone(small):
    city, _carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="Kopie", slug="kopie", actor=actor)
    assert overview(city, scenario).totals == overview(city).totals
    assert Position.objects.filter(scenario=scenario).count() == 2
    assert Position.objects.filter(scenario__isnull=True, recipient=city).count() == 2
    copy = Position.objects.get(scenario=scenario, title="CM Trägerin")
    assert copy.origin.scenario is None
    assert copy.forwarding_agreements.get().scenario == scenario
    assert copy.history.first().history_user == actor


@pytest.mark.history
def test_carriers_lower_their_extra_cost_by_a_percentage(small):
    city, carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="S2", slug="s2", actor=actor)
    lower_carrier_extra_cost(scenario=scenario, carrier=carrier, percent=D("40"), actor=actor)
    # The city covers 60 % of 21,000 = 12,600; the carrier carries 8,400 itself.
    ov = overview(city, scenario)
    assert bearers(ov) == {"stadt": D("32600.00"), "traegerin": D("8400.00")}
    assert ov.totals.own_share == D("41000.00")
    # The real agreement is untouched.
    real = ForwardingAgreement.objects.get(recipient=city, scenario__isnull=True)
    assert real.coverage_policy == "all"
    assert real.history.first().history_user is None or real.history.count() == 1


def test_carriers_lower_their_extra_cost_to_a_flat_amount(small):
    city, carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="S2b", slug="s2b", actor=actor)
    lower_carrier_extra_cost(scenario=scenario, carrier=carrier, amount=D("5000"), actor=actor)
    assert bearers(overview(city, scenario)) == {
        "stadt": D("25000.00"),
        "traegerin": D("16000.00"),
    }


def test_move_to_the_city_at_its_own_cost_for_the_pay_grade(small):
    city, _carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="S3", slug="s3", actor=actor)
    (moved,) = move_carrier_positions_to_recipient(scenario=scenario, actor=actor)
    # S 12 in 2025: 64,000; material as the city's own (5,000 / 60,000 of the gross):
    # 5,333.33; overhead 20 %: 12,800.00 -> 82,133.33 - 57,000 = 25,133.33.
    cost = PositionCost.objects.get(position=moved, year=YEAR)
    assert (cost.employer_gross, cost.material, cost.overhead_rate) == (
        D("64000.00"),
        D("5333.33"),
        D("20.0000"),
    )
    ov = overview(city, scenario)
    assert bearers(ov) == {"stadt": D("45133.33")}
    assert moved.employer == city and moved.department == "KI"
    assert not ForwardingAgreement.objects.filter(scenario=scenario).exists()


def test_cut_block_keeps_the_municipal_positions_first(small):
    city, _carrier, block, actor = small
    scenario = scenario_copy(recipient=city, name="S4", slug="s4", actor=actor)
    (cut,) = cut_block(
        scenario=scenario, block=2, n_positions=1, effective=date(YEAR, 1, 1), actor=actor
    )
    assert cut.title == "CM Trägerin"
    cut.refresh_from_db()
    assert cut.end_date == date(2024, 12, 31)
    assert bearers(overview(city, scenario)) == {"stadt": D("20000.00")}


def test_a_cut_that_breaks_the_funders_rules_computes_with_the_warning(small):
    city, _carrier, block, actor = small
    notice = f.GrantNoticeFactory(recipient=city, programme=block.programme)
    f.GrantNoticeBlockFactory(notice=notice, block=block, approved_fte=D("2"))
    scenario = scenario_copy(recipient=city, name="S4b", slug="s4b", actor=actor)
    carrier_copy = Position.objects.get(scenario=scenario, title="CM Trägerin")
    cut_block(
        scenario=scenario,
        block=block,
        n_positions=1,
        keep=[carrier_copy],
        effective=date(YEAR, 1, 1),
        actor=actor,
    )
    ov = overview(city, scenario)
    assert {w.code for w in ov.warnings} >= {"municipal_share"}
    assert ov.totals.own_share == D("21000.00")
    cut_block(
        scenario=scenario, block=block, n_positions=0, effective=date(YEAR, 1, 1), actor=actor
    )
    codes = {w.code for w in overview(city, scenario).warnings}
    assert "critical_filling" in codes


def test_change_rate_of_the_scenario_only(small):
    city, _carrier, block, actor = small
    scenario = scenario_copy(recipient=city, name="S5", slug="s5", actor=actor)
    rate = change_rate(
        scenario=scenario,
        block=block,
        kind="case_management",
        amount=D("60000"),
        valid_from=date(YEAR, 1, 1),
        actor=actor,
    )
    assert rate.capped_at_cost and rate.scenario == scenario
    # Capped at the gross: 60,000 for the own position (own share 17,000), 60,000 for the
    # carrier's (78,000 - 60,000 = 18,000): 35,000.
    assert bearers(overview(city, scenario)) == {"stadt": D("35000.00")}
    assert bearers(overview(city)) == {"stadt": D("41000.00")}


def test_compare_the_small_scenarios_with_hand_figures(small):
    city, carrier, _block, actor = small
    two = scenario_copy(recipient=city, name="S2", slug="s2", actor=actor)
    lower_carrier_extra_cost(scenario=two, carrier=carrier, percent=D("40"), actor=actor)
    three = scenario_copy(recipient=city, name="S3", slug="s3", actor=actor)
    move_carrier_positions_to_recipient(scenario=three, actor=actor)
    result = compare(city, [two, three], [YEAR])
    assert result.baseline.total.own_share == D("41000.00")
    two_cmp, three_cmp = result.scenarios
    assert two_cmp.saving_total == D("8400.00")
    assert two_cmp.diff_total.own_share == 0
    assert three_cmp.saving_total == D("-4133.33")
    assert three_cmp.diff_total.cost == D("4133.33")
    assert [p.key for p in result.ranking] == ["s2", "s3"]


def test_bad_input_is_refused_in_german_and_nothing_is_saved(small):
    city, carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="S", slug="s", actor=actor)
    with pytest.raises(ValidationError, match="schon vergeben"):
        scenario_copy(recipient=city, name="Noch eins", slug="s", actor=actor)
    with pytest.raises(ValidationError, match="entweder einen Prozentsatz oder einen Betrag"):
        lower_carrier_extra_cost(scenario=scenario, carrier=carrier, actor=actor)
    with pytest.raises(ValidationError, match="höchstens 100"):
        lower_carrier_extra_cost(scenario=scenario, carrier=carrier, percent=D("120"), actor=actor)
    with pytest.raises(ValidationError, match="nichts zu kürzen"):
        cut_block(
            scenario=scenario, block=2, n_positions=5, effective=date(YEAR, 1, 1), actor=actor
        )
    real = Position.objects.get(scenario__isnull=True, title="CM Trägerin")
    with pytest.raises(ValidationError, match="nicht zu diesem Szenario"):
        move_carrier_positions_to_recipient(scenario=scenario, positions=[real], actor=actor)
    other = f.OrganisationFactory()
    foreign = f.ScenarioFactory(recipient=other)
    with pytest.raises(ValidationError, match="nicht zu Stadt"):
        compare(city, [foreign], [YEAR])
    with pytest.raises(ValidationError, match="höchstens 4 Szenarien"):
        compare(city, [scenario] * 5, [YEAR])
    assert Scenario.objects.filter(recipient=city).count() == 1


def test_delete_removes_the_scenario_and_keeps_the_real_plan(small):
    city, _carrier, _block, actor = small
    scenario = scenario_copy(recipient=city, name="Weg", slug="weg", actor=actor)
    pk = scenario.pk
    scenario_delete(scenario=scenario, actor=actor)
    assert not Scenario.objects.filter(pk=pk).exists()
    assert not Position.objects.filter(scenario_id=pk).exists()
    assert Position.objects.filter(recipient=city).count() == 2
    deleted = Position.history.filter(history_type="-").first()
    assert deleted.history_user == actor


# --- the demo data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["leverkusen", "kreis-wesel", "oberbergischer-kreis", "kreis-coesfeld"]
)
def test_a_fresh_copy_of_each_demo_plan_equals_the_baseline_every_year(demo_data, slug):
    recipient = Organisation.objects.filter(slug=slug).first()
    if recipient is None:
        pytest.skip(f"{slug} is not in the demo data")
    scenario = scenario_copy(recipient=recipient, name="Kopie", slug="kopie-test", actor=None)
    years = range(2021, 2031)
    real = multi_year_plans([recipient], years)
    copy = multi_year_plans([recipient], years, scenario=scenario)
    for year in years:
        a, b = compute_year(real[(recipient.id, year)]), compute_year(copy[(recipient.id, year)])
        assert a.totals == b.totals, year
        assert [(s.organisation.slug, s.amount) for s in a.by_bearer] == [
            (s.organisation.slug, s.amount) for s in b.by_bearer
        ], year
        assert [r.amounts for r in a.positions] == [r.amounts for r in b.positions], year
        assert [w.code for w in a.warnings] == [w.code for w in b.warnings], year


def test_a_copy_of_a_scenario_keeps_its_changes(demo_data):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    two = Scenario.objects.get(recipient=leverkusen, slug="szenario-2")
    again = scenario_copy(
        recipient=leverkusen, name="Szenario 2 b", slug="szenario-2b", source=two, actor=None
    )
    result = compare(leverkusen, [two, again], range(2025, 2029))
    assert result.scenarios[0].total == result.scenarios[1].total
    assert result.scenarios[0].saving_total > 0


def test_voerde_employs_its_own_position_through_the_service(demo_data):
    """Seed 004 on a fresh copy: Voerde takes the fourth county position (2022 deficit
    19,546.40) and still pays its levy share of the other three (56,515.20 × 7.8111 % =
    4,414.46): 23,960.86 against 5,941.25 when the county employs."""
    county = Organisation.objects.get(slug="kreis-wesel")
    voerde = Organisation.objects.get(slug="voerde")
    scenario = scenario_copy(recipient=county, name="Voerde", slug="voerde-test", actor=None)
    fourth = cost_overview(county, 2022).positions[3].position
    position = Position.objects.get(scenario=scenario, origin_id=fourth.id)
    town_employs_own(scenario=scenario, position=position, town=voerde, actor=None)
    result = compare(county, [scenario], [2022], bearer=voerde)
    assert result.baseline.by_year[2022].bearer("voerde") == D("5941.25")
    assert result.scenarios[0].by_year[2022].bearer("voerde") == D("23960.86")
    assert result.scenarios[0].saving_total == D("-18019.61")
    with pytest.raises(ValidationError, match="bereits bei"):
        town_employs_own(scenario=scenario, position=position, town=voerde, actor=None)
