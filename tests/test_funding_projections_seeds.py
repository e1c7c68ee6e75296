"""Projections against the seed data: Kreis Coesfeld without the state's funding (seed 003:
the towns of a region then carry the cost in equal shares) and the demo projection's page.
(Its own module: the demo data stay loaded for the whole module.)"""

from decimal import ROUND_FLOOR
from decimal import Decimal as D

import pytest

from carriers.models import Organisation
from funding.models import Projection
from funding.projections.selectors import projection_result
from tests.factories import UserFactory

CENT = D("0.01")

# Seed 003's regions, towns in name order (the engine gives remainder cents to the first).
REGIONS = {
    "Region Nord": ["havixbeck", "rosendahl", "billerbeck", "coesfeld"],
    "Region Mitte": ["nottuln", "duelmen"],
    "Region Süd": ["ascheberg", "nordkirchen", "senden", "luedinghausen", "olfen"],
}
# 2024's cost per region from the fixture (tests/test_funding_coesfeld_seeds.py writes them out):
# Nord 70,708.89 + 69,318.11 + 34,998.41; Mitte 67,671.25 + 480 + 1,150; Süd 173,969.77.
COST_2024 = {
    "Region Nord": D("175025.41"),
    "Region Mitte": D("69301.25"),
    "Region Süd": D("173969.77"),
}


def equal_split(total, towns):
    base = (total / len(towns)).quantize(CENT, rounding=ROUND_FLOOR)
    left = int((total - base * len(towns)) / CENT)
    return {town: base + (CENT if i < left else 0) for i, town in enumerate(towns)}


# --- The seed: Kreis Coesfeld without the state's funding ---------------------------------


@pytest.mark.django_db
def test_coesfeld_without_funding_towns_carry_the_cost_equally(demo_data):
    coesfeld = Organisation.objects.get(slug="kreis-coesfeld")
    projection = Projection.objects.create(
        recipient=coesfeld,
        name="Ohne Förderung",
        base_year=2024,
        last_year=2026,
        programme_end_year=2026,
    )
    result = projection_result(projection)
    years = {row.year: row for row in result.rows}

    # No pay rise and every position filled all year: 2025 costs what 2024 cost.
    total_2024 = sum(COST_2024.values())
    assert years[2024].projected.cost == total_2024
    assert years[2025].projected.cost == total_2024
    # 6 FTE × 55,000 funding until 2025, nothing from 2026.
    assert years[2025].projected.funding == D("330000.00")
    assert years[2026].projected.funding == D("0")
    assert years[2026].projected.own_share == total_2024

    # Seed 003: "die Kosten … je im gleichen Umfang zu tragen". Nord 175,025.41 / 4 =
    # 43,756.3525: one cent left for Havixbeck; Mitte 69,301.25 / 2 = 34,650.625;
    # Süd 173,969.77 / 5 = 34,793.954: two cents left.
    shares = years[2026].projected.bearers
    for region, towns in REGIONS.items():
        expected = equal_split(COST_2024[region], towns)
        assert {t: shares[t] for t in towns} == expected
    assert shares["havixbeck"] == D("43756.36")
    assert shares["duelmen"] == D("34650.62")
    assert shares["olfen"] == D("34793.95")
    assert sum(shares.values()) == years[2026].projected.own_share


@pytest.mark.django_db
def test_demo_projection_page_shows_the_years(client, demo_data):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    projection = Projection.objects.get(name="Tarifsteigerungen bis 2030")
    response = client.get(projection.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tarif +3,0 % ab 01.04.2025" in text
    assert "Tarif +2,8 % ab 01.05.2026" in text
    result = projection_result(projection)
    last = result.rows[-1]
    assert last.year == 2030
    # The page shows the figures of the selector in German format.
    own = f"{last.projected.own_share:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert own in text
