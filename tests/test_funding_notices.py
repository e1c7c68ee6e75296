"""Grant notices in dated versions (issue 15): the rule which version is in force, the engine's
block caps from it, the API's nested blocks, bad input, the notice page with its history."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funding import rules
from funding.calculations import GrantBlock, NoticeVersion, compute_year
from funding.choices import NoticeKind
from funding.models import GrantNotice, GrantNoticeBlock
from funding.selectors import notice_in_force, year_plan
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    ProgrammeFactory,
)
from tests.test_funding_views import management
from tests.test_funding_write_api import client_for

pytestmark = pytest.mark.django_db

NOTICES = "/foerderung/bescheide/"


# --- the rule (pure) ------------------------------------------------------------------------


def _version(id, start, end=None, amends=None, effective=None, issued=None, blocks=()):
    return NoticeVersion(
        id=id,
        amends=amends,
        issued_on=issued or start,
        effective_from=effective or start,
        period_start=start,
        period_end=end,
        blocks=tuple(blocks),
    )


ORIGINAL = _version(
    1,
    date(2024, 1, 1),
    blocks=[GrantBlock(1, D("3"), D("160000")), GrantBlock(2, D("9"))],
)
# Takes effect 01.07.2025 and changes block 1 only: 2.5 FTE, at most 140,000 a year.
AMENDMENT = _version(
    2,
    date(2024, 1, 1),
    amends=1,
    effective=date(2025, 7, 1),
    issued=date(2025, 6, 20),
    blocks=[GrantBlock(1, D("2.5"), D("140000"))],
)


def test_an_amendment_replaces_the_block_it_changes_and_keeps_the_others():
    in_force = rules.notice_in_force([ORIGINAL, AMENDMENT], date(2025, 1, 1), date(2025, 12, 31))
    assert in_force.notice == ORIGINAL and in_force.version == AMENDMENT
    # Block 1 from the amendment (not 3 + 2.5 = 5.5 FTE), block 2 unchanged from the original.
    assert in_force.blocks == (GrantBlock(1, D("2.5"), D("140000")), GrantBlock(2, D("9")))


def test_before_the_amendment_the_original_is_in_force():
    versions = [ORIGINAL, AMENDMENT]
    year_2024 = rules.notice_in_force(versions, date(2024, 1, 1), date(2024, 12, 31))
    assert year_2024.version == ORIGINAL and year_2024.blocks == ORIGINAL.blocks
    # On a day: the day before it takes effect the original, from that day the amendment.
    assert rules.notice_in_force(versions, date(2025, 6, 30), date(2025, 6, 30)).version == ORIGINAL
    assert rules.notice_in_force(versions, date(2025, 7, 1), date(2025, 7, 1)).version == AMENDMENT


def test_a_later_amendment_replaces_an_earlier_one_and_a_follow_up_its_predecessor():
    second = _version(
        3,
        date(2024, 1, 1),
        amends=1,
        effective=date(2026, 1, 1),
        blocks=[GrantBlock(1, D("2"), None)],
    )
    in_force = rules.notice_in_force(
        [second, AMENDMENT, ORIGINAL], date(2026, 1, 1), date(2026, 12, 31)
    )
    assert in_force.amendments == (AMENDMENT, second)
    assert in_force.blocks == (GrantBlock(1, D("2"), None), GrantBlock(2, D("9")))

    first = _version(10, date(2021, 1, 1), date(2022, 12, 31), blocks=[GrantBlock(2, D("5"))])
    follow_up = _version(11, date(2023, 1, 1), blocks=[GrantBlock(2, D("9"))])
    assert rules.notice_in_force(
        [first, follow_up], date(2022, 1, 1), date(2022, 12, 31)
    ).blocks == (GrantBlock(2, D("5")),)
    assert rules.notice_in_force(
        [first, follow_up], date(2023, 1, 1), date(2023, 12, 31)
    ).blocks == (GrantBlock(2, D("9")),)
    assert rules.notice_in_force([first], date(2020, 1, 1), date(2020, 12, 31)) is None


# --- the engine uses the version in force ------------------------------------------------------


@pytest.fixture
def capped_block(city):
    """Block 2 with two positions of 1.0 FTE filled all year, each 61,000 employer gross in
    2024 and 2025, rate 57,000 capped at the cost: 2 × 57,000 = 114,000 before the notice's
    cap. The original (from 01.01.2024) caps the block at 110,000; an amendment taking effect
    01.04.2025 caps it at 100,000 (and lowers the FTE to 1.8)."""
    programme = ProgrammeFactory()
    block = BuildingBlockFactory(programme=programme, number=2)
    FundingRateFactory(
        programme=programme,
        block=block,
        amount=D("57000.00"),
        valid_from=date(2023, 1, 1),
        capped_at_cost=True,
    )
    for title in ("A", "B"):
        position = PositionFactory(
            recipient=city, block=block, title=title, planned_start=date(2024, 1, 1), fte=D("1")
        )
        OccupancyFactory(position=position, start=date(2024, 1, 1), end=None, fte=D("1"))
        for year in (2024, 2025):
            PositionCostFactory(position=position, year=year, employer_gross=D("61000.00"))
    original = GrantNoticeFactory(
        recipient=city,
        programme=programme,
        period_start=date(2024, 1, 1),
        issued_on=date(2024, 2, 1),
    )
    GrantNoticeBlockFactory(
        notice=original, block=block, approved_fte=D("2"), max_personnel_funding=D("110000")
    )
    amendment = GrantNoticeFactory(
        recipient=city,
        programme=programme,
        kind=NoticeKind.AMENDMENT,
        amends=original,
        issued_on=date(2025, 3, 10),
        effective_from=date(2025, 4, 1),
        period_start=date(2024, 1, 1),
    )
    GrantNoticeBlockFactory(
        notice=amendment, block=block, approved_fte=D("1.8"), max_personnel_funding=D("100000")
    )
    return original, amendment


def test_the_engine_caps_the_block_with_the_amendment_from_its_year(city, capped_block):
    original, amendment = capped_block
    # 2024: the original's cap: 114,000 → 110,000 (each position 57,000 − 2,000 = 55,000).
    year_2024 = compute_year(year_plan(city, 2024))
    assert year_2024.totals.funding == D("110000.00")
    assert {r.amounts.funding for r in year_2024.positions} == {D("55000.00")}
    # 2025: the amendment replaces the cap: 114,000 → 100,000 (each 50,000), never the sum
    # of both caps (210,000) nor the original's 110,000.
    year_2025 = compute_year(year_plan(city, 2025))
    assert year_2025.totals.funding == D("100000.00")
    assert {r.amounts.funding for r in year_2025.positions} == {D("50000.00")}
    # The selector names the version: the original in 2024, the amendment in 2025.
    assert notice_in_force(city, 2024).version.id == original.pk
    assert notice_in_force(city, 2025).version.id == amendment.pk
    assert notice_in_force(city, date(2025, 3, 31)).version.id == original.pk
    assert notice_in_force(city, date(2025, 4, 1)).blocks[0].approved_fte == D("1.8")


def test_the_funds_approval_follows_the_amendment_from_its_year(city, capped_block):
    from funding.funds.selectors import approved_total

    # Approved personnel funding: approved FTE × 57,000, at most the notice's cap; no
    # workplace allowance or events budget in this programme (no such rates).
    # 2024, the original: min(2 × 57,000 = 114,000, 110,000) = 110,000.
    assert approved_total(city, 2024) == D("110000.00")
    # 2025, the amendment: min(1.8 × 57,000 = 102,600, 100,000) = 100,000, never the sum.
    assert approved_total(city, 2025) == D("100000.00")


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def blocks():
    programme = ProgrammeFactory()
    return {n: BuildingBlockFactory(programme=programme, number=n) for n in (1, 2, 3)}


def _payload(city, blocks, rows=None, **overrides):
    return {
        "recipient": city.id,
        "programme": blocks[1].programme_id,
        "reference": "KIM NRW 2021–2022",
        "issued_on": "2021-02-15",
        "period_start": "2021-01-01",
        "period_end": "2022-12-31",
        "blocks": rows
        if rows is not None
        else [
            {"block": blocks[1].id, "approved_fte": "3", "max_personnel_funding": "160000.00"},
            {"block": blocks[2].id, "approved_fte": "5"},
        ],
        **overrides,
    }


def test_api_round_trip_stores_blocks_and_patch_replaces_them(city, blocks):
    client, user = client_for("finance", city)
    response = client.post(reverse("api:grantnotice-list"), _payload(city, blocks), format="json")
    assert response.status_code == 201, response.data
    assert [
        (b["block_number"], b["approved_fte"], b["max_personnel_funding"])
        for b in response.data["blocks"]
    ] == [
        (1, "3.000", "160000.00"),
        (2, "5.000", None),
    ]
    assert (
        response.data["kind"] == "original" and response.data["kind_label"] == "Zuwendungsbescheid"
    )
    notice = GrantNotice.objects.get()
    assert {r.history_user for r in GrantNoticeBlock.history.all()} == {user}

    url = reverse("api:grantnotice-detail", args=[notice.pk])
    response = client.patch(
        url,
        {
            "blocks": [
                {"block": blocks[2].id, "approved_fte": "4.5"},
                {
                    "block": blocks[3].id,
                    "approved_fte": "2.25",
                    "max_personnel_funding": "112500.00",
                },
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    assert [(b["block_number"], b["approved_fte"]) for b in client.get(url).json()["blocks"]] == [
        (2, "4.500"),
        (3, "2.250"),
    ]
    # Block 2 kept its row (its history shows the change), block 1 removed, block 3 added.
    assert GrantNoticeBlock.objects.filter(notice=notice).count() == 2
    assert GrantNoticeBlock.history.filter(history_type="~").count() == 1


def test_api_amendment_with_its_changed_block(city, blocks):
    client, _user = client_for("coordinator", city)
    original = client.post(reverse("api:grantnotice-list"), _payload(city, blocks), format="json")
    amendment = _payload(
        city,
        blocks,
        kind="amendment",
        amends=original.data["id"],
        issued_on="2022-03-01",
        effective_from="2022-01-01",
        period_start="2022-01-01",
        rows=[{"block": blocks[2].id, "approved_fte": "6"}],
    )
    response = client.post(reverse("api:grantnotice-list"), amendment, format="json")
    assert response.status_code == 201, response.data
    assert response.data["amends"] == original.data["id"]
    assert notice_in_force(city, 2021).blocks[1].approved_fte == D("5")
    assert notice_in_force(city, 2022).blocks[1].approved_fte == D("6")


def test_api_amendment_outside_the_amended_period_is_refused_at_its_field(city, blocks):
    client, _user = client_for("finance", city)
    original = client.post(reverse("api:grantnotice-list"), _payload(city, blocks), format="json")
    data = _payload(
        city,
        blocks,
        kind="amendment",
        amends=original.data["id"],
        effective_from="2023-01-01",
        rows=[{"block": blocks[2].id, "approved_fte": "6"}],
    )
    response = client.post(reverse("api:grantnotice-list"), data, format="json")
    assert response.status_code == 400
    assert response.data["effective_from"] == [
        "Die Änderung muss im Bewilligungszeitraum des geänderten Bescheids wirksam werden "
        "(01.01.2021 – 31.12.2022)."
    ]
    assert GrantNotice.objects.count() == 1 and GrantNoticeBlock.objects.count() == 2


def test_api_amendment_in_force_before_its_own_period_is_refused(city, blocks):
    client, _user = client_for("finance", city)
    original = client.post(reverse("api:grantnotice-list"), _payload(city, blocks), format="json")
    data = _payload(
        city,
        blocks,
        kind="amendment",
        amends=original.data["id"],
        effective_from="2021-06-01",
        period_start="2022-01-01",
        rows=[{"block": blocks[2].id, "approved_fte": "6"}],
    )
    response = client.post(reverse("api:grantnotice-list"), data, format="json")
    assert response.status_code == 400
    assert response.data["effective_from"] == [
        "Die Änderung kann nicht vor Beginn ihres eigenen Bewilligungszeitraums wirksam werden."
    ]
    assert GrantNotice.objects.count() == 1


def test_api_amendment_without_the_notice_it_amends_is_refused(city, blocks):
    client, _user = client_for("finance", city)
    response = client.post(
        reverse("api:grantnotice-list"), _payload(city, blocks, kind="amendment"), format="json"
    )
    assert response.status_code == 400
    assert response.data["amends"] == [
        "Ein Änderungsbescheid muss den Bescheid nennen, den er ändert."
    ]
    assert not GrantNotice.objects.exists()


def test_api_same_block_twice_is_refused_and_nothing_saved(city, blocks):
    client, _user = client_for("finance", city)
    data = _payload(
        city,
        blocks,
        rows=[
            {"block": blocks[2].id, "approved_fte": "5"},
            {"block": blocks[2].id, "approved_fte": "4"},
        ],
    )
    response = client.post(reverse("api:grantnotice-list"), data, format="json")
    assert response.status_code == 400
    assert response.data["blocks"] == ["Dieser Baustein ist im Bescheid schon aufgeführt."]
    assert not GrantNotice.objects.exists() and not GrantNoticeBlock.objects.exists()


def test_api_refuses_to_amend_another_recipients_notice(city, blocks):
    foreign = GrantNoticeFactory(recipient=OrganisationFactory(), programme=blocks[1].programme)
    client, _user = client_for("finance", city)
    data = _payload(city, blocks, kind="amendment", amends=foreign.pk, effective_from="2023-06-01")
    response = client.post(reverse("api:grantnotice-list"), data, format="json")
    assert response.status_code == 400
    assert "amends" in response.data
    assert GrantNotice.objects.count() == 1


# --- the notice page -------------------------------------------------------------------------


def test_coordinator_adds_an_amendment_in_the_browser_and_sees_the_history(
    client, login_as, city, blocks
):
    login_as("coordinator", city)
    original = GrantNoticeFactory(
        recipient=city,
        programme=blocks[1].programme,
        issued_on=date(2023, 2, 15),
        period_start=date(2023, 1, 1),
        reference="AZ 1",
    )
    GrantNoticeBlockFactory(
        notice=original, block=blocks[1], approved_fte=D("3"), max_personnel_funding=D("160000")
    )
    GrantNoticeBlockFactory(notice=original, block=blocks[2], approved_fte=D("9"))
    response = client.get(original.get_absolute_url())
    # No date of its own: it takes effect when its period starts, and the page says so.
    assert dict(response.context["fields"])["Wirksam ab"] == "01.01.2023"
    page = response.content.decode()
    amend_url = f"{NOTICES}{original.pk}/aendern/"
    assert f'href="{amend_url}"' in page and "Änderungsbescheid hinzufügen" in page

    form = client.get(amend_url)
    assert form.status_code == 200
    assert form.context["form"].initial["amends"] == original.pk
    data = {
        "recipient": city.id,
        "programme": blocks[1].programme_id,
        "kind": "amendment",
        "amends": original.pk,
        "reference": "AZ 1, 1. Änderung",
        "issued_on": "10.03.2025",
        "effective_from": "01.04.2025",
        "period_start": "01.01.2023",
        "period_end": "",
        "notes": "",
        **management("blocks", 1),
        "blocks-0-block": blocks[2].id,
        "blocks-0-approved_fte": "7,5",
        "blocks-0-max_personnel_funding": "",
    }
    response = client.post(amend_url, data)
    assert response.status_code == 302, response.context["form"].errors
    amendment = GrantNotice.objects.get(kind=NoticeKind.AMENDMENT)
    assert amendment.amends == original and amendment.effective_from == date(2025, 4, 1)

    page = client.get(original.get_absolute_url()).content.decode()
    assert "Bescheidverlauf" in page
    assert "Änderungsbescheid vom 10.03.2025" in page
    assert "01.04.2025" in page
    assert "9 → 7,5" in page
    # The amendment's own page shows the same history and no second "add amendment".
    page = client.get(amendment.get_absolute_url()).content.decode()
    assert "Bescheidverlauf" in page and "Änderungsbescheid hinzufügen" not in page


def test_browser_amendment_outside_the_period_is_refused_at_its_field(
    client, login_as, city, blocks
):
    login_as("finance", city)
    original = GrantNoticeFactory(
        recipient=city,
        programme=blocks[1].programme,
        period_start=date(2021, 1, 1),
        period_end=date(2022, 12, 31),
    )
    data = {
        "recipient": city.id,
        "programme": blocks[1].programme_id,
        "kind": "amendment",
        "amends": original.pk,
        "issued_on": "10.03.2023",
        "effective_from": "01.01.2023",
        "period_start": "01.01.2021",
        "period_end": "31.12.2022",
        **management("blocks", 0),
    }
    response = client.post(f"{NOTICES}{original.pk}/aendern/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["effective_from"] == [
        "Die Änderung muss im Bewilligungszeitraum des geänderten Bescheids wirksam werden "
        "(01.01.2021 – 31.12.2022)."
    ]
    assert GrantNotice.objects.count() == 1


def test_amending_a_notice_outside_the_scope_answers_404(client, login_as, city, blocks):
    login_as("finance", city)
    foreign = GrantNoticeFactory(recipient=OrganisationFactory(), programme=blocks[1].programme)
    assert client.get(f"{NOTICES}{foreign.pk}/aendern/").status_code == 404
    login_as("council", city)
    own = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    assert client.get(f"{NOTICES}{own.pk}/aendern/").status_code == 403


@pytest.mark.parametrize("n", [1, 20])
def test_notice_page_with_its_history_query_count_is_constant(client, login_as, city, blocks, n):
    login_as("coordinator", city)
    original = GrantNoticeFactory(
        recipient=city, programme=blocks[1].programme, period_start=date(2020, 1, 1)
    )
    for number in (1, 2, 3):
        GrantNoticeBlockFactory(notice=original, block=blocks[number], approved_fte=D("1"))
    for i in range(n):
        amendment = GrantNoticeFactory(
            recipient=city,
            programme=blocks[1].programme,
            kind=NoticeKind.AMENDMENT,
            amends=original,
            effective_from=date(2020 + i % 5, 1 + i % 12, 1),
            period_start=date(2020, 1, 1),
        )
        GrantNoticeBlockFactory(notice=amendment, block=blocks[2], approved_fte=D(i))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(original.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["notice_history"].entries) == n + 1
    # The same for 1 and for 20 amendments: session, user with its role, the notice, permissions
    # (1), the scope check, the history's versions with their blocks (2), the menu's count,
    # the organisation (page header), the notice's own blocks.
    assert len(queries) == 10


def test_the_list_total_does_not_add_an_amendment_to_its_notice(client, login_as, city, blocks):
    login_as("finance", city)
    original = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    GrantNoticeBlockFactory(notice=original, block=blocks[2], approved_fte=D("9"))
    amendment = GrantNoticeFactory(
        recipient=city,
        programme=blocks[1].programme,
        kind=NoticeKind.AMENDMENT,
        amends=original,
        effective_from=date(2024, 1, 1),
    )
    GrantNoticeBlockFactory(notice=amendment, block=blocks[2], approved_fte=D("9"))
    response = client.get(NOTICES)
    # 9 FTE approved, confirmed by the amendment: 9, not 18.
    assert response.context["table"].totals == {"approved_fte": D("9")}


# --- the demo data ---------------------------------------------------------------------------


def test_leverkusen_demo_amendment_changes_no_figure(demo_data):
    from carriers.models import Organisation

    leverkusen = Organisation.objects.get(slug="leverkusen")
    amendment = GrantNotice.objects.get(recipient=leverkusen, kind=NoticeKind.AMENDMENT)
    assert "Beispiel, nicht aus den Ratsvorlagen" in amendment.notes
    # Seed 001 / 000: 3 FTE (block 1, at most 160,000), 9 case managers from 2023, 2.25 FTE
    # (block 3, at most 112,500); 5 case managers in 2021–2022.
    expected_from_2023 = (
        GrantBlock(1, D("3.000"), D("160000.00")),
        GrantBlock(2, D("9.000"), None),
        GrantBlock(3, D("2.250"), D("112500.00")),
    )
    assert notice_in_force(leverkusen, 2022).blocks[1] == GrantBlock(2, D("5.000"), None)
    for year in (2023, 2024, 2025, 2026):
        assert notice_in_force(leverkusen, year).blocks == expected_from_2023
    assert notice_in_force(leverkusen, 2024).version.id == amendment.pk


def test_a_notice_with_amendments_is_not_deleted_under_them(blocks):
    # Its own recipient: the demo data of the test above (module-wide) holds "leverkusen".
    city = OrganisationFactory()
    client, _user = client_for("finance", city)
    original = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    GrantNoticeBlockFactory(notice=original, block=blocks[2], approved_fte=D("9"))
    GrantNoticeFactory(
        recipient=city,
        programme=blocks[1].programme,
        kind=NoticeKind.AMENDMENT,
        amends=original,
        effective_from=date(2024, 1, 1),
    )
    response = client.delete(reverse("api:grantnotice-detail", args=[original.pk]))
    assert response.status_code == 409
    # Nothing half-deleted: the original keeps its block.
    assert GrantNotice.objects.filter(recipient=city).count() == 2
    assert original.blocks.count() == 1
