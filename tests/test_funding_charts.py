"""The projection page draws its years as the reports' chart (kim_admin.chart, the same SVG
as the cost overview's PDF), with the table below as its alternative: the chart's text
alternative names, for every year, the funding and own share the table shows."""

import html
import re

import pytest

from funding.models import Projection
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<tr>\s*<th scope="row">(\d{4})[^<]*(?:<small>[^<]*</small>)?</th>\s*'
    r'<td class="num">([^<]+)</td>\s*<td class="num">([^<]+)</td>\s*'
    r'<td class="num"><strong>([^<]+)</strong></td>'
)


def test_projection_page_chart_shows_the_tables_years(client, leverkusen):
    projection = Projection.objects.filter(recipient=leverkusen).first()
    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    page = client.get(projection.get_absolute_url()).content.decode()
    assert '<figure class="chart-figure">' in page
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    description = html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))
    rows = ROW.findall(page)
    assert len(rows) == projection.last_year - projection.base_year + 1
    for year, _cost, funding, own_share in rows:
        assert f"{year}: Landesförderung {funding}, Eigenanteil {own_share}" in description
    # One bar (two rects: funding, own share) per year.
    assert svg.count("<rect") == 2 * len(rows) + 2  # plus the legend's two swatches


def cells_of_row(section: str, label: str) -> list[str]:
    row = re.search(
        rf"<th scope=\"row\">(?:<strong>)?{label}(?:</strong>)?</th>(.*?)</tr>", section, re.S
    )
    return [
        re.sub(r"<br>.*", "", cell, flags=re.S).strip()
        for cell in re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)
    ]


def test_scenario_comparison_chart_shows_each_plans_totals(client, leverkusen):
    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    page = client.get(
        "/foerderung/szenarien/vergleich/",
        {"scenarios": ["szenario-1", "szenario-2"], "years": "2025-2026"},
    ).content.decode()
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    description = html.unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1))
    # The "Gesamt" table: one column per plan (the real plan first).
    total = page[page.index(">Gesamt 2025–2026</h2>") :]
    labels = [
        html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
        for h in re.findall(
            r'<th scope="col" class="num">(.*?)</th>', total[: total.index("</thead>")], re.S
        )
    ]
    funding = cells_of_row(total, "Landesförderung")
    own_share = cells_of_row(total, r"Mehrkosten \(Eigenanteil\)")
    assert len(labels) == 3
    for label, f, o in zip(labels, funding, own_share, strict=True):
        assert f"{label}: Landesförderung {f}, Eigenanteil {o}" in description
