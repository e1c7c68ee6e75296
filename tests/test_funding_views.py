"""The funding pages beyond the rates: grant notices with their blocks, programme costs,
revenue accounts and the pay-grade costs (read only). Each page against each role, German
input and messages, stale forms, the history with its rows, exports and query counts."""

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import load_workbook

from funding.models import (
    GrantNotice,
    GrantNoticeBlock,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
)
from staffing.models import PayGrade, PayGradeCost
from tests import generic
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OrganisationFactory,
    PayGradeCostFactory,
    ProgrammeCostFactory,
    ProgrammeFactory,
    RevenueAccountFactory,
    ScenarioFactory,
    TownFactory,
    YearClosingFactory,
)

pytestmark = pytest.mark.django_db

NOTICES = "/foerderung/bescheide/"
COSTS = "/foerderung/programmkosten/"
ACCOUNTS = "/foerderung/ertragskonten/"
PAY_GRADES = "/foerderung/personalkostensaetze/"
NBSP = "\u00a0"


@pytest.fixture
def blocks():
    programme = ProgrammeFactory()
    return {n: BuildingBlockFactory(programme=programme, number=n) for n in (1, 2, 3)}


def organisation_for(role, city):
    """The organisation a user of ``role`` belongs to; "other" is another recipient's finance."""
    return {
        "finance": city,
        "coordinator": city,
        "council": city,
        "carrier": CarrierFactory(),
        "town": TownFactory(),
        "other": OrganisationFactory(),
    }[role]


def user_role(role):
    return "finance" if role == "other" else role


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def notice_data(city, programme, rows=(), initial=0, **overrides):
    """A notice's form with its block rows: each row (block, fte, max, [id], [delete])."""
    data = {
        "recipient": city.id,
        "programme": programme.id,
        "reference": "KIM NRW 2021–2022",
        "issued_on": "15.02.2021",
        "period_start": "01.01.2021",
        "period_end": "31.12.2022",
        "notes": "",
        **management("blocks", len(rows), initial),
    }
    for i, row in enumerate(rows):
        block, fte, maximum, *rest = row
        data[f"blocks-{i}-block"] = block.id if block else ""
        data[f"blocks-{i}-approved_fte"] = fte
        data[f"blocks-{i}-max_personnel_funding"] = maximum
        if rest:
            data[f"blocks-{i}-id"] = rest[0]
        if len(rest) > 1 and rest[1]:
            data[f"blocks-{i}-DELETE"] = "on"
    data.update(overrides)
    return data


# --- the generic pages (tests.generic) ----------------------------------------------------------


class TestGrantNoticePages(generic.ObjectPages):
    model = GrantNotice

    def make(self, recipient):
        return GrantNoticeFactory(recipient=recipient)

    def form_data(self, recipient):
        return notice_data(recipient, ProgrammeFactory())

    created = {
        "reference": "KIM NRW 2021–2022",
        "issued_on": date(2021, 2, 15),
        "period_start": date(2021, 1, 1),
        "period_end": date(2022, 12, 31),
    }
    edit_changes = {"issued_on": "16.12.2020"}
    changed = {"issued_on": date(2020, 12, 16), "period_start": date(2021, 1, 1)}
    # The factory's notice was issued on 15.02.2023.
    history_shows = "15.02.2023 → 16.12.2020"
    # As test_notice_list_query_count_is_constant.
    list_queries = 9


class TestProgrammeCostPages(generic.ObjectPages):
    model = ProgrammeCost

    def make(self, recipient):
        return ProgrammeCostFactory(recipient=recipient)

    def form_data(self, recipient):
        return cost_data(recipient, BuildingBlockFactory(number=1))

    created = {"year": 2022, "amount": D("49000.00"), "category": "events", "scenario": None}
    edit_changes = {"amount": "48.500,50"}
    changed = {"amount": D("48500.50"), "year": 2022}
    # The factory's cost is 49,000.00.
    history_shows = "49.000,00 → 48.500,50"
    # As test_programme_cost_list_query_count_is_constant.
    list_queries = 8


class TestRevenueAccountPages(generic.ObjectPages):
    model = RevenueAccount
    # One account per revenue category and recipient, and there are two categories (the
    # list's query count for 10 and 1000 rows: test_revenue_account_list_query_count_...).
    query_rows = (1, 2)

    def make(self, recipient):
        taken = RevenueAccount.objects.filter(recipient=recipient).count()
        return RevenueAccountFactory(recipient=recipient, category=("personnel", "material")[taken])

    def form_data(self, recipient):
        return {"recipient": recipient.id, "category": "personnel", "ledger_account": "414101"}

    created = {"category": "personnel", "ledger_account": "414101", "budget_product": ""}
    edit_changes = {"ledger_account": "414109"}
    changed = {"ledger_account": "414109"}
    history_shows = "414101 → 414109"


class TestYearClosingPages(generic.ObjectPages):
    model = YearClosing

    def make(self, recipient):
        # One closing per recipient and year.
        year = 2000 + YearClosing.objects.filter(recipient=recipient).count()
        return YearClosingFactory(recipient=recipient, year=year, closed_on=date(2025, 4, 30))

    def form_data(self, recipient):
        return {"recipient": recipient.id, "year": "2023", "closed_on": "30.04.2024", "note": ""}

    created = {"year": 2023, "closed_on": date(2024, 4, 30)}
    edit_changes = {"closed_on": "16.12.2024", "note": "Nach der Prüfung"}
    changed = {"closed_on": date(2024, 12, 16), "note": "Nach der Prüfung"}
    history_shows = "30.04.2025 → 16.12.2024"


# --- roles against pages ----------------------------------------------------------------------

ROLES = ["finance", "coordinator", "council", "carrier", "town", "other"]
# Status of each page of a city's record per role: (list, detail, history, add, edit, delete,
# end). Carriers and towns see no grant notices, programme costs or revenue accounts.
EXPECTED = {
    "finance": (200, 200, 200, 200, 200, 200, 200),
    "coordinator": (200, 200, 200, 200, 200, 200, 200),
    "council": (200, 200, 200, 403, 403, 403, 403),
    "carrier": (200, 404, 404, 403, 403, 403, 403),
    "town": (200, 404, 404, 403, 403, 403, 403),
    "other": (200, 404, 404, 200, 404, 404, 404),
}


def records(city, blocks):
    notice = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    GrantNoticeBlockFactory(notice=notice, block=blocks[2], approved_fte=D("9"))
    return {
        NOTICES: notice,
        COSTS: ProgrammeCostFactory(recipient=city, block=blocks[1]),
        ACCOUNTS: RevenueAccountFactory(recipient=city),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("base", [NOTICES, COSTS, ACCOUNTS])
def test_each_role_gets_its_answer_on_each_page(client, login_as, city, blocks, role, base):
    login_as(user_role(role), organisation_for(role, city))
    obj = records(city, blocks)[base]
    pages = [
        base,
        f"{base}{obj.pk}/",
        f"{base}{obj.pk}/verlauf/",
        f"{base}neu/",
        f"{base}{obj.pk}/bearbeiten/",
        f"{base}{obj.pk}/loeschen/",
        f"{base}{obj.pk}/beenden/" if base == NOTICES else None,
    ]
    got = tuple(client.get(url).status_code if url else 200 for url in pages)
    expected = EXPECTED[role]
    if base != NOTICES:
        expected = (*expected[:6], 200)
    assert got == expected
    listed = {row.record.pk for row in client.get(base).context["table"].rows}
    assert listed == ({obj.pk} if role in ("finance", "coordinator", "council") else set())


@pytest.mark.parametrize("role", ["council", "carrier", "town", "other"])
def test_refused_writes_change_nothing(client, login_as, city, blocks, role):
    login_as(user_role(role), organisation_for(role, city))
    objs = records(city, blocks)
    notice = objs[NOTICES]
    refused = 404 if role == "other" else 403
    data = notice_data(city, blocks[1].programme, reference="geändert", version="1")
    assert client.post(f"{NOTICES}{notice.pk}/bearbeiten/", data).status_code == refused
    assert (
        client.post(f"{NOTICES}{notice.pk}/beenden/", {"period_end": "31.12.2030"}).status_code
        == refused
    )
    assert client.post(f"{NOTICES}{notice.pk}/loeschen/").status_code == refused
    cost = objs[COSTS]
    assert client.post(f"{COSTS}{cost.pk}/bearbeiten/", {"amount": "1,00"}).status_code == refused
    assert client.post(f"{COSTS}{cost.pk}/loeschen/").status_code == refused
    account = objs[ACCOUNTS]
    assert client.post(f"{ACCOUNTS}{account.pk}/loeschen/").status_code == refused
    if role != "other":
        assert client.post(f"{NOTICES}neu/", data).status_code == 403
        assert client.post(f"{COSTS}neu/", {}).status_code == 403
        assert client.post(f"{ACCOUNTS}neu/", {}).status_code == 403
    notice.refresh_from_db()
    cost.refresh_from_db()
    assert (notice.reference, notice.period_end, notice.version) == ("", None, 1)
    assert (cost.amount, cost.version) == (D("49000.00"), 1)
    assert GrantNotice.objects.count() == 1
    assert ProgrammeCost.objects.count() == RevenueAccount.objects.count() == 1


def test_council_sees_no_edit_buttons(client, login_as, city, blocks):
    login_as("council", city)
    notice = records(city, blocks)[NOTICES]
    page = client.get(f"{NOTICES}{notice.pk}/")
    html = page.content.decode()
    assert page.context["can_change"] is False
    assert "/bearbeiten/" not in html and "/loeschen/" not in html and "/beenden/" not in html
    assert "Neu anlegen" not in client.get(NOTICES).content.decode()


def test_finance_sees_edit_buttons(client, login_as, city, blocks):
    login_as("finance", city)
    notice = records(city, blocks)[NOTICES]
    html = client.get(f"{NOTICES}{notice.pk}/").content.decode()
    for link in ("bearbeiten/", "loeschen/", "beenden/", "verlauf/"):
        assert f"{NOTICES}{notice.pk}/{link}" in html
    assert "Neu anlegen" in client.get(NOTICES).content.decode()


# --- grant notices with their blocks ----------------------------------------------------------


def test_finance_creates_a_notice_with_its_blocks_in_german(client, login_as, city, blocks):
    user = login_as("finance", city)
    data = notice_data(
        city,
        blocks[1].programme,
        rows=[
            (blocks[1], "3", "160.000,00"),
            (blocks[2], "5", ""),
            (blocks[3], "2,25", "112.500,00"),
        ],
    )
    response = client.post(f"{NOTICES}neu/", data)
    notice = GrantNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{NOTICES}{notice.pk}/"
    assert (notice.issued_on, notice.period_start, notice.period_end, notice.version) == (
        date(2021, 2, 15),
        date(2021, 1, 1),
        date(2022, 12, 31),
        1,
    )
    rows = {b.block.number: (b.approved_fte, b.max_personnel_funding) for b in notice.blocks.all()}
    assert rows == {
        1: (D("3"), D("160000.00")),
        2: (D("5"), None),
        3: (D("2.25"), D("112500.00")),
    }
    assert notice.history.get().history_user == user
    assert {r.history_user for r in GrantNoticeBlock.history.all()} == {user}
    detail = client.get(f"{NOTICES}{notice.pk}/").content.decode()
    assert "160.000,00" in detail and "2,25" in detail


def test_a_block_twice_is_refused_at_the_row_and_nothing_saved(client, login_as, city, blocks):
    login_as("finance", city)
    data = notice_data(city, blocks[1].programme, rows=[(blocks[2], "5", ""), (blocks[2], "4", "")])
    response = client.post(f"{NOTICES}neu/", data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[1].errors["block"] == ["Dieser Baustein ist im Bescheid schon aufgeführt."]
    assert "Dieser Baustein ist im Bescheid schon aufgeführt." in response.content.decode()
    assert not GrantNotice.objects.exists() and not GrantNoticeBlock.objects.exists()


def test_bad_notice_input_is_answered_in_german_next_to_the_fields(client, login_as, city, blocks):
    login_as("finance", city)
    data = notice_data(
        city,
        blocks[1].programme,
        rows=[(blocks[2], "-1", "abc")],
        period_start="01.01.2023",
        period_end="31.12.2022",
        issued_on="31.02.2021",
    )
    response = client.post(f"{NOTICES}neu/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["issued_on"] == ["Bitte ein gültiges Datum eingeben."]
    assert errors["period_end"] == ["Das Ende darf nicht vor dem Beginn liegen."]
    row = response.context["formset"].forms[0].errors
    assert row["approved_fte"] == ["Die Stellenzahl darf nicht negativ sein."]
    assert row["max_personnel_funding"] == ["Bitte eine Zahl eingeben."]
    assert not GrantNotice.objects.exists()


@pytest.mark.history
def test_editing_rows_and_the_history_shows_them(client, login_as, city, blocks):
    user = login_as("finance", city, first_name="Frieda Finanz")
    notice = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    one = GrantNoticeBlockFactory(notice=notice, block=blocks[1], approved_fte=D("3"))
    two = GrantNoticeBlockFactory(notice=notice, block=blocks[2], approved_fte=D("9"))
    data = notice_data(
        city,
        blocks[1].programme,
        rows=[
            (blocks[1], "3", "", one.pk, True),
            (blocks[2], "8,5", "", two.pk),
            (blocks[3], "2,25", "112.500,00"),
        ],
        initial=2,
        version="1",
    )
    response = client.post(f"{NOTICES}{notice.pk}/bearbeiten/", data)
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.version == 2
    assert {b.block.number: b.approved_fte for b in notice.blocks.all()} == {
        2: D("8.5"),
        3: D("2.25"),
    }
    page = client.get(f"{NOTICES}{notice.pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page
    assert "Bewilligte Stellen (VZ)</strong>: 9,000 → 8,500" in page
    assert "Baustein 3: Baustein 3, Bewilligte Stellen (VZ) 2,250" in page  # added
    assert "Baustein 1: Baustein 1, Bewilligte Stellen (VZ) 3,000 → –" in page  # removed
    history = client.get(f"{NOTICES}{notice.pk}/verlauf/").context["entries"]
    assert {e["record"].history_user for e in history if e["record"].history_type != "+"} == {user}


def test_second_save_of_a_stale_notice_is_refused_with_its_rows(client, login_as, city, blocks):
    login_as("finance", city)
    notice = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    row = GrantNoticeBlockFactory(notice=notice, block=blocks[2], approved_fte=D("9"))
    url = f"{NOTICES}{notice.pk}/bearbeiten/"

    def data(fte):
        return notice_data(
            city,
            blocks[1].programme,
            rows=[(blocks[2], fte, "", row.pk)],
            initial=1,
            version="1",
        )

    assert client.post(url, data("8")).status_code == 302
    second = client.post(url, data("7"))
    assert second.status_code == 409
    html = second.content.decode()
    assert "Jemand anderes hat diesen Datensatz gespeichert" in html
    assert f"{NOTICES}{notice.pk}/verlauf/" in html
    # The second editor's input is still on the page.
    assert second.context["formset"].forms[0]["approved_fte"].value() == "7"
    row.refresh_from_db()
    notice.refresh_from_db()
    assert (row.approved_fte, notice.version) == (D("8"), 2)


@pytest.mark.history
def test_ending_a_notice(client, login_as, city, blocks):
    login_as("coordinator", city)
    notice = GrantNoticeFactory(recipient=city, period_start=date(2023, 1, 1))
    url = f"{NOTICES}{notice.pk}/beenden/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"period_end": "31.12.2022", "version": "1"})
    assert refused.context["form"].errors["period_end"] == [
        "Das Ende darf nicht vor dem Beginn liegen."
    ]
    empty = client.post(url, {"period_end": "", "version": "1"})
    assert empty.context["form"].errors["period_end"] == ["Dieses Feld ist zwingend erforderlich."]
    assert client.post(url, {"period_end": "31.12.2025", "version": "1"}).status_code == 302
    notice.refresh_from_db()
    assert (notice.period_end, notice.version) == (date(2025, 12, 31), 2)
    assert "– → 31.12.2025" in client.get(f"{NOTICES}{notice.pk}/verlauf/").content.decode()
    # Ended: the page offers no "Beenden" any more.
    assert client.get(f"{NOTICES}{notice.pk}/").context["can_end"] is False


def test_deleting_a_notice_deletes_its_blocks_and_keeps_the_history(client, login_as, city, blocks):
    user = login_as("finance", city)
    notice = GrantNoticeFactory(recipient=city, programme=blocks[1].programme)
    GrantNoticeBlockFactory(notice=notice, block=blocks[2])
    response = client.post(f"{NOTICES}{notice.pk}/loeschen/", {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == NOTICES
    assert not GrantNotice.objects.exists() and not GrantNoticeBlock.objects.exists()
    assert GrantNotice.history.filter(history_type="-").get().history_user == user
    assert GrantNoticeBlock.history.filter(history_type="-").get().history_user == user


def test_stale_delete_is_refused(client, login_as, city):
    login_as("finance", city)
    notice = GrantNoticeFactory(recipient=city)
    response = client.post(f"{NOTICES}{notice.pk}/loeschen/", {"version": "0"})
    assert response.status_code == 409
    assert GrantNotice.objects.filter(pk=notice.pk).exists()


def test_notice_list_totals_and_export(client, login_as, city, blocks):
    login_as("finance", city)
    first = GrantNoticeFactory(
        recipient=city, period_start=date(2021, 1, 1), period_end=date(2022, 12, 31)
    )
    GrantNoticeBlockFactory(notice=first, block=blocks[1], approved_fte=D("3"))
    GrantNoticeBlockFactory(notice=first, block=blocks[2], approved_fte=D("5"))
    second = GrantNoticeFactory(recipient=city, period_start=date(2023, 1, 1))
    GrantNoticeBlockFactory(
        notice=second, block=blocks[2], approved_fte=D("9"), max_personnel_funding=D("513000")
    )
    page = client.get(NOTICES)
    assert page.context["table"].totals == {"approved_fte": D("17")}
    html = page.content.decode()
    assert "Baustein 2: 9 VZ, höchstens 513.000,00" in html
    filtered = client.get(NOTICES, {"year": 2024})
    assert filtered.context["table"].totals == {"approved_fte": D("9")}
    csv = client.get(NOTICES, {"year": 2024, "export": "csv"}).content.decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].split(";") == [
        "Bescheid vom",
        "Art",
        "Aktenzeichen",
        "Zeitraum von",
        "Zeitraum bis",
        "Bewilligt je Baustein",
        "Bewilligte Stellen (VZ)",
    ]
    assert lines[1].split(";")[-2:] == ["Baustein 2: 9 VZ, höchstens 513.000,00\u00a0€", "9"]
    sheet = load_workbook(BytesIO(client.get(NOTICES, {"export": "xlsx"}).content)).active
    assert sheet.max_row == 4  # header, two notices, the totals row
    assert sheet["G2"].value == 9  # one column more since issue 15: "Art" (column B)


# --- programme costs and revenue accounts -----------------------------------------------------


def cost_data(city, block, **overrides):
    data = {
        "recipient": city.id,
        "block": block.id,
        "year": "2022",
        "category": "events",
        "status": "planned",
        "amount": "49.000,00",
        "budget_product": "IA 900006110102",
        "ledger_account": "549900",
        "description": "Veranstaltungen, Maßnahmen, externe Prozessbegleitung",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_a_programme_cost_in_german(client, login_as, city, blocks):
    user = login_as("coordinator", city)
    response = client.post(f"{COSTS}neu/", cost_data(city, blocks[1]))
    cost = ProgrammeCost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{COSTS}{cost.pk}/"
    assert (cost.year, cost.amount, cost.scenario, cost.version) == (2022, D("49000.00"), None, 1)
    assert cost.history.get().history_user == user
    detail = client.get(response["Location"]).content.decode()
    assert "49.000,00" in detail and "2022" in detail and "2.022" not in detail


def test_bad_programme_cost_input_is_answered_next_to_the_field(client, login_as, city, blocks):
    login_as("finance", city)
    response = client.post(
        f"{COSTS}neu/", cost_data(city, blocks[1], amount="-1,00", year="1889", category="")
    )
    errors = response.context["form"].errors
    assert errors["amount"] == ["Der Betrag darf nicht negativ sein."]
    assert errors["year"] == ["Bitte ein Jahr ab 1990 angeben."]
    assert errors["category"] == ["Dieses Feld ist zwingend erforderlich."]
    assert not ProgrammeCost.objects.exists()


def test_scenario_of_another_recipient_is_refused(client, login_as, city, blocks):
    login_as("admin", None)
    foreign = ScenarioFactory()
    response = client.post(f"{COSTS}neu/", cost_data(city, blocks[1], scenario=foreign.id))
    assert response.context["form"].errors["scenario"] == [
        "Das Szenario gehört zu einem anderen Empfänger."
    ]
    assert not ProgrammeCost.objects.exists()


def test_recipient_choices_are_recipients_only(client, login_as, city):
    login_as("admin", None)
    CarrierFactory()
    TownFactory()
    choices = client.get(f"{COSTS}neu/").context["form"].fields["recipient"].queryset
    assert {o.kind for o in choices} <= {"county", "county_free_city"}


@pytest.mark.history
def test_stale_programme_cost_and_its_history(client, login_as, city, blocks):
    login_as("finance", city, first_name="Frieda Finanz")
    cost = ProgrammeCostFactory(recipient=city, block=blocks[1], amount=D("49000"))
    url = f"{COSTS}{cost.pk}/bearbeiten/"
    assert (
        client.post(url, cost_data(city, blocks[1], amount="48.000,00", version="1")).status_code
        == 302
    )
    stale = client.post(url, cost_data(city, blocks[1], amount="47.000,00", version="1"))
    assert stale.status_code == 409
    cost.refresh_from_db()
    assert cost.amount == D("48000")
    page = client.get(f"{COSTS}{cost.pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page and "49.000,00 → 48.000,00" in page


def test_programme_cost_totals_and_export(client, login_as, city, blocks):
    login_as("finance", city)
    ProgrammeCostFactory(recipient=city, block=blocks[1], year=2022, amount=D("49000"))
    ProgrammeCostFactory(recipient=city, block=blocks[1], year=2023, amount=D("51234.56"))
    ProgrammeCostFactory(recipient=OrganisationFactory(), block=blocks[1], amount=D("1"))
    # A scenario's copy is not summed with the real plan.
    ProgrammeCostFactory(
        recipient=city, block=blocks[1], amount=D("7"), scenario=ScenarioFactory(recipient=city)
    )
    page = client.get(COSTS)
    assert page.context["table"].totals == {"amount": D("100234.56")}
    assert f"100.234,56{NBSP}€" in page.content.decode()
    assert client.get(COSTS, {"year": "2023"}).context["table"].totals == {"amount": D("51234.56")}
    sheet = load_workbook(BytesIO(client.get(COSTS, {"export": "xlsx"}).content)).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Jahr", "Baustein", "Art", "Stand", "Betrag"]
    assert "Zuwendungsempfänger" not in header  # one's own recipient only
    assert sorted(sheet.cell(row=r, column=5).value for r in (2, 3)) == [49000, 51234.56]
    assert sheet["A2"].value in (2022, 2023)


def test_revenue_account_create_and_duplicate(client, login_as, city):
    login_as("finance", city)
    data = {"recipient": city.id, "category": "personnel", "ledger_account": "414101"}
    assert client.post(f"{ACCOUNTS}neu/", data).status_code == 302
    again = client.post(f"{ACCOUNTS}neu/", {**data, "ledger_account": "414102"})
    assert again.status_code == 200
    assert "Für diese Ertragsart ist schon ein Konto hinterlegt." in again.content.decode()
    assert RevenueAccount.objects.get().ledger_account == "414101"


# --- pay-grade costs (read only) --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES + ["admin"])
def test_pay_grade_costs_are_read_only_for_everybody(client, login_as, city, role):
    organisation = None if role == "admin" else organisation_for(role, city)
    login_as(user_role(role), organisation)
    PayGradeCostFactory(employer_gross_per_fte=D("66000"))
    response = client.get(PAY_GRADES)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"66.000,00{NBSP}€" in html
    assert "Neu anlegen" not in html
    assert ("In der Verwaltung bearbeiten" in html) == (role == "admin")


def test_section_tabs_show_what_the_role_can_see(client, login_as, city):
    login_as("carrier", CarrierFactory())
    tabs = [t["label"] for t in client.get(PAY_GRADES).context["tabs"]]
    assert "Weiterleitungen" in tabs and "Personalkostensätze" in tabs
    assert "Bescheide" not in tabs and "Kostenaufteilungen" not in tabs
    client.logout()
    login_as("finance", city)
    tabs = client.get(NOTICES).context["tabs"]
    assert [t["label"] for t in tabs if t["current"]] == ["Bescheide"]
    # Nine sections (the pay rises of issue 14), the scenarios and the projections (issue 6),
    # and issue 15's application, deadlines, funds calls, payments, funds overview and proofs
    # of use; issue 16's organisational units.
    assert {"Fristen", "Organisationseinheiten"} <= {t["label"] for t in tabs}
    assert len(tabs) == 18 and [t["label"] for t in tabs[-2:]] == ["Szenarien", "Fortschreibungen"]


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_notice_list_query_count_is_constant(
    client, login_as, city, blocks, n, django_assert_num_queries
):
    login_as("finance", city)
    notices = GrantNotice.objects.bulk_create(
        GrantNotice(
            recipient=city,
            programme=blocks[1].programme,
            issued_on=date(2020, 1, 1),
            period_start=date(2020, 1, 1),
        )
        for _ in range(n)
    )
    GrantNoticeBlock.objects.bulk_create(
        GrantNoticeBlock(notice=notice, block=blocks[number], approved_fte=D("1"))
        for notice in notices
        for number in (1, 2)
    )
    # session, user with its role, permissions (1), organisation (page header), count, totals, page
    # rows, their blocks with the building blocks.
    # +1 for the filter selects (programme), queried once per page.
    with django_assert_num_queries(9):
        response = client.get(NOTICES)
    assert response.status_code == 200
    assert response.context["table"].totals == {"approved_fte": D(2 * n)}


@pytest.mark.parametrize("n", [10, 1000])
def test_programme_cost_list_query_count_is_constant(
    client, login_as, city, blocks, n, django_assert_num_queries
):
    login_as("finance", city)
    ProgrammeCost.objects.bulk_create(
        ProgrammeCost(
            recipient=city,
            block=blocks[1],
            year=2000 + i % 50,
            category="events",
            status="planned",
            amount=D("10.00"),
        )
        for i in range(n)
    )
    # session, user with its role, permissions (1), organisation (page header), count, totals, page
    # rows.
    # +1 for the filter selects (block), queried once per page.
    with django_assert_num_queries(8):
        response = client.get(COSTS)
    assert response.context["table"].totals == {"amount": D("10.00") * n}


@pytest.mark.parametrize("n", [10, 1000])
def test_revenue_account_list_query_count_is_constant(
    client, login_as, n, django_assert_num_queries
):
    recipients = OrganisationFactory._meta.model.objects.bulk_create(
        OrganisationFactory._meta.model(name=f"Kreis {i}", slug=f"k-{i}", kind="county")
        for i in range(n)
    )
    RevenueAccount.objects.bulk_create(
        RevenueAccount(recipient=r, category="personnel", ledger_account="414101")
        for r in recipients
    )
    login_as("admin", None)
    # session, user, count, page rows (admins have every permission without a lookup).
    # +1 for the filter selects (recipient, for an admin), queried once per page.
    with django_assert_num_queries(5):
        response = client.get(ACCOUNTS)
    assert response.status_code == 200
    assert response.context["result_count"] == n


@pytest.mark.parametrize("n", [10, 1000])
def test_pay_grade_cost_list_query_count_is_constant(
    client, login_as, city, n, django_assert_num_queries
):
    login_as("council", city)
    grades = PayGrade.objects.bulk_create(PayGrade(code=f"E {i}") for i in range(n))
    PayGradeCost.objects.bulk_create(
        PayGradeCost(pay_grade=g, year=2024, employer_gross_per_fte=D("60000")) for g in grades
    )
    # session, user with its role, permissions (1), organisation (page header), count, page rows.
    with django_assert_num_queries(6):
        response = client.get(PAY_GRADES)
    assert response.status_code == 200
