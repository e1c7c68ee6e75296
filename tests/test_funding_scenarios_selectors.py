"""The comparison of seed 000's four scenarios and of Voerde's choice (seed 004)."""

from decimal import Decimal as D

import pytest

from carriers.models import Organisation
from funding.models import Scenario
from funding.scenarios.selectors import compare

pytestmark = pytest.mark.django_db


def leverkusen_comparison(years):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    scenarios = Scenario.objects.filter(recipient=leverkusen).order_by("slug")
    assert [s.slug for s in scenarios] == [f"szenario-{i}" for i in (1, 2, 3, 4)]
    return compare(leverkusen, list(scenarios), years)


@pytest.mark.parametrize("years", [[2025], [2025, 2026, 2027, 2028]])
def test_the_ranking_of_savings_matches_seed_000(demo_data, years):
    result = leverkusen_comparison(years)
    one, two, three, four = (p.saving_total for p in result.scenarios)
    # Scenario 1: "Keine Kosteneinsparung"; 2: a saving by the carriers' share; 4: "deutliche
    # Kosteneinsparung", the largest.
    assert one == 0
    assert one < two
    assert four > max(one, two, three)
    assert [p.key for p in result.ranking][0] == "szenario-4"
    # Scenario 1 equals the baseline in every figure.
    assert result.scenarios[0].diff_total.cost == 0
    assert result.scenarios[0].diff_total.own_share == 0


def test_scenario_2_moves_part_of_the_own_share_to_the_carriers(demo_data):
    result = leverkusen_comparison([2025])
    two = result.scenarios[1]
    assert two.diff_total.own_share == 0
    carriers = {"awo-leverkusen", "caritas-leverkusen", "diakonie-leverkusen"}
    moved = sum(two.total.bearer(slug) for slug in carriers)
    assert moved == two.saving_total > 0


def test_the_figures_hold_together(demo_data):
    result = leverkusen_comparison(range(2025, 2029))
    for plan in result.plans:
        for year, figures in plan.by_year.items():
            assert sum(figures.bearers.values()) == figures.own_share, (plan.key, year)
            assert figures.cost - figures.funding == figures.own_share
        assert plan.total.own_share == sum(f.own_share for f in plan.by_year.values())


def test_voerde_county_employs_against_own_position(demo_data):
    """Seed 004: Voerde's cost when the county employs (its levy share of the county's
    deficit) against employing its own (its own deficit plus its levy share of the rest)."""
    county = Organisation.objects.get(slug="kreis-wesel")
    voerde = Organisation.objects.get(slug="voerde")
    scenario = Scenario.objects.get(recipient=county, slug="voerde-eigene-stelle")
    result = compare(county, [scenario], [2022], bearer=voerde)
    assert result.baseline.by_year[2022].bearer("voerde") == D("5941.25")
    assert result.scenarios[0].by_year[2022].bearer("voerde") == D("23414.46")
    assert result.scenarios[0].saving_total == D("-17473.21")
    assert result.bearer.slug == "voerde"


def test_compare_takes_a_fixed_number_of_queries(demo_data, django_assert_max_num_queries):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    scenarios = list(Scenario.objects.filter(recipient=leverkusen))
    with django_assert_max_num_queries(5 * 16):
        compare(leverkusen, scenarios, range(2021, 2031))
