"""The Excel import: template, upload, one report of every bad row, preview, apply (all or
nothing, the user in the history), stale previews, roles and scope, query counts.

The XLSX files are built here with openpyxl; ``xlsx(...)`` takes rows as dicts keyed by the
header, and a sheet has exactly the columns its rows name (a missing column leaves a field
unchanged)."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from kim_admin.validators import FTE_RANGE
from staffing.imports.columns import COSTS, POSITIONS, SHEETS
from staffing.imports.plan import build_plan
from staffing.imports.state import load_state, referenced_ids
from staffing.imports.workbook import (
    MAX_FILE_BYTES,
    XLSX_MAIN_TYPE,
    parse_cell,
    parse_decimal_text,
    read_workbook,
)
from staffing.models import Occupancy, OrganisationalUnit, Position, PositionCost
from staffing.services import OccupancyPeriod, position_save
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    OccupancyFactory,
    OrganisationFactory,
    PayGradeFactory,
    PositionCostFactory,
    PositionFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UPLOAD = "/import/"
TEMPLATE = "/import/vorlage.xlsx"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.KIM_IMPORT_DIR = str(tmp_path / "imports")


@pytest.fixture
def plan(city):
    """Two positions of the city's real plan: one at the KI with an occupancy and a 2024
    cost, one at a carrier with no occupancy."""
    for number in (1, 3):
        BuildingBlockFactory(number=number)
    block = BuildingBlockFactory(number=2)
    grade = PayGradeFactory(code="S 12")
    carrier = CarrierFactory(name="Caritasverband Leverkusen", slug="caritas-leverkusen")
    ki = PositionFactory(
        recipient=city,
        block=block,
        title="Casemanagement KI 1",
        fte=D("1"),
        pay_grade=grade,
        department="Kommunales Integrationszentrum",
        planned_start=date(2023, 1, 1),
    )
    OccupancyFactory(position=ki, start=date(2023, 1, 1), end=None, fte=D("1"))
    PositionCostFactory(position=ki, year=2024, status="planned", employer_gross=D("60000"))
    caritas = PositionFactory(
        recipient=city,
        block=block,
        title="Casemanagement Caritas 1",
        fte=D("0.5"),
        employer=carrier,
        planned_start=date(2023, 1, 1),
    )
    return {"ki": ki, "caritas": caritas, "carrier": carrier, "block": block}


def login(client, user):
    client.force_login(user)
    return client


def xlsx(stellen=None, besetzungen=None, kosten=None, *, extra_sheets=()) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in (("Stellen", stellen), ("Besetzungen", besetzungen), ("Kosten", kosten)):
        if rows is None:
            continue
        sheet = workbook.create_sheet(name)
        headers = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h) for h in headers])
    for name in extra_sheets:
        workbook.create_sheet(name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name="import.xlsx", **extra):
    file = io.BytesIO(data)
    file.name = name
    return client.post(UPLOAD, {"file": file, **extra})


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def plain(response) -> str:
    """The page as text: tags removed, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def report_rows(response) -> list[tuple[str, str, str, str]]:
    """The problem report's rows as (sheet, row, column, message)."""
    body = response.content.decode()
    table = body[body.index('class="table report__table"') :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows.append(tuple(cells))
    return rows


def state_of_database():
    """Everything the import could touch, to prove that nothing was written."""
    return (
        sorted(Position.objects.values_list("pk", "version", "title", "fte")),
        sorted(Occupancy.objects.values_list("pk", "version", "start", "end", "fte")),
        sorted(PositionCost.objects.values_list("pk", "version", "employer_gross")),
        Position.history.count(),
        Occupancy.history.count(),
        PositionCost.history.count(),
    )


def preview(client, response):
    assert response.status_code == 302, report_rows(response)
    url = response["Location"]
    token = url.strip("/").split("/")[1]
    return client.get(url), token


def apply(client, token):
    return client.post(f"/import/{token}/anwenden/")


# --- template ----------------------------------------------------------------------------------


def test_template_has_three_sheets_german_headers_help_lists_and_the_positions(
    client, plan, finance
):
    response = login(client, finance).get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MAIN_TYPE.replace(".main+xml", "")
    assert 'filename="kim-import-leverkusen-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Stellen", "Besetzungen", "Kosten"]
    for spec in SHEETS:
        sheet = workbook[spec.name]
        assert [c.value for c in sheet[1]] == [c.header for c in spec.columns]
        assert all(c.comment and c.comment.text for c in sheet[1])  # the format help
    stellen = workbook["Stellen"]
    headers = [c.value for c in stellen[1]]
    for header in (
        "ID",
        "Bezeichnung",
        "Baustein",
        "Förderart",
        "Stellenanteil (VZ)",
        "Anstellungsträger (Kürzel)",
        "Organisationseinheit",
        "Entgeltgruppe",
        "Produkt",
        "Sachkonto",
        "Kostenstelle",
        "Beginn",
        "Ende",
    ):
        assert header in headers
    assert "01.07.2023" in stellen["L1"].comment.text
    rows = {row[0]: row for row in stellen.iter_rows(min_row=2, values_only=True)}
    ki = rows[plan["ki"].pk]
    assert ki[1:6] == ("Casemanagement KI 1", 2, "Casemanagement", 1, "leverkusen")
    assert ki[7] == "S 12" and ki[11].date() == date(2023, 1, 1)
    assert rows[plan["caritas"].pk][5] == "caritas-leverkusen"
    occupancy = list(workbook["Besetzungen"].iter_rows(min_row=2, values_only=True))
    assert occupancy == [(plan["ki"].pk, "Casemanagement KI 1", occupancy[0][2], None, 1, None)]
    costs = list(workbook["Kosten"].iter_rows(min_row=2, values_only=True))
    assert costs[0][:5] == (plan["ki"].pk, "Casemanagement KI 1", 2024, "Plan", 60000)
    lists = {
        spec.name: [v.formula1 for v in workbook[spec.name].data_validations.dataValidation]
        for spec in SHEETS
    }
    assert '"1,2,3"' in lists["Stellen"]
    assert any("Casemanagement" in f for f in lists["Stellen"])
    assert '"Plan,Prognose,Ist"' in lists["Kosten"]


def test_template_unchanged_is_a_preview_without_changes(client, plan, finance):
    login(client, finance)
    data = client.get(TEMPLATE).content
    page, _token = preview(client, upload(client, data, "vorlage.xlsx"))
    assert page.status_code == 200
    body = text(page)
    assert "Die Datei enthält keine Änderungen" in body
    assert "2 Stellen, 1 Besetzungen und 1 Kostenzeilen unverändert" in body
    assert "Änderungen übernehmen" not in body


def test_admin_template_for_a_chosen_recipient_and_an_empty_one(client, plan, city):
    admin = UserFactory(role="admin", organisation=None)
    login(client, admin)
    filled = load_workbook(io.BytesIO(client.get(f"{TEMPLATE}?empfaenger=leverkusen").content))
    assert filled["Stellen"].max_row == 3
    empty = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    assert empty["Stellen"].max_row == 1
    assert client.get(f"{TEMPLATE}?empfaenger=gibt-es-nicht").status_code == 404


# --- a good file: preview, then apply ----------------------------------------------------------


def good_file(plan) -> bytes:
    ki = plan["ki"]
    return xlsx(
        stellen=[
            {
                "ID": ki.pk,
                "Bezeichnung": "Casemanagement KI 1",
                "Baustein": 2,
                "Förderart": "Casemanagement",
                "Stellenanteil (VZ)": 1,
                "Anstellungsträger (Kürzel)": "leverkusen",
                "Organisationseinheit": "KI Leverkusen",
                "Kostenstelle": 120550,  # a numeric cell
                "Beginn": date(2023, 1, 1),
            },
            {
                "ID": None,
                "Bezeichnung": "Casemanagement KI 4",
                "Baustein": 2,
                "Förderart": "Casemanagement",
                "Stellenanteil (VZ)": "0,5",
                "Anstellungsträger (Kürzel)": "leverkusen",
                "Organisationseinheit": "Kommunales Integrationszentrum",
                "Kostenstelle": "120550",
                "Beginn": "01.07.2025",
            },
        ],
        besetzungen=[
            {
                "Stellen-ID": ki.pk,
                "Besetzt ab": date(2023, 1, 1),
                "Besetzt bis": "30.06.2025",
                "Anteil (VZ)": 1,
            },
            {
                "Stellen-ID": ki.pk,
                "Besetzt ab": "01.07.2025",
                "Besetzt bis": None,
                "Anteil (VZ)": 0.5,
            },
            {
                "Stelle (Bezeichnung)": "Casemanagement KI 4",
                "Besetzt ab": "01.09.2025",
                "Anteil (VZ)": "0,5",
            },
        ],
        kosten=[
            {
                "Stellen-ID": ki.pk,
                "Jahr": 2024,
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "61.500,00",
                "Gemeinkosten (%)": "20 %",
            },
            {
                "Stellen-ID": ki.pk,
                "Jahr": "2025",
                "Stand": "Prognose",
                "Arbeitgeberbrutto (€)": 63000.5,
            },
            {
                "Stelle (Bezeichnung)": "Casemanagement KI 4",
                "Jahr": 2025,
                "Stand": "plan",
                "Arbeitgeberbrutto (€)": "19.000",
                "Sachkosten (€)": "4.850,00",
            },
        ],
    )


def test_good_file_preview_lists_the_changes_and_apply_writes_them_with_the_user(
    client, plan, finance
):
    ki = plan["ki"]
    login(client, finance)
    before = state_of_database()
    page, token = preview(client, upload(client, good_file(plan), "stellen.xlsx"))
    assert page.status_code == 200
    assert state_of_database() == before  # the preview writes nothing
    body = text(page)
    assert "Neue Stellen (1)" in body and "Casemanagement KI 4" in body
    assert "Geänderte Stellen (1)" in body
    words = plain(page)
    assert "Organisationseinheit Kommunales Integrationszentrum KI Leverkusen" in words
    assert "Kostenstelle – 120550" in words
    # Occupancy: the open period now ends, a new one starts; the new position's is added.
    assert "01.01.2023 – offen: 1 VZ" in body and "01.01.2023 – 30.06.2025: 1 VZ" in body
    assert "01.07.2025 – offen: 0,5 VZ" in body and "01.09.2025 – offen: 0,5 VZ" in body
    # Costs: one changed (old -> new), two new.
    raw = page.content.decode()
    assert "<del>60.000,00\u00a0€</del> → <ins>61.500,00\u00a0€</ins>" in raw
    assert "63.000,50\u00a0€" in raw and "19.000,00\u00a0€" in raw
    counts = re.search(r"<th scope=\"row\">Kosten</th>(.*?)</tr>", page.content.decode()).group(1)
    assert re.findall(r">(\d+|–)<", counts) == ["2", "1", "–", "0"]

    marks = {
        model: model.history.order_by("-history_id").values_list("history_id", flat=True).first()
        or 0
        for model in (Position, Occupancy, PositionCost)
    }
    # The city's KI as a unit: a sheet's text that names it places the position there.
    unit = OrganisationalUnit.objects.create(
        recipient_id=ki.recipient_id, name="Kommunales Integrationszentrum"
    )
    response = apply(client, token)
    assert response.status_code == 302, text(response)[:3000]
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Import übernommen" in text(done)

    ki.refresh_from_db()
    assert ki.department == "KI Leverkusen" and ki.cost_centre == "120550"
    assert ki.unit is None  # no unit of that name
    new = Position.objects.get(title="Casemanagement KI 4")
    assert new.unit == unit
    assert (new.recipient_id, new.scenario_id, new.fte) == (ki.recipient_id, None, D("0.5"))
    assert new.employer_id == ki.recipient_id and new.planned_start == date(2025, 7, 1)
    assert list(ki.occupancies.values_list("start", "end", "fte")) == [
        (date(2023, 1, 1), date(2025, 6, 30), D("1")),
        (date(2025, 7, 1), None, D("0.5")),
    ]
    assert list(new.occupancies.values_list("start", "fte")) == [(date(2025, 9, 1), D("0.5"))]
    cost = PositionCost.objects.get(position=ki, year=2024, status="planned")
    assert (cost.employer_gross, cost.overhead_rate, cost.version) == (D("61500"), D("20"), 2)
    assert PositionCost.objects.get(position=ki, year=2025).employer_gross == D("63000.50")
    assert PositionCost.objects.get(position=new).material == D("4850")

    # The audit history names the user for every write, the removed occupancy included.
    written = {m: list(m.history.filter(history_id__gt=marks[m])) for m in marks}
    assert {r.history_user for records in written.values() for r in records} == {finance}
    assert sorted(r.history_type for r in written[Position]) == ["+", "~"]
    assert sorted(r.history_type for r in written[Occupancy]) == ["+", "+", "+", "-"]
    assert sorted(r.history_type for r in written[PositionCost]) == ["+", "+", "~"]

    # The token is used up: applying again (a double click) shows the result, writes nothing.
    before = state_of_database()
    again = apply(client, token)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert state_of_database() == before
    assert client.get(f"/import/{token}/vorschau/")["Location"] == response["Location"]


def test_positions_not_in_the_file_and_their_occupancy_stay_as_they_are(client, plan, finance):
    """A position listed in Stellen but not in Besetzungen keeps its occupancy."""
    ki = plan["ki"]
    login(client, finance)
    data = xlsx(stellen=[{"ID": ki.pk, "Bezeichnung": "Casemanagement KI 1 (neu)"}], besetzungen=[])
    page, token = preview(client, upload(client, data))
    assert "Besetzungen (" not in text(page)
    assert apply(client, token).status_code == 302
    ki.refresh_from_db()
    assert ki.title == "Casemanagement KI 1 (neu)" and ki.occupancies.count() == 1
    assert Position.objects.get(pk=plan["caritas"].pk).version == 1


# --- one report of every bad row, nothing written -----------------------------------------------


def bad_file(plan, out_of_scope_id: int) -> bytes:
    ki, caritas = plan["ki"], plan["caritas"]
    new = {
        "ID": None,
        "Baustein": 2,
        "Förderart": "Casemanagement",
        "Stellenanteil (VZ)": "1",
        "Anstellungsträger (Kürzel)": "leverkusen",
        "Beginn": "01.01.2025",
    }
    return xlsx(
        stellen=[
            {**new, "Bezeichnung": "Gute neue Stelle"},  # row 2: fine
            {
                **new,
                "ID": ki.pk,
                "Bezeichnung": "Casemanagement KI 1",
                "Beginn": "01.01.2023",
            },  # row 3: fine
            {**new, "Bezeichnung": "Zu groß", "Stellenanteil (VZ)": "1,5"},  # row 4
            {**new, "Bezeichnung": "Kein Datum", "Beginn": "31.02.2024"},  # row 5
            {
                **new,
                "Bezeichnung": "Fremder Träger",
                "Anstellungsträger (Kürzel)": "gibt-es-nicht",
            },  # row 6
            {
                "ID": out_of_scope_id,
                "Bezeichnung": "Fremde Stelle",
                **{k: v for k, v in new.items() if k != "ID"},
            },  # row 7
            {**new, "Bezeichnung": "Punkt statt Komma", "Stellenanteil (VZ)": "0.5"},  # row 8
        ],
        besetzungen=[
            {
                "Stellen-ID": caritas.pk,
                "Besetzt ab": "01.01.2024",
                "Besetzt bis": None,
                "Anteil (VZ)": "0,75",
            },  # row 2: above 0.5
            {
                "Stellen-ID": None,
                "Stelle (Bezeichnung)": "Gute neue Stelle",
                "Besetzt ab": "01.01.2025",
                "Besetzt bis": None,
                "Anteil (VZ)": 1,
            },  # row 3: fine
            {
                "Stellen-ID": 999999,
                "Besetzt ab": "01.01.2025",
                "Besetzt bis": None,
                "Anteil (VZ)": 1,
            },  # row 4
            {
                "Stellen-ID": ki.pk,
                "Besetzt ab": "01.01.2022",
                "Besetzt bis": "31.12.2022",
                "Anteil (VZ)": 1,
            },  # row 5: before the start
        ],
        kosten=[
            {
                "Stellen-ID": ki.pk,
                "Jahr": "2024/25",
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "60.000,00",
            },  # row 2
            {
                "Stellen-ID": ki.pk,
                "Jahr": 2024,
                "Stand": "Soll",
                "Arbeitgeberbrutto (€)": "60.000,00",
            },  # row 3
            {
                "Stellen-ID": ki.pk,
                "Jahr": 2025,
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "-5,00",
            },  # row 4
            {
                "Stellen-ID": ki.pk,
                "Jahr": 2026,
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "1,00",
                "Gemeinkosten (%)": 20,
                "Gemeinkosten (€)": 100,
            },  # row 5
            {
                "Stellen-ID": ki.pk,
                "Jahr": 2026,
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "2,00",
            },  # row 6: twice
        ],
    )


EXPECTED_PROBLEMS = [
    ("Stellen", "4", "Stellenanteil (VZ)", str(FTE_RANGE)),
    ("Stellen", "5", "Beginn", "„31.02.2024“ ist kein gültiges Datum"),
    ("Stellen", "6", "Anstellungsträger (Kürzel)", "Unbekannter Anstellungsträger „gibt-es-nicht“"),
    ("Stellen", "7", "ID", "Unbekannte Stelle"),
    ("Stellen", "8", "Stellenanteil (VZ)", "„0.5“ ist keine Zahl"),
    (
        "Besetzungen",
        "2",
        "Anteil (VZ)",
        "Die Besetzung (0,75 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ).",
    ),
    ("Besetzungen", "4", "Stellen-ID", "Unbekannte Stelle: Die ID 999999"),
    (
        "Besetzungen",
        "5",
        "Besetzt ab",
        "Die Besetzung beginnt vor dem Beginn der Stelle (01.01.2023).",
    ),
    ("Kosten", "2", "Jahr", "„2024/25“ ist kein Jahr"),
    ("Kosten", "3", "Stand", "„Soll“ ist keine gültige Angabe für Stand"),
    ("Kosten", "4", "Arbeitgeberbrutto (€)", "Der Betrag darf nicht negativ sein."),
    ("Kosten", "5", "Gemeinkosten (€)", "entweder als Prozentsatz oder als Betrag"),
    ("Kosten", "6", "Stand", "gibt es schon Zeile 5"),
]


def test_a_file_with_bad_rows_names_every_one_and_writes_nothing(client, plan, finance):
    other = OrganisationFactory(name="Stadt Köln", slug="koeln")
    foreign = PositionFactory(recipient=other, title="Geheime Kölner Stelle")
    login(client, finance)
    before = state_of_database()
    response = upload(client, bad_file(plan, foreign.pk), "fehler.xlsx")
    assert response.status_code == 200
    rows = report_rows(response)
    for sheet, row, column, message in EXPECTED_PROBLEMS:
        assert any(r[:3] == (sheet, row, column) and message in r[3] for r in rows), (
            sheet,
            row,
            column,
            message,
            rows,
        )
    # Only the bad rows are named: the good rows 2 and 3 of Stellen and 3 of Besetzungen not.
    named = {(r[0], r[1]) for r in rows}
    assert named == {(s, r) for s, r, _c, _m in EXPECTED_PROBLEMS}
    body = text(response)
    assert "13 Probleme in 13 Zeilen" in body and "nichts gespeichert" in body
    assert "Geheime Kölner Stelle" not in body  # the foreign id leaks nothing
    assert state_of_database() == before
    assert not Position.objects.filter(title="Gute neue Stelle").exists()


def test_the_report_uses_the_same_words_for_a_foreign_and_a_missing_id(plan, finance, city):
    foreign = PositionFactory(recipient=OrganisationFactory(), title="Fremd")
    scenario = PositionFactory(recipient=city, scenario=ScenarioFactory(recipient=city))
    messages = []
    for pk in (foreign.pk, 987654, scenario.pk):
        parsed = read_workbook(xlsx(stellen=[{"ID": pk, "Bezeichnung": "X"}]))
        state = load_state(finance, city, referenced_ids(parsed), set())
        problems = build_plan(parsed, state).problems
        assert [(p.sheet, p.row, p.column) for p in problems] == [("Stellen", 2, "ID")]
        messages.append(problems[0].message.replace(str(pk), "N"))
    assert len(set(messages)) == 1


def test_lowering_the_fte_below_the_stored_occupancy_is_reported_on_the_position_row(
    client, plan, finance
):
    login(client, finance)
    data = xlsx(
        stellen=[
            {"ID": plan["ki"].pk, "Bezeichnung": "Casemanagement KI 1", "Stellenanteil (VZ)": "0,5"}
        ]
    )
    rows = report_rows(upload(client, data))
    assert len(rows) == 1
    sheet, row, column, message = rows[0]
    assert (sheet, row, column) == ("Stellen", "2", "Stellenanteil (VZ)")
    assert "Die Besetzung (1 VZ) übersteigt den Stellenanteil der Stelle (0,5 VZ)." in message
    # With the occupancy listed as well, the same change is fine.
    data = xlsx(
        stellen=[
            {"ID": plan["ki"].pk, "Bezeichnung": "Casemanagement KI 1", "Stellenanteil (VZ)": "0,5"}
        ],
        besetzungen=[
            {
                "Stellen-ID": plan["ki"].pk,
                "Besetzt ab": "01.01.2023",
                "Besetzt bis": None,
                "Anteil (VZ)": "0,5",
            }
        ],
    )
    page, token = preview(client, upload(client, data))
    assert apply(client, token).status_code == 302
    assert Position.objects.get(pk=plan["ki"].pk).fte == D("0.5")


def test_overlapping_occupancies_name_every_row_of_the_overlap(plan, finance, city):
    caritas = plan["caritas"]
    parsed = read_workbook(
        xlsx(
            besetzungen=[
                {
                    "Stellen-ID": caritas.pk,
                    "Besetzt ab": "01.01.2023",
                    "Besetzt bis": "30.06.2023",
                    "Anteil (VZ)": "0,5",
                },
                {
                    "Stellen-ID": caritas.pk,
                    "Besetzt ab": "01.07.2023",
                    "Besetzt bis": None,
                    "Anteil (VZ)": "0,25",
                },
                {
                    "Stellen-ID": caritas.pk,
                    "Besetzt ab": "01.01.2024",
                    "Besetzt bis": None,
                    "Anteil (VZ)": "0,5",
                },
            ]
        )
    )
    state = load_state(finance, city, referenced_ids(parsed), set())
    problems = build_plan(parsed, state).problems
    assert [(p.row, p.column) for p in problems] == [(3, "Anteil (VZ)"), (4, "Anteil (VZ)")]
    assert "0,75 VZ" in problems[0].message


def test_missing_columns_and_sheets(client, plan, finance):
    login(client, finance)
    data = xlsx(
        stellen=[{"ID": None, "Bezeichnung": "Neu ohne Angaben", "Farbe": "blau"}],
        kosten=[{"Stellen-ID": plan["ki"].pk, "Jahr": 2024}],
    )
    rows = report_rows(upload(client, data))
    assert ("Stellen", "1", "Farbe") in {r[:3] for r in rows}
    assert ("Kosten", "1", "Stand") in {r[:3] for r in rows}
    assert ("Stellen", "2", "Förderart") in {r[:3] for r in rows}
    empty = report_rows(upload(client, xlsx(extra_sheets=["Tabelle1"])))
    assert empty[0][0] == "Datei" and "keine der Tabellen" in empty[0][3]


# --- not an XLSX file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("stellen.csv", "ID;Bezeichnung\r\n1005;Casemanagement\r\n".encode("utf-8-sig")),
        ("stellen.xlsx", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"),
        ("stellen.xlsx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_file_that_is_no_xlsx_gets_a_german_message(client, plan, finance, name, data):
    login(client, finance)
    before = state_of_database()
    response = upload(client, data, name)
    assert response.status_code == 200
    assert "Die Datei ist keine Excel-Arbeitsmappe (.xlsx)" in text(response)
    assert state_of_database() == before


def test_other_zip_files_and_oversized_files_are_refused(client, plan, finance):
    login(client, finance)
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "keine Excel-Arbeitsmappe" in text(upload(client, buffer.getvalue()))
    big = b"PK" + b"0" * (MAX_FILE_BYTES + 1)
    assert "größer als 5 MB" in text(upload(client, big))
    assert "Bitte eine Datei auswählen." in text(client.post(UPLOAD, {}))


# --- stale previews ----------------------------------------------------------------------------


def test_apply_is_refused_when_a_position_changed_after_the_preview(client, plan, finance):
    login(client, finance)
    page, token = preview(client, upload(client, good_file(plan)))
    assert page.status_code == 200
    # Someone else changes the position through the service (as the API does).
    other = UserFactory(role="coordinator", organisation=plan["ki"].recipient)
    ki = Position.objects.get(pk=plan["ki"].pk)
    ki.notes = "Geändert von jemand anderem"
    position_save(
        position=ki, actor=other, occupancies=[OccupancyPeriod(date(2023, 1, 1), None, D("1"))]
    )
    before = state_of_database()
    response = apply(client, token)
    assert response.status_code == 409
    assert "Seit dieser Vorschau hat jemand" in text(response)
    assert state_of_database() == before
    assert not Position.objects.filter(title="Casemanagement KI 4").exists()
    # A new preview shows the current state and may be applied.
    assert client.get(f"/import/{token}/vorschau/").status_code == 200
    assert apply(client, token).status_code == 302


def test_apply_is_refused_when_a_cost_changed_without_a_new_version(client, plan, finance):
    """Writes that do not raise the version (e.g. a plain save) are caught by the digest."""
    login(client, finance)
    _page, token = preview(client, upload(client, good_file(plan)))
    PositionCost.objects.filter(position=plan["ki"], year=2024).update(employer_gross=D("1"))
    before = state_of_database()
    assert apply(client, token).status_code == 409
    assert state_of_database() == before


def test_a_position_deleted_after_the_upload_turns_the_preview_into_a_report(client, plan, finance):
    from staffing.services import position_delete

    login(client, finance)
    response = upload(client, good_file(plan))
    position_delete(position=Position.objects.get(pk=plan["ki"].pk), actor=finance)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Seit dem Hochladen wurden Daten geändert" in text(page)
    assert ("Stellen", "2", "ID") in {r[:3] for r in report_rows(page)}
    assert not Position.objects.filter(title="Casemanagement KI 4").exists()


def test_apply_without_a_preview_shows_the_preview_first(client, plan, finance):
    login(client, finance)
    response = upload(client, good_file(plan))
    token = response["Location"].strip("/").split("/")[1]
    assert apply(client, token)["Location"] == f"/import/{token}/vorschau/"


def test_an_error_while_writing_rolls_everything_back(client, plan, finance, monkeypatch):
    """The third cost row fails in the database (as a concurrent insert of the same year and
    Stand would): the positions, occupancies and costs written before it are rolled back."""
    login(client, finance)
    _page, token = preview(client, upload(client, good_file(plan)))
    before = state_of_database()
    original = PositionCost.save
    calls = []

    def fail_on_the_third(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 3:
            raise IntegrityError("UNIQUE constraint failed: position_cost_unique")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PositionCost, "save", fail_on_the_third)
    response = apply(client, token)
    assert response.status_code == 400
    body = text(response)
    assert "nichts gespeichert" in body
    assert "Für diese Stelle, dieses Jahr und diesen Stand gibt es schon Kosten." in body
    assert len(calls) == 3
    assert state_of_database() == before


def test_a_token_belongs_to_its_session_and_user(client, plan, finance, city):
    login(client, finance)
    _page, token = preview(client, upload(client, good_file(plan)))
    from django.test import Client

    colleague = Client()
    login(colleague, UserFactory(role="finance", organisation=city))
    assert colleague.get(f"/import/{token}/vorschau/").status_code == 404
    assert colleague.post(f"/import/{token}/anwenden/").status_code == 404
    assert client.get("/import/../../etc/passwd/vorschau/").status_code == 404
    # Discarding removes the upload.
    response = client.post(f"/import/{token}/verwerfen/")
    assert response.status_code == 302
    assert client.get(f"/import/{token}/vorschau/").status_code == 404


# --- roles and scope -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_read_only_roles_get_403_everywhere(client, plan, finance, city, role):
    organisation = {"council": city, "carrier": plan["carrier"], "town": TownFactory()}[role]
    other = login(client.__class__(), finance)
    _page, token = preview(other, upload(other, good_file(plan)))
    login(client, UserFactory(role=role, organisation=organisation))
    before = state_of_database()
    assert client.get(UPLOAD).status_code == 403
    assert client.get(TEMPLATE).status_code == 403
    assert upload(client, good_file(plan)).status_code == 403
    assert client.get(f"/import/{token}/vorschau/").status_code == 403
    assert client.post(f"/import/{token}/anwenden/").status_code == 403
    assert client.post(f"/import/{token}/verwerfen/").status_code == 403
    assert client.get(f"/import/{token}/ergebnis/").status_code == 403
    assert state_of_database() == before


@pytest.mark.parametrize("role", ["finance", "coordinator"])
def test_plan_editors_import_into_their_own_recipient(client, plan, city, role):
    login(client, UserFactory(role=role, organisation=city))
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert (
        "Zuwendungsempfänger" not in text(page).split('<form method="post"')[1].split("</form>")[0]
    )
    _page, token = preview(client, upload(client, good_file(plan)))
    assert apply(client, token).status_code == 302
    assert Position.objects.get(title="Casemanagement KI 4").recipient == city


def test_admin_chooses_the_recipient(client, plan, city):
    other = OrganisationFactory(name="Kreis Wesel", slug="kreis-wesel", kind="county")
    admin = UserFactory(role="admin", organisation=None)
    login(client, admin)
    assert "Kreis Wesel" in text(client.get(UPLOAD))
    assert "Bitte den Zuwendungsempfänger wählen." in text(upload(client, good_file(plan)))
    # The city's position ids are unknown in Wesel's plan.
    rows = report_rows(upload(client, good_file(plan), recipient="kreis-wesel"))
    assert ("Stellen", "2", "ID") in {r[:3] for r in rows}
    data = xlsx(
        stellen=[
            {
                "ID": None,  # the column is required: without it every row would be new
                "Bezeichnung": "Casemanagement Kreis",
                "Baustein": "Baustein 2",
                "Förderart": "case_management",
                "Stellenanteil (VZ)": 1,
                "Anstellungsträger (Kürzel)": "Kreis Wesel",
                "Beginn": date(2025, 1, 1),
            }
        ]
    )
    _page, token = preview(client, upload(client, data, recipient="kreis-wesel"))
    assert apply(client, token).status_code == 302
    position = Position.objects.get(title="Casemanagement Kreis")
    assert (position.recipient, position.employer) == (other, other)
    assert position.history.get().history_user == admin


def test_anonymous_users_are_sent_to_the_login(client):
    assert client.get(UPLOAD)["Location"].startswith("/login/")
    assert client.get(TEMPLATE)["Location"].startswith("/login/")


# --- cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("57.000,00", D("57000.00")),
        ("57000,00", D("57000.00")),
        ("1.234.567,8", D("1234567.8")),
        ("0,5", D("0.5")),
        (",5", D("0.5")),
        ("1", D("1")),
        ("57.000", D("57000")),
        ("57 000,00 €", D("57000.00")),
        ("20 %", D("20")),
        ("-5,00", D("-5.00")),
    ],
)
def test_german_numbers(raw, expected):
    assert parse_decimal_text(raw) == expected


@pytest.mark.parametrize("raw", ["0.5", "1,2,3", "abc", "5,", "12.34,5", ""])
def test_numbers_that_are_not_german(raw):
    with pytest.raises(ValueError):
        parse_decimal_text(raw)


def test_cells_of_every_kind():
    fte = POSITIONS.column("fte")
    rate = COSTS.column("overhead_rate")
    assert parse_cell(fte, 0.5) == D("0.5")
    assert parse_cell(fte, 0.1 + 0.2) == D("0.300")  # float noise is rounded away
    assert parse_cell(fte, 1) == D("1")
    assert parse_cell(rate, 0.2, "0%") == D("20.0")  # a percent cell
    assert parse_cell(rate, 20, "General") == D("20")
    assert parse_cell(fte, "  ") is None
    start = POSITIONS.column("planned_start")
    assert parse_cell(start, "01.07.2023") == date(2023, 7, 1)
    assert parse_cell(start, "1.7.2023") == date(2023, 7, 1)
    assert parse_cell(start, "2023-07-01") == date(2023, 7, 1)
    assert parse_cell(start, 45108) == date(2023, 7, 1)  # an Excel day number
    for bad in ("31.02.2024", "01.07.23", "Juli 2023", 12):
        with pytest.raises(ValueError):
            parse_cell(start, bad)
    year = COSTS.column("year")
    assert parse_cell(year, "2024") == 2024 and parse_cell(year, 2024.0) == 2024
    for bad in ("2024/25", "zweitausend", 2024.5):
        with pytest.raises(ValueError):
            parse_cell(year, bad)
    block = POSITIONS.column("block")
    assert parse_cell(block, "Baustein 2: Casemanagement") == 2
    kind = POSITIONS.column("funding_kind")
    assert parse_cell(kind, "ausländer- und einbürgerungsbehörde") == "immigration_office"
    status = COSTS.column("status")
    assert parse_cell(status, "Ist") == "actual"
    account = POSITIONS.column("ledger_account")
    assert parse_cell(account, 549900.0) == "549900"


# --- query counts --------------------------------------------------------------------------------


def many_positions(city, block, n: int) -> bytes:
    positions = Position.objects.bulk_create(
        [
            Position(
                recipient=city,
                block=block,
                funding_kind="case_management",
                title=f"Casemanagement {i}",
                fte=D("1"),
                employer=city,
                planned_start=date(2023, 1, 1),
            )
            for i in range(n)
        ]
    )
    Occupancy.objects.bulk_create(
        [Occupancy(position=p, start=date(2023, 1, 1), fte=D("1")) for p in positions]
    )
    PositionCost.objects.bulk_create(
        [
            PositionCost(position=p, year=2024, status="planned", employer_gross=D("60000"))
            for p in positions
        ]
    )
    # Every row changes something: a title, an occupancy, a cost.
    return xlsx(
        stellen=[
            {
                "ID": p.pk,
                "Bezeichnung": f"{p.title} (geändert)",
                "Anstellungsträger (Kürzel)": "leverkusen",
            }
            for p in positions
        ],
        besetzungen=[
            {
                "Stellen-ID": p.pk,
                "Besetzt ab": "01.01.2023",
                "Besetzt bis": "31.12.2024",
                "Anteil (VZ)": 1,
            }
            for p in positions
        ],
        kosten=[
            {
                "Stellen-ID": p.pk,
                "Jahr": 2024,
                "Stand": "Plan",
                "Arbeitgeberbrutto (€)": "61.000,00",
            }
            for p in positions
        ],
    )


# Both: session, user with its role, permissions (1), the recipient, load_state (6: positions,
# occupancies, costs, organisations, blocks, pay grades), the session's save (3 with its
# savepoint). Upload: the same 13 for 10 or 200 positions; preview: the same.
UPLOAD_QUERIES = 13
PREVIEW_QUERIES = 13


@pytest.mark.parametrize("n", [10, 200])
def test_upload_and_preview_take_the_same_queries_for_10_and_200_positions(
    client, city, finance, n
):
    data = many_positions(city, BuildingBlockFactory(number=2), n)
    login(client, finance)
    with CaptureQueriesContext(connection) as uploaded:
        response = upload(client, data)
    assert response.status_code == 302, report_rows(response)[:5]
    with CaptureQueriesContext(connection) as previewed:
        page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"Geänderte Stellen ({n})" in text(page)
    assert len(uploaded) == UPLOAD_QUERIES
    assert len(previewed) == PREVIEW_QUERIES, [q["sql"][:120] for q in previewed]
