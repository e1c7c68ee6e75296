"""The forecast pages (issue 4): each page against each role, with the refusals the issue asks
for (another carrier, a town, the council), German messages next to what caused them, nothing
half-saved, stale forms, attachments, mails, and pinned query counts.

Data: the demo fixtures (Leverkusen with Caritas, AWO and Diakonie; fixtures/05 has their
forecasts and the city's payments); users are made per test.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail

from carriers.forecasts import services
from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    Organisation,
)
from funding.models import YearClosing
from staffing.models import Position
from tests.factories import PDF_BYTES, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/traeger/prognosen/"
NBSP = "\u00a0"
PDF = PDF_BYTES


@pytest.fixture
def orgs(demo_data):
    by_slug = Organisation.objects.in_bulk(
        ["leverkusen", "caritas-leverkusen", "awo-leverkusen", "hueckeswagen"],
        field_name="slug",
    )
    return {
        "city": by_slug["leverkusen"],
        "caritas": by_slug["caritas-leverkusen"],
        "awo": by_slug["awo-leverkusen"],
        "town": by_slug["hueckeswagen"],
    }


def user(role, organisation, **extra):
    return UserFactory(role=role, organisation=organisation, **extra)


@pytest.fixture
def people(orgs):
    return {
        "caritas": user("carrier", orgs["caritas"], email="caritas@example.org"),
        "awo": user("carrier", orgs["awo"]),
        "coordinator": user("coordinator", orgs["city"], email="ki@example.org"),
        "finance": user("finance", orgs["city"]),
        "town": user("town", orgs["town"]),
        "council": user("council", orgs["city"]),
    }


@pytest.fixture
def draft(orgs, people):
    """A Caritas draft for 2026, prefilled with its two positions."""
    return services.forecast_create(
        recipient=orgs["city"], carrier=orgs["caritas"], year=2026, actor=people["caritas"]
    )


def as_user(client, person):
    client.force_login(person)
    return client


def line_post(forecast, rows, **extra):
    """The edit form's POST: ``rows`` as (position id, gross, material, overhead, months)."""
    data = {
        "title": forecast.title,
        "note": "",
        "version": str(forecast.version),
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (position, gross, material, overhead, months) in enumerate(rows):
        data.update(
            {
                f"lines-{i}-position": str(position),
                f"lines-{i}-employer_gross": gross,
                f"lines-{i}-material": material,
                f"lines-{i}-overhead": overhead,
                f"lines-{i}-months_filled": months,
                f"lines-{i}-remark": "",
            }
        )
    data.update(extra)
    return data


# --- Refusals: another carrier, a town, the council --------------------------------------------


def forecast_pages(forecast, attachment):
    pk = forecast.pk
    return [
        ("get", f"{LIST}{pk}/"),
        ("get", f"{LIST}{pk}/bearbeiten/"),
        ("get", f"{LIST}{pk}/verlauf/"),
        ("post", f"{LIST}{pk}/submit/"),
        ("post", f"{LIST}{pk}/approve/"),
        ("post", f"{LIST}{pk}/return/"),
        ("post", f"{LIST}{pk}/revise/"),
        ("post", f"{LIST}{pk}/check-content/"),
        ("post", f"{LIST}{pk}/anhaenge/"),
        ("get", f"/traeger/anhaenge/{attachment.pk}/"),
        ("post", f"/traeger/anhaenge/{attachment.pk}/loeschen/"),
        ("get", f"{LIST}vergleich/?old={pk}&new={pk}"),
    ]


@pytest.fixture
def attachment(draft, people):
    return services.attachment_add(
        forecast=draft, actor=people["caritas"], name="Lohnjournal.pdf", content=PDF
    )


@pytest.mark.parametrize("who", ["awo", "town", "council"])
def test_every_forecast_page_refuses_users_outside_the_carrier(
    client, who, people, draft, attachment
):
    as_user(client, people[who])
    for method, url in forecast_pages(draft, attachment):
        response = getattr(client, method)(url)
        # Another carrier: not in its scope (404). Town and council hold no permission on
        # forecasts (403); only the history page checks the scope alone (404). Never the page.
        expected = 404 if who == "awo" or url.endswith("/verlauf/") else 403
        assert response.status_code == expected, (who, url, response.status_code)
        assert b"Caritasverband" not in response.content, (who, url)
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert ForecastAttachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize("who", ["awo", "town", "council"])
def test_lists_show_no_other_carriers_data(client, who, people, draft):
    as_user(client, people[who])
    for url in (
        LIST,
        f"{LIST}aufgaben/",
        f"{LIST}prognose-und-ist/?year=2024",
        "/traeger/zahlungen/",
        f"{LIST}?export=csv",
        "/traeger/zahlungen/?export=csv",
    ):
        response = client.get(url)
        # Towns and the council hold no permission on forecasts (403); the payments' list
        # answers them, empty (they may read payments, none is in their scope).
        forecasts_refused = who != "awo" and not url.startswith("/traeger/zahlungen/")
        assert response.status_code == (403 if forecasts_refused else 200), (who, url)
        assert b"Caritas" not in response.content, (who, url)


def test_the_awo_user_sees_its_own_forecasts_and_payments(client, people, orgs):
    as_user(client, people["awo"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert b"Arbeiterwohlfahrt" in response.content
    payments = client.get("/traeger/zahlungen/")
    assert payments.status_code == 200
    # fixtures/05: two positions, 20.000,00 + 25.550,00 each for 2024, in the totals row.
    assert f"91.100,00{NBSP}€".encode() in payments.content
    assert not CarrierPayment.objects.restrict(people["awo"]).exclude(carrier=orgs["awo"]).exists()


def test_a_carrier_cannot_record_a_payment_or_close_a_year(client, people, orgs):
    as_user(client, people["caritas"])
    assert client.get("/traeger/zahlungen/neu/").status_code == 403
    assert client.get("/foerderung/jahresabschluesse/neu/").status_code == 403
    # Closings are the recipient's administration: a carrier's list is empty.
    assert (
        "Keine Einträge gefunden." in client.get("/foerderung/jahresabschluesse/").content.decode()
    )


# --- The workflow through the pages -------------------------------------------------------------


def test_carrier_edits_lines_with_german_input_and_submits_a_mail_goes_out(
    client, people, draft, django_capture_on_commit_callbacks
):
    positions = list(draft.lines.values_list("position_id", flat=True))
    as_user(client, people["caritas"])
    response = client.post(
        f"{LIST}{draft.pk}/bearbeiten/",
        line_post(
            draft,
            [
                (positions[0], "71.000,00", "12.000,00", "19.880,00", "12"),
                (positions[1], "72.000,00", "12.000,00", "20.160,00", "11,5"),
            ],
        ),
    )
    assert response.status_code == 302
    lines = {line.position_id: line for line in draft.lines.all()}
    assert lines[positions[0]].employer_gross == D("71000.00")
    assert lines[positions[1]].months_filled == D("11.5")
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{LIST}{draft.pk}/submit/", {"version": draft.version})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "submitted"
    assert draft.submitted_by == people["caritas"]
    assert [m.to for m in mail.outbox] == [["ki@example.org"]]
    assert "Kostenprognose eingereicht" in mail.outbox[0].subject


@pytest.mark.parametrize(
    "values, field_text",
    [
        (("-1,00", "0", "0", "12"), "Der Betrag darf nicht negativ sein."),
        (("70.000,00", "0", "0", "13"), "Die Monate müssen zwischen 0 und 12 liegen."),
        (("70.000,00", "0", "-5", "12"), "Der Betrag darf nicht negativ sein."),
    ],
)
def test_bad_lines_get_a_german_message_and_nothing_changes(
    client, people, draft, values, field_text
):
    position = draft.lines.first().position_id
    before = list(draft.lines.values_list("employer_gross", "months_filled"))
    as_user(client, people["caritas"])
    response = client.post(f"{LIST}{draft.pk}/bearbeiten/", line_post(draft, [(position, *values)]))
    assert response.status_code == 200
    assert field_text in response.content.decode()
    assert list(draft.lines.values_list("employer_gross", "months_filled")) == before


def test_a_position_the_carrier_does_not_hold_is_refused(client, people, draft, orgs):
    awo_position = (
        Position.objects.filter(recipient=orgs["city"], employer=orgs["awo"])
        .values_list("pk", flat=True)
        .first()
    )
    as_user(client, people["caritas"])
    response = client.post(
        f"{LIST}{draft.pk}/bearbeiten/",
        line_post(draft, [(awo_position, "70.000,00", "0", "0", "12")]),
    )
    assert response.status_code == 200
    # The choice list holds only Caritas's positions: the form refuses it next to the field.
    assert "ist keine gültige Auswahl" in response.content.decode()
    assert not draft.lines.filter(position_id=awo_position).exists()


def test_a_second_open_draft_for_the_same_year_is_refused_at_the_year(client, people, draft):
    as_user(client, people["caritas"])
    response = client.post(
        f"{LIST}neu/", {"recipient": draft.recipient_id, "year": "2026", "kind": "forecast"}
    )
    assert response.status_code == 200
    assert "ist schon eine Fassung in Bearbeitung" in response.content.decode()
    assert CostForecast.objects.filter(carrier=draft.carrier, year=2026).count() == 1


def test_a_stale_edit_form_is_refused_with_409(client, people, draft):
    position = draft.lines.first().position_id
    stale = line_post(draft, [(position, "1.000,00", "0", "0", "12")])
    services.forecast_update(
        forecast=draft,
        actor=people["caritas"],
        lines=[services.LineInput(position_id=position, employer_gross=D("2000"))],
    )
    as_user(client, people["caritas"])
    response = client.post(f"{LIST}{draft.pk}/bearbeiten/", stale)
    assert response.status_code == 409
    assert "Jemand anderes hat diesen Datensatz gespeichert" in response.content.decode()
    assert draft.lines.get().employer_gross == D("2000.00")


def test_a_carrier_cannot_approve_and_a_coordinator_cannot_edit(client, people, draft):
    draft.refresh_from_db()
    services.forecast_submit(forecast=draft, actor=people["caritas"])
    draft.refresh_from_db()
    as_user(client, people["caritas"])
    assert client.post(f"{LIST}{draft.pk}/approve/").status_code == 403
    as_user(client, people["coordinator"])
    assert client.get(f"{LIST}{draft.pk}/bearbeiten/").status_code == 403
    draft.refresh_from_db()
    assert draft.state == "submitted"


def test_approval_needs_both_checks_and_the_message_says_which_is_missing(client, people, draft):
    services.forecast_submit(forecast=draft, actor=people["caritas"])
    draft.refresh_from_db()
    as_user(client, people["coordinator"])
    response = client.post(f"{LIST}{draft.pk}/approve/", {"version": draft.version})
    assert response.status_code == 400
    text = response.content.decode()
    assert "die sachliche Prüfung und die rechnerische Prüfung" in text
    draft.refresh_from_db()
    assert draft.state == "submitted"


def test_returning_needs_a_comment(client, people, draft):
    services.forecast_submit(forecast=draft, actor=people["caritas"])
    draft.refresh_from_db()
    as_user(client, people["coordinator"])
    response = client.post(f"{LIST}{draft.pk}/return/", {"version": draft.version, "comment": " "})
    assert response.status_code == 400
    assert "Bitte begründen, was die Trägerin ändern soll." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == "submitted"


def test_the_coordinators_inbox_lists_submitted_forecasts_and_the_carriers_due_list(
    client, people, draft
):
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}aufgaben/").content.decode()
    # fixtures/05: AWO's "Prognose April 2025" for 2026 waits for review.
    assert "Prognose April 2025" in page
    as_user(client, people["caritas"])
    page = client.get(f"{LIST}aufgaben/").content.decode()
    assert "ist noch nicht eingereicht" in page


# --- Attachments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("programm.exe", b"MZ\x90\x00", "Bitte eine PDF- oder Excel-Datei (.xlsx) anhängen."),
        ("falsch.pdf", b"GIF89a", "Die Datei endet auf .pdf, ist aber kein PDF."),
        ("gross.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "Die Datei ist größer als 5 MB."),
    ],
)
def test_bad_attachments_are_refused_next_to_the_field(
    client, people, draft, name, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, people["caritas"])
    response = client.post(
        f"{LIST}{draft.pk}/anhaenge/",
        {"file": SimpleUploadedFile(name, content), "version": draft.version},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not draft.attachments.exists()


def test_an_attachment_is_downloaded_by_its_carrier_and_the_coordinator(client, people, attachment):
    for who in ("caritas", "coordinator"):
        as_user(client, people[who])
        response = client.get(f"/traeger/anhaenge/{attachment.pk}/")
        assert response.status_code == 200
        assert response.content == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "Lohnjournal.pdf" in response["Content-Disposition"]


# --- Compare and forecast against actual --------------------------------------------------------


def test_compare_shows_the_saving_of_the_november_revision(client, people, orgs):
    """fixtures/05, Caritas 2025: April 2024 forecast per position 74.600,00 + 12.800,00 +
    28 % of 74.600,00 = 20.888,00 → 108.288,00; the revision of 28.11.2024: 72.300,00 +
    12.000,00 + 20.244,00 = 104.544,00. Two positions: 216.576,00 against 209.088,00. Leverkusen
    carries all above the 57.000 € rate, so it saves the whole difference, 7.488,00 €."""
    april, november = CostForecast.objects.filter(carrier=orgs["caritas"], year=2025).order_by(
        "number"
    )
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}vergleich/?old={april.pk}&new={november.pk}").content.decode()
    assert f"216.576,00{NBSP}€" in page
    assert f"209.088,00{NBSP}€" in page
    assert f"+7.488,00{NBSP}€" in page  # the saving
    assert f"−3.744,00{NBSP}€" in page  # per position


def test_compare_refuses_one_version_alone(client, people, orgs):
    one = CostForecast.objects.filter(carrier=orgs["caritas"], year=2025).first()
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}vergleich/?old={one.pk}&new={one.pk}").content.decode()
    assert "Bitte zwei verschiedene Fassungen auswählen." in page


def test_forecast_against_actual_2024(client, people):
    """fixtures/05, AWO 2024: forecast per position 72.100,00 + 12.500,00 + 28 % of 72.100,00
    (20.188,00) = 104.788,00; the city carries 104.788,00 − 57.000,00 = 47.788,00 per position,
    95.576,00 for two; it paid 2 × (20.000,00 + 25.550,00) = 91.100,00: 4.476,00 less."""
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}prognose-und-ist/?year=2024").content.decode()
    assert f"95.576,00{NBSP}€" in page
    assert f"91.100,00{NBSP}€" in page
    assert f"−4.476,00{NBSP}€" in page


def test_forecast_against_actual_refuses_a_bad_year(client, people):
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}prognose-und-ist/?year=20x4").content.decode()
    assert "Bitte ein Jahr zwischen 1990 und 2100 angeben." in page


# --- Payments and year closings -----------------------------------------------------------------


def test_finance_records_a_payment_with_german_input(client, people, orgs):
    as_user(client, people["finance"])
    response = client.post(
        "/traeger/zahlungen/neu/",
        {
            "recipient": orgs["city"].pk,
            "carrier": orgs["caritas"].pk,
            "year": "2025",
            "position": "",
            "paid_on": "30.06.2025",
            "amount": "15.000,00",
            "purpose": "Abschlag Mehrkosten 2025",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = CarrierPayment.objects.get(purpose="Abschlag Mehrkosten 2025")
    assert payment.amount == D("15000.00")
    assert payment.paid_on == date(2025, 6, 30)
    assert payment.history.first().history_user == people["finance"]


def test_a_negative_payment_is_refused_next_to_the_amount(client, people, orgs):
    as_user(client, people["finance"])
    response = client.post(
        "/traeger/zahlungen/neu/",
        {
            "recipient": orgs["city"].pk,
            "carrier": orgs["caritas"].pk,
            "year": "2025",
            "paid_on": "30.06.2025",
            "amount": "-15,00",
            "purpose": "Rückzahlung",
        },
    )
    assert response.status_code == 200
    assert "Der Betrag darf nicht negativ sein." in response.content.decode()
    assert not CarrierPayment.objects.filter(purpose="Rückzahlung").exists()


def test_closing_a_year_twice_is_refused(client, people, orgs):
    as_user(client, people["finance"])
    # fixtures/05 closed 2024 already.
    response = client.post(
        "/foerderung/jahresabschluesse/neu/",
        {"recipient": orgs["city"].pk, "year": "2024", "closed_on": "31.05.2025"},
    )
    assert response.status_code == 200
    assert "Dieses Jahr ist schon abgeschlossen." in response.content.decode()
    assert YearClosing.objects.filter(recipient=orgs["city"], year=2024).count() == 1


# --- Query counts -------------------------------------------------------------------------------


def _many_forecasts(orgs, n):
    """n superseded versions of Caritas 2030 with one line each (bulk, no workflow)."""
    position = Position.objects.filter(recipient=orgs["city"], employer=orgs["caritas"]).first()
    forecasts = CostForecast.objects.bulk_create(
        CostForecast(
            recipient=orgs["city"],
            carrier=orgs["caritas"],
            year=2030,
            number=i + 1,
            state="superseded",
        )
        for i in range(n)
    )
    ForecastLine.objects.bulk_create(
        ForecastLine(forecast=f, position=position, employer_gross=D("70000")) for f in forecasts
    )


def _many_payments(orgs, n):
    CarrierPayment.objects.bulk_create(
        CarrierPayment(
            recipient=orgs["city"],
            carrier=orgs["caritas"],
            year=2030,
            paid_on=date(2030, 1, 1),
            amount=D("1.00"),
            purpose=f"Zahlung {i}",
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_forecast_list_query_count_is_the_same_for_10_and_1000_rows(
    client, people, orgs, n, django_assert_num_queries
):
    _many_forecasts(orgs, n)
    as_user(client, people["coordinator"])
    # session, user with its role, permissions, count, rows, totals-free table, filter choices,
    # the header's organisation, tabs' permission checks.
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_payment_list_query_count_is_the_same_for_10_and_1000_rows(
    client, people, orgs, n, django_assert_num_queries
):
    _many_payments(orgs, n)
    as_user(client, people["finance"])
    with django_assert_num_queries(PAYMENT_QUERIES):
        response = client.get("/traeger/zahlungen/")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_inbox_query_count_is_the_same_for_10_and_1000_rows(
    client, people, orgs, n, django_assert_num_queries
):
    carriers = Organisation.objects.bulk_create(
        Organisation(name=f"Trägerin {i}", slug=f"traegerin-{i}", kind="carrier") for i in range(10)
    )
    # At most one open version per carrier and year: spread them over carriers and years.
    CostForecast.objects.bulk_create(
        CostForecast(
            recipient=orgs["city"],
            carrier=carriers[i % 10],
            year=1991 + i // 10,
            state="submitted",
        )
        for i in range(n)
    )
    as_user(client, people["coordinator"])
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(f"{LIST}aufgaben/")
    assert response.status_code == 200


# +1 each for a coordinator: the forecasts waiting for them, counted in the navigation.
LIST_QUERIES = 8
PAYMENT_QUERIES = 8
INBOX_QUERIES = 6


def test_the_home_page_names_the_approved_forecasts_its_figures_come_from(client, people):
    """fixtures/05: for 2025 each carrier's revision of 28.11.2024 was approved on 02.12.2024
    and covers its two positions; the ten other positions of 2025 are costed from the plan."""
    as_user(client, people["finance"])
    page = client.get("/?year=2025").content.decode()
    assert "Plan: 10 Stellen" in page
    assert (
        "Prognose 28.11.2024 (Caritasverband Leverkusen e. V.), genehmigt am 02.12.2024: 2 Stellen"
        in page
    )


def test_the_overview_api_names_the_statement_of_each_position(client, people):
    as_user(client, people["finance"])
    data = client.get("/api/overview/?recipient=leverkusen&year=2025").json()
    by_title = {p["title"]: p for p in data["positions"]}
    caritas = by_title["Casemanagement Caritas 1"]
    assert caritas["cost_source"] == "forecast"
    assert caritas["cost_source_detail"] == (
        "Prognose 28.11.2024 (Caritasverband Leverkusen e. V.), genehmigt am 02.12.2024"
    )


def test_search_finds_only_the_users_own_forecasts(client, people):
    """fixtures/05: every carrier has a "Prognose 28.11.2024"; AWO's user finds only AWO's."""
    as_user(client, people["awo"])
    page = client.get(f"{LIST}?q=28.11.2024").content.decode()
    assert "Arbeiterwohlfahrt" in page
    assert "Caritas" not in page and "Diakonie" not in page
    as_user(client, people["coordinator"])
    page = client.get(f"{LIST}?q=28.11.2024").content.decode()
    assert "Caritas" in page and "Diakonie" in page and "Arbeiterwohlfahrt" in page
    assert "Prognose April 2025" not in page
