"""The lists' tables: any money column sorts, one column is marked as sorted, pay grades in
their natural order (E 8, E 9b, E 11, E 12), every sortable header of every list answers."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from staffing.models import PayGrade
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    OccupancyFactory,
    PayGradeCostFactory,
    PayGradeFactory,
    PositionCostFactory,
    PositionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SORTED_HEADER = re.compile(r"<th[^>]*aria-sort=")
SORT_LINKS = re.compile(r'<th scope="col"[^>]*>\s*<a href="\?([^"]*sort=[^"]*)"')


@pytest.fixture
def three_positions(city):
    """Three full-time positions of ``city`` filled all 2024, costs 30,000 / 61,000 / 45,000
    (employer gross only), the 2023 rate of 57,000 capped at the cost."""
    block = BuildingBlockFactory(number=2)
    FundingRateFactory(block=block, programme=block.programme, amount=D("57000.00"))
    positions = {}
    for title, cost in (("A", "30000.00"), ("B", "61000.00"), ("C", "45000.00")):
        position = PositionFactory(recipient=city, block=block, title=title)
        OccupancyFactory(position=position, start=date(2024, 1, 1))
        PositionCostFactory(position=position, year=2024, employer_gross=D(cost))
        positions[title] = position
    return positions


def titles(response) -> list[str]:
    return [row.record.title for row in response.context["table"].rows]


def test_positions_sort_by_the_engines_money_columns(client, finance, three_positions):
    client.force_login(finance)
    # Costs: A 30,000, B 61,000, C 45,000. Funding capped at the cost: A 30,000,
    # B 57,000, C 45,000. Own share: B 61,000 - 57,000 = 4,000; A and C 0.
    response = client.get("/stellen/", {"year": 2024, "sort": "total_cost"})
    assert titles(response) == ["A", "C", "B"]
    response = client.get("/stellen/", {"year": 2024, "sort": "-funding"})
    assert titles(response) == ["B", "C", "A"]
    response = client.get("/stellen/", {"year": 2024, "sort": "-own_share"})
    assert titles(response)[0] == "B"
    html = response.content.decode()
    assert "4.000,00\xa0€" in html
    # One header marked: the own share, descending.
    marks = SORTED_HEADER.findall(html)
    assert len(marks) == 1
    assert 'aria-sort="descending"' in html


def test_the_default_order_marks_only_its_first_key(client, finance, three_positions):
    client.force_login(finance)
    # The position list's default order is block, then title: only "Baustein" is marked.
    html = client.get("/stellen/", {"year": 2024}).content.decode()
    assert len(SORTED_HEADER.findall(html)) == 1
    header = re.search(r'<th[^>]*aria-sort="ascending"[^>]*>(.*?)</th>', html, re.S).group(1)
    assert "Baustein" in header


def test_pay_grades_sort_naturally(client, finance, city):
    client.force_login(finance)
    block = BuildingBlockFactory(number=2)
    for code in ("E 11", "E 8", "E 12", "E 9b"):
        grade = PayGradeFactory(code=code)
        PositionFactory(recipient=city, block=block, title=f"Stelle {code}", pay_grade=grade)
        PayGradeCostFactory(pay_grade=grade, year=2024)
    expected = ["E 8", "E 9b", "E 11", "E 12"]
    assert list(PayGrade.objects.values_list("code", flat=True)) == expected

    response = client.get("/stellen/", {"year": 2024, "sort": "pay_grade"})
    assert [row.record.pay_grade.code for row in response.context["table"].rows] == expected
    response = client.get("/stellen/", {"year": 2024, "sort": "-pay_grade"})
    assert [row.record.pay_grade.code for row in response.context["table"].rows] == expected[::-1]

    response = client.get("/foerderung/personalkostensaetze/")
    assert [row.record.pay_grade.code for row in response.context["table"].rows] == expected


LISTS = [
    "/stellen/",
    "/foerderung/saetze/",
    "/foerderung/bescheide/",
    "/foerderung/programmkosten/",
    "/foerderung/ertragskonten/",
    "/foerderung/personalkostensaetze/",
    "/foerderung/fortschreibungen/",
    "/foerderung/jahresabschluesse/",
    "/foerderung/mittelabrufe/",
    "/foerderung/zahlungseingaenge/",
    "/foerderung/verwendungsnachweise/",
    "/traeger/weiterleitungen/",
    "/traeger/aufteilungen/",
    "/traeger/organisationen/",
    "/traeger/prognosen/",
    "/traeger/zahlungen/",
    "/traeger/abrechnungen/",
    "/traeger/abrechnungen/abschlaege/",
    "/berichte/",
]


def test_every_sortable_header_of_every_list_answers_with_one_mark(client, leverkusen):
    """Each header link of each list of the demo data: 200, one marked column, and every
    money column of the lists is among the sortable ones."""
    client.force_login(UserFactory(role="finance", organisation=leverkusen))
    checked = 0
    for url in LISTS:
        html = client.get(url).content.decode()
        money_headers = re.findall(r'<th scope="col" class="num"[^>]*>\s*(<a )?', html)
        assert all(link for link in money_headers), f"{url}: a money column cannot be sorted"
        for query in SORT_LINKS.findall(html):
            query = query.replace("&amp;", "&")
            response = client.get(f"{url}?{query}")
            assert response.status_code == 200, f"{url}?{query}"
            assert len(SORTED_HEADER.findall(response.content.decode())) == 1, f"{url}?{query}"
            checked += 1
    assert checked > 50
