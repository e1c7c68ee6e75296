"""The API of carriers' cost statements: the workflow end to end, the services' refusals as
HTTP answers with German messages by field (nothing half-saved), If-Match, attachments,
payments, year closings, forecast against actual, the inbox, scope (another carrier, a town
and the council never see Caritas's data) and pinned query counts of every list.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
)
from funding.models import YearClosing
from staffing.models import Occupancy, Position
from tests.api_helpers import results, token_client
from tests.factories import (
    PDF_BYTES,
    BuildingBlockFactory,
    CarrierFactory,
    CarrierPaymentFactory,
    CostForecastFactory,
    OrganisationFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# An open year without demo statements of Caritas.
YEAR = 2026
LIST = reverse("api:costforecast-list")
COMPARE = reverse("api:costforecast-compare")
PAYMENTS = reverse("api:carrierpayment-list")
CLOSINGS = reverse("api:yearclosing-list")
ACTUALS = reverse("api:carrieractuals-list")
INBOX = reverse("api:forecastinbox-list")
ATTACHMENTS = reverse("api:forecastattachment-list")
OVERVIEW = reverse("api:overview")


def url(name, obj, action=None):
    basename = {CostForecast: "costforecast", ForecastAttachment: "forecastattachment"}.get(
        type(obj), type(obj)._meta.model_name
    )
    return reverse(f"api:{basename}-{action or 'detail'}", args=[obj.pk])


# --- Leverkusen's world --------------------------------------------------------------------------


@pytest.fixture
def caritas_api(leverkusen_caritas):
    return token_client(
        UserFactory(role="carrier", organisation=leverkusen_caritas, email="c@caritas.example")
    )


@pytest.fixture
def leverkusen_coordinator_api(leverkusen_coordinator):
    return token_client(leverkusen_coordinator)


@pytest.fixture
def leverkusen_finance_api(leverkusen):
    return token_client(UserFactory(role="finance", organisation=leverkusen))


def lines(*rows):
    """[(position, gross, material, overhead)] as the API takes them."""
    return [
        {
            "position": position,
            "employer_gross": gross,
            "material": material,
            "overhead": overhead,
            "months_filled": "12",
        }
        for position, gross, material, overhead in rows
    ]


FIRST = lines((1005, "80000.00", "5000.00", "3000.00"), (1015, "68000.00", "4000.00", "2000.00"))
CORRECTED = lines(
    (1005, "70000.00", "5000.00", "3000.00"), (1015, "68000.00", "4000.00", "2000.00")
)


def create(client, leverkusen, body_lines=FIRST, **extra):
    return client.post(
        LIST,
        {"recipient": leverkusen.pk, "year": YEAR, "lines": body_lines, **extra},
        format="json",
    )


def post(client, forecast_id, action, data=None, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    path = reverse(f"api:costforecast-{action}", args=[forecast_id])
    return client.post(path, data or {}, format="json", **headers)


def own_share(finance_client):
    response = finance_client.get(OVERVIEW, {"recipient": "leverkusen", "year": YEAR})
    assert response.status_code == 200, response.data
    data = response.data
    city = next(b["amount"] for b in data["by_bearer"] if b["organisation"] == "leverkusen")
    return D(data["totals"]["own_share"]), D(city)


# --- End to end ----------------------------------------------------------------------------------


def test_end_to_end_the_approved_forecast_changes_the_citys_own_share(
    caritas_api, leverkusen_coordinator_api, leverkusen_finance_api, leverkusen, leverkusen_caritas
):
    before_total, before_city = own_share(leverkusen_finance_api)

    created = create(caritas_api, leverkusen, title="Prognose April 2025")
    assert created.status_code == 201, created.data
    forecast_id = created.data["id"]
    assert (created.data["carrier_slug"], created.data["state"], created.data["number"]) == (
        "caritas-leverkusen",
        "draft",
        1,
    )
    assert created.data["label"] == "Prognose April 2025"
    assert [line["position"] for line in created.data["lines"]] == [1005, 1015]

    submitted = post(caritas_api, forecast_id, "submit", etag=created["ETag"])
    assert submitted.status_code == 200, submitted.data
    assert submitted.data["state_label"] == "Eingereicht"
    # Submitted is not approved: the engine still uses the plan.
    assert own_share(leverkusen_finance_api) == (before_total, before_city)

    returned = post(
        leverkusen_coordinator_api,
        forecast_id,
        "return",
        {"comment": "Arbeitgeberbrutto 1005 bitte belegen."},
        etag=submitted["ETag"],
    )
    assert returned.status_code == 200, returned.data
    assert (returned.data["state"], returned.data["return_comment"]) == (
        "returned",
        "Arbeitgeberbrutto 1005 bitte belegen.",
    )

    revised = post(caritas_api, forecast_id, "revise", etag=returned["ETag"])
    assert revised.status_code == 200, revised.data
    assert (revised.data["id"], revised.data["state"]) == (forecast_id, "draft")
    changed = caritas_api.patch(
        url("costforecast", CostForecast(pk=forecast_id)),
        {"lines": CORRECTED},
        format="json",
        HTTP_IF_MATCH=revised["ETag"],
    )
    assert changed.status_code == 200, changed.data
    resubmitted = post(caritas_api, forecast_id, "submit", etag=changed["ETag"])
    assert resubmitted.status_code == 200, resubmitted.data

    content = post(leverkusen_coordinator_api, forecast_id, "check", {"check": "content"})
    assert content.status_code == 200, content.data
    arithmetic = post(
        leverkusen_coordinator_api,
        forecast_id,
        "check",
        {"check": "arithmetic"},
        etag=content["ETag"],
    )
    assert arithmetic.status_code == 200, arithmetic.data
    checks = arithmetic.data["checks"]
    assert checks["content"]["by"] == checks["arithmetic"]["by"]
    assert checks["content"]["at"] and checks["arithmetic"]["at"]
    approved = post(leverkusen_coordinator_api, forecast_id, "approve", etag=arithmetic["ETag"])
    assert approved.status_code == 200, approved.data
    assert approved.data["state"] == "approved"

    after_total, after_city = own_share(leverkusen_finance_api)
    # Plan 2026 per Caritas position (fixtures/01_leverkusen.json): 72,560 + 12,500 + 20,316.80
    # = 105,376.80, funding 57,000, own share 48,376.80; both: 96,753.60.
    # Approved: 1005 70,000 + 5,000 + 3,000 = 78,000 (own 21,000); 1015 68,000 + 4,000 +
    # 2,000 = 74,000 (own 17,000); both: 38,000. Change: 38,000 − 96,753.60 = −58,753.60,
    # all of it the city's (coverage "all").
    assert after_total - before_total == D("-58753.60")
    assert after_city - before_city == D("-58753.60")


# --- Create and change ---------------------------------------------------------------------------


def test_create_without_lines_prefills_the_plan_and_the_carrier_is_implicit(
    caritas_api, leverkusen, leverkusen_caritas
):
    awo = Organisation.objects.get(slug="awo-leverkusen")

    # A carrier's user cannot write for another carrier: that carrier is outside its scope.
    refused = caritas_api.post(
        LIST, {"recipient": leverkusen.pk, "year": YEAR, "carrier": awo.pk}, format="json"
    )
    assert refused.status_code == 400
    assert refused.data["carrier"] == [
        f"„{awo.pk}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
    ]
    # Left out, ``carrier`` is its own.
    response = caritas_api.post(LIST, {"recipient": leverkusen.pk, "year": YEAR}, format="json")

    assert response.status_code == 201, response.data
    assert response.data["carrier"] == leverkusen_caritas.pk
    assert [(line["position"], line["employer_gross"]) for line in response.data["lines"]] == [
        (1005, "72560.00"),
        (1015, "72560.00"),
    ]
    assert response["ETag"] == CostForecast.objects.get(pk=response.data["id"]).etag


def test_refused_lines_answer_400_by_field_and_save_nothing(
    caritas_api, leverkusen, leverkusen_caritas
):
    before = (CostForecast.objects.count(), ForecastLine.objects.count())

    negative = create(caritas_api, leverkusen, lines((1005, "-1.00", "0", "0")))
    months = caritas_api.post(
        LIST,
        {
            "recipient": leverkusen.pk,
            "year": YEAR,
            "lines": [{"position": 1005, "employer_gross": "1.00", "months_filled": "13"}],
        },
        format="json",
    )
    foreign = create(caritas_api, leverkusen, lines((1006, "1.00", "0", "0")))  # AWO's position

    assert negative.status_code == 400
    assert negative.data == {
        "lines": ["Zeile 1, Arbeitgeberbrutto (€): Der Betrag darf nicht negativ sein."]
    }
    assert months.status_code == 400
    assert months.data == {
        "lines": ["Zeile 1, Besetzte Monate: Die Monate müssen zwischen 0 und 12 liegen."]
    }
    assert foreign.status_code == 400
    # Another carrier's position answers like an unknown one: its title stays hidden.
    assert foreign.data == {
        "lines": ["Zeile 1: Diese Stelle gibt es in Ihrem Zuständigkeitsbereich nicht."]
    }
    assert "AWO" not in foreign.content.decode()
    assert (CostForecast.objects.count(), ForecastLine.objects.count()) == before


def test_a_second_open_draft_answers_400(caritas_api, leverkusen, leverkusen_caritas):
    assert create(caritas_api, leverkusen).status_code == 201

    second = create(caritas_api, leverkusen)

    assert second.status_code == 400
    assert second.data == {
        "year": [
            "Für Caritasverband Leverkusen e. V. und 2026 ist schon eine Fassung in "
            "Bearbeitung; bitte diese weiterbearbeiten."
        ]
    }
    assert CostForecast.objects.filter(carrier=leverkusen_caritas, year=YEAR).count() == 1


def test_create_needs_a_carrier_with_positions_at_the_recipient(leverkusen, leverkusen_caritas):
    admin = token_client(UserFactory(role="admin", organisation=None))
    wesel = Organisation.objects.get(slug="kreis-wesel")

    missing = admin.post(LIST, {"recipient": leverkusen.pk, "year": YEAR}, format="json")
    elsewhere = admin.post(
        LIST, {"recipient": wesel.pk, "year": YEAR, "carrier": leverkusen_caritas.pk}, format="json"
    )

    assert missing.status_code == 400
    assert missing.data == {"carrier": ["Bitte die Trägerin angeben."]}
    assert elsewhere.status_code == 400
    assert elsewhere.data == {
        "recipient": [
            f"Caritasverband Leverkusen e. V. hat bei Kreis Wesel im Jahr {YEAR} keine Stellen."
        ]
    }


@pytest.mark.parametrize("role", ["coordinator", "finance", "council", "town"])
def test_only_carriers_open_drafts(role, leverkusen, leverkusen_caritas):
    organisation = TownFactory() if role == "town" else leverkusen
    client = token_client(UserFactory(role=role, organisation=organisation))

    response = client.post(
        LIST,
        {"recipient": leverkusen.pk, "year": YEAR, "carrier": leverkusen_caritas.pk},
        format="json",
    )

    assert response.status_code == 403
    assert response.data["detail"] == "Nur die Trägerin selbst bearbeitet ihre Prognose."
    assert not CostForecast.objects.filter(carrier=leverkusen_caritas, year=YEAR).exists()


def test_stale_if_match_answers_412_and_changes_nothing(
    caritas_api, leverkusen, leverkusen_caritas
):
    created = create(caritas_api, leverkusen)
    path = url("costforecast", CostForecast(pk=created.data["id"]))
    etag = created["ETag"]
    assert caritas_api.get(path)["ETag"] == etag

    first = caritas_api.patch(path, {"title": "Prognose Mai"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.data
    assert first["ETag"] != etag

    stale = caritas_api.patch(path, {"lines": CORRECTED}, format="json", HTTP_IF_MATCH=etag)
    stale_submit = post(caritas_api, created.data["id"], "submit", etag=etag)

    assert stale.status_code == 412
    assert "inzwischen von jemand anderem geändert" in stale.data["detail"]
    assert stale_submit.status_code == 412
    row = CostForecast.objects.get(pk=created.data["id"])
    assert (row.state, row.title, row.etag) == ("draft", "Prognose Mai", first["ETag"])
    assert ForecastLine.objects.get(forecast=row, position_id=1005).employer_gross == D("80000")


def test_put_replaces_all_lines_and_needs_them(caritas_api, leverkusen):
    created = create(caritas_api, leverkusen)
    path = url("costforecast", CostForecast(pk=created.data["id"]))

    without = caritas_api.put(path, {"title": "x"}, format="json")
    replaced = caritas_api.put(path, {"lines": CORRECTED[:1], "note": "Nur 1005."}, format="json")

    assert without.status_code == 400
    assert list(without.data) == ["lines"]
    assert replaced.status_code == 200, replaced.data
    assert [line["position"] for line in replaced.data["lines"]] == [1005]
    assert replaced.data["note"] == "Nur 1005."


def test_the_coordinator_cannot_edit_lines_and_a_carrier_cannot_approve(
    caritas_api, leverkusen_coordinator_api, leverkusen
):
    created = create(caritas_api, leverkusen)
    forecast_id = created.data["id"]
    path = url("costforecast", CostForecast(pk=forecast_id))

    edit = leverkusen_coordinator_api.patch(path, {"lines": CORRECTED}, format="json")
    assert edit.status_code == 403
    assert edit.data["detail"] == "Nur die Trägerin selbst bearbeitet ihre Prognose."

    assert post(caritas_api, forecast_id, "submit").status_code == 200
    for action, data in (
        ("approve", {}),
        ("check", {"check": "content"}),
        ("return", {"comment": "x"}),
    ):
        refused = post(caritas_api, forecast_id, action, data)
        assert refused.status_code == 403, action
        assert refused.data["detail"] == "Nur die KI-Koordination prüft und genehmigt Prognosen."

    row = CostForecast.objects.get(pk=forecast_id)
    assert (row.state, row.content_checked_at) == ("submitted", None)
    assert ForecastLine.objects.get(forecast=row, position_id=1005).employer_gross == D("80000")


def test_review_refusals_answer_400_with_the_german_message(
    caritas_api, leverkusen_coordinator_api, leverkusen
):
    forecast_id = create(caritas_api, leverkusen).data["id"]

    early = post(leverkusen_coordinator_api, forecast_id, "approve")
    assert early.status_code == 400
    assert early.data == {"state": ["Genehmigt werden kann nur eine eingereichte Prognose."]}

    post(caritas_api, forecast_id, "submit")
    unchecked = post(leverkusen_coordinator_api, forecast_id, "approve")
    unknown = post(leverkusen_coordinator_api, forecast_id, "check", {"check": "gefühlt"})
    no_reason = post(leverkusen_coordinator_api, forecast_id, "return", {"comment": " "})
    edit_submitted = caritas_api.patch(
        url("costforecast", CostForecast(pk=forecast_id)), {"lines": CORRECTED}, format="json"
    )

    assert unchecked.status_code == 400
    assert unchecked.data == {
        "state": [
            "Vor der Genehmigung fehlt noch die sachliche Prüfung und die rechnerische Prüfung."
        ]
    }
    assert unknown.status_code == 400
    assert unknown.data == {
        "check": ["Bitte „content“ (sachlich) oder „arithmetic“ (rechnerisch)."]
    }
    assert no_reason.status_code == 400
    assert no_reason.data == {"comment": ["Bitte begründen, was die Trägerin ändern soll."]}
    assert edit_submitted.status_code == 400
    assert edit_submitted.data == {
        "state": ["Nur ein Entwurf oder eine zurückgegebene Prognose kann geändert werden."]
    }
    row = CostForecast.objects.get(pk=forecast_id)
    assert (row.state, row.version) == ("submitted", 2)


def test_an_admin_cannot_approve_what_they_submitted(leverkusen, leverkusen_caritas):
    admin = token_client(UserFactory(role="admin", organisation=None))
    created = admin.post(
        LIST,
        {
            "recipient": leverkusen.pk,
            "carrier": leverkusen_caritas.pk,
            "year": YEAR,
            "lines": FIRST,
        },
        format="json",
    )
    assert created.status_code == 201, created.data
    post(admin, created.data["id"], "submit")

    refused = post(admin, created.data["id"], "approve")

    assert refused.status_code == 400
    assert refused.data == {"state": ["Sie können Ihre eigene Prognose nicht genehmigen."]}


def approve_via_api(caritas_api, leverkusen_coordinator_api, forecast_id):
    assert post(caritas_api, forecast_id, "submit").status_code == 200
    assert (
        post(leverkusen_coordinator_api, forecast_id, "check", {"check": "content"}).status_code
        == 200
    )
    assert (
        post(leverkusen_coordinator_api, forecast_id, "check", {"check": "arithmetic"}).status_code
        == 200
    )
    response = post(leverkusen_coordinator_api, forecast_id, "approve")
    assert response.status_code == 200, response.data
    return response


def test_revising_an_approved_forecast_answers_201_and_compare_shows_the_saving(
    caritas_api, leverkusen_coordinator_api, leverkusen
):
    old_id = create(caritas_api, leverkusen).data["id"]
    approve_via_api(caritas_api, leverkusen_coordinator_api, old_id)

    revision = post(caritas_api, old_id, "revise")
    assert revision.status_code == 201, revision.data
    new_id = revision.data["id"]
    assert (revision.data["number"], revision.data["revision_of"], revision.data["state"]) == (
        2,
        old_id,
        "draft",
    )
    caritas_api.patch(
        url("costforecast", CostForecast(pk=new_id)), {"lines": CORRECTED}, format="json"
    )
    assert CostForecast.objects.get(pk=old_id).state == "approved"

    comparison = leverkusen_coordinator_api.get(COMPARE, {"old": old_id, "new": new_id})

    assert comparison.status_code == 200, comparison.data
    data = comparison.data
    # Only 1005 changed: 88,000 -> 78,000; the city carries 31,000 -> 21,000: saves 10,000.
    rows = {row["position"]: row for row in data["lines"]}
    assert (rows[1005]["old_total"], rows[1005]["new_total"], rows[1005]["difference"]) == (
        "88000.00",
        "78000.00",
        "-10000.00",
    )
    assert (rows[1015]["difference"], rows[1015]["changed"]) == ("0.00", False)
    assert (data["old_total"], data["new_total"]) == ("162000.00", "152000.00")
    assert data["saving"] == "10000.00"
    assert (data["old"]["number"], data["new"]["number"]) == (1, 2)

    approve_via_api(caritas_api, leverkusen_coordinator_api, new_id)
    assert CostForecast.objects.get(pk=old_id).state == "superseded"


def test_effect_and_findings(caritas_api, leverkusen_coordinator_api, leverkusen):
    forecast_id = create(caritas_api, leverkusen, CORRECTED[:1]).data["id"]
    forecast = CostForecast(pk=forecast_id)

    as_coordinator = leverkusen_coordinator_api.get(url("costforecast", forecast, "effect"))
    as_carrier = caritas_api.get(url("costforecast", forecast, "effect"))
    detail = leverkusen_coordinator_api.get(url("costforecast", forecast), {"effect": "1"})
    findings = leverkusen_coordinator_api.get(url("costforecast", forecast, "findings"))

    # 70,000 + 5,000 + 3,000 = 78,000; funding min(57,000, 70,000) = 57,000; own 21,000,
    # all of it the city's (coverage "all").
    (line,) = as_coordinator.data["lines"]
    assert (line["total_cost"], line["funding"], line["own_share"]) == (
        "78000.00",
        "57000.00",
        "21000.00",
    )
    assert (line["carrier_carries"], line["recipient_carries"]) == ("0.00", "21000.00")
    assert "recipient_year_own_share" in as_coordinator.data
    # The city's whole year sums every carrier's figures: not for a carrier.
    assert "recipient_year_own_share" not in as_carrier.data
    assert as_carrier.data["recipient_carries"] == "21000.00"
    assert detail.data["effect"]["total_cost"] == "78000.00"
    assert findings.status_code == 200
    assert {"position": 1015, "text": "„Casemanagement Caritas 2“ fehlt in der Prognose."} in [
        dict(f) for f in findings.data
    ]


def test_list_filters(caritas_api, leverkusen_coordinator_api, leverkusen, leverkusen_caritas):
    forecast_id = create(caritas_api, leverkusen).data["id"]

    def listed(**query):
        return {row["id"] for row in results(leverkusen_coordinator_api.get(LIST, query))}

    assert forecast_id in listed(carrier="caritas-leverkusen", year=YEAR, kind="forecast")
    assert forecast_id in listed(state="draft")
    assert forecast_id not in listed(state="approved")
    assert forecast_id not in listed(year=YEAR - 1)
    assert forecast_id not in listed(carrier="awo-leverkusen")
    assert leverkusen_coordinator_api.get(LIST, {"year": "zwanzig"}).status_code == 400


# --- Attachments ---------------------------------------------------------------------------------


def upload(client, forecast_id, name, content, etag=None):
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.post(
        reverse("api:costforecast-attachments", args=[forecast_id]),
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        **headers,
    )


def test_attachments_upload_list_download_delete(
    caritas_api, leverkusen_coordinator_api, leverkusen
):
    created = create(caritas_api, leverkusen)
    forecast_id = created.data["id"]

    uploaded = upload(caritas_api, forecast_id, "Lohnjournal 2026.pdf", PDF_BYTES, created["ETag"])
    assert uploaded.status_code == 201, uploaded.data
    attachment = ForecastAttachment.objects.get(pk=uploaded.data["id"])
    assert (uploaded.data["name"], uploaded.data["size"]) == (
        "Lohnjournal 2026.pdf",
        len(PDF_BYTES),
    )

    listed = leverkusen_coordinator_api.get(
        reverse("api:costforecast-attachments", args=[forecast_id])
    )
    assert [a["id"] for a in listed.data] == [attachment.pk]
    detail = leverkusen_coordinator_api.get(url("costforecast", CostForecast(pk=forecast_id)))
    assert [a["name"] for a in detail.data["attachments"]] == ["Lohnjournal 2026.pdf"]

    download = leverkusen_coordinator_api.get(url("forecastattachment", attachment, "download"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Lohnjournal" in download["Content-Disposition"]

    # The coordinator reads but does not delete a carrier's attachment.
    refused = leverkusen_coordinator_api.delete(url("forecastattachment", attachment))
    assert refused.status_code == 403
    assert caritas_api.delete(url("forecastattachment", attachment)).status_code == 204
    assert not ForecastAttachment.objects.filter(pk=attachment.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Abrechnung.pdf", b"MZ not a pdf", "Die Datei endet auf .pdf, ist aber kein PDF."),
        ("setup.exe", b"MZ\x90\x00", "Bitte eine PDF- oder Excel-Datei (.xlsx) anhängen."),
        ("gross.pdf", PDF_BYTES + b"0" * (5 * 1024 * 1024), "Die Datei ist größer als 5 MB."),
    ],
)
def test_refused_attachments_answer_400_and_save_nothing(
    name, content, message, caritas_api, leverkusen
):
    created = create(caritas_api, leverkusen)

    response = upload(caritas_api, created.data["id"], name, content)

    assert response.status_code == 400
    assert response.data == {"file": [message]}
    assert ForecastAttachment.objects.count() == 0
    assert CostForecast.objects.get(pk=created.data["id"]).etag == created["ETag"]


def test_a_stale_upload_answers_412(caritas_api, leverkusen):
    created = create(caritas_api, leverkusen)
    caritas_api.patch(
        url("costforecast", CostForecast(pk=created.data["id"])), {"note": "neu"}, format="json"
    )

    response = upload(caritas_api, created.data["id"], "a.pdf", PDF_BYTES, created["ETag"])

    assert response.status_code == 412
    assert ForecastAttachment.objects.count() == 0


# --- Payments and year closings ------------------------------------------------------------------


def payment_data(leverkusen, leverkusen_caritas, **extra):
    return {
        "recipient": leverkusen.pk,
        "carrier": leverkusen_caritas.pk,
        "year": YEAR,
        "position": 1005,
        "paid_on": "2026-06-30",
        "amount": "20000.00",
        "purpose": "Abschlag 1. Halbjahr",
    } | extra


def test_payments_finance_writes_the_carrier_reads_its_own(
    leverkusen_finance_api, caritas_api, leverkusen, leverkusen_caritas
):
    created = leverkusen_finance_api.post(
        PAYMENTS, payment_data(leverkusen, leverkusen_caritas), format="json"
    )
    assert created.status_code == 201, created.data
    payment = CarrierPayment.objects.get(pk=created.data["id"])

    assert payment.pk in {row["id"] for row in results(caritas_api.get(PAYMENTS, {"year": YEAR}))}
    assert caritas_api.get(url("carrierpayment", payment)).status_code == 200
    assert (
        caritas_api.post(
            PAYMENTS, payment_data(leverkusen, leverkusen_caritas), format="json"
        ).status_code
        == 403
    )
    assert (
        caritas_api.patch(
            url("carrierpayment", payment), {"amount": "1.00"}, format="json"
        ).status_code
        == 403
    )
    assert caritas_api.delete(url("carrierpayment", payment)).status_code == 403

    negative = leverkusen_finance_api.post(
        PAYMENTS, payment_data(leverkusen, leverkusen_caritas, amount="-5.00"), format="json"
    )
    assert negative.status_code == 400
    assert negative.data == {"amount": ["Der Betrag darf nicht negativ sein."]}
    foreign = leverkusen_finance_api.post(
        PAYMENTS, payment_data(leverkusen, leverkusen_caritas, position=1006), format="json"
    )
    assert foreign.status_code == 400
    assert foreign.data == {
        "position": [
            "Die Stelle „Casemanagement AWO 1“ ist nicht bei Caritasverband Leverkusen e. V. "
            "angestellt."
        ]
    }
    elsewhere = OrganisationFactory()
    other = leverkusen_finance_api.post(
        PAYMENTS,
        payment_data(elsewhere, leverkusen_caritas, position=None),
        format="json",
    )
    assert other.status_code == 400
    assert other.data == {
        "recipient": [
            f"„{elsewhere.pk}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
        ]
    }

    etag = created["ETag"]
    assert (
        leverkusen_finance_api.patch(
            url("carrierpayment", payment),
            {"amount": "21000.00"},
            format="json",
            HTTP_IF_MATCH=etag,
        ).status_code
        == 200
    )
    stale = leverkusen_finance_api.patch(
        url("carrierpayment", payment), {"amount": "1.00"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    payment.refresh_from_db()
    assert payment.amount == D("21000.00")
    assert CarrierPayment.objects.filter(carrier=leverkusen_caritas, year=YEAR).count() == 1
    assert leverkusen_finance_api.delete(url("carrierpayment", payment)).status_code == 204


def test_year_closings_for_finance_and_coordination(
    leverkusen_finance_api, leverkusen_coordinator_api, caritas_api, leverkusen
):
    data = {"recipient": leverkusen.pk, "year": YEAR, "closed_on": "2027-04-30"}

    created = leverkusen_coordinator_api.post(CLOSINGS, data, format="json")
    duplicate = leverkusen_finance_api.post(CLOSINGS, data, format="json")
    by_carrier = caritas_api.post(CLOSINGS, data | {"year": YEAR + 1}, format="json")
    council = token_client(UserFactory(role="council", organisation=leverkusen))
    by_council = council.post(CLOSINGS, data | {"year": YEAR + 1}, format="json")

    assert created.status_code == 201, created.data
    assert duplicate.status_code == 400
    assert duplicate.data == {"non_field_errors": ["Dieses Jahr ist schon abgeschlossen."]}
    assert (by_carrier.status_code, by_council.status_code) == (403, 403)
    assert results(caritas_api.get(CLOSINGS)) == []
    assert YearClosing.objects.filter(recipient=leverkusen, year=YEAR).count() == 1
    assert not YearClosing.objects.filter(recipient=leverkusen, year=YEAR + 1).exists()


def test_a_year_closing_is_changed_and_deleted_by_finance_only(
    leverkusen_finance_api, caritas_api, leverkusen
):
    closing = YearClosing.objects.create(
        recipient=leverkusen, year=YEAR, closed_on=date(YEAR + 1, 4, 30)
    )
    path = reverse("api:yearclosing-detail", args=[closing.pk])
    etag = leverkusen_finance_api.get(path)["ETag"]

    changed = leverkusen_finance_api.patch(
        path, {"note": "Prüfung abgeschlossen"}, format="json", HTTP_IF_MATCH=etag
    )
    stale = leverkusen_finance_api.delete(path, HTTP_IF_MATCH=etag)

    assert changed.status_code == 200, changed.data
    assert stale.status_code == 412
    assert caritas_api.delete(path).status_code == 403
    assert leverkusen_finance_api.delete(path, HTTP_IF_MATCH=changed["ETag"]).status_code == 204
    assert not YearClosing.objects.filter(pk=closing.pk).exists()


# --- Forecast against actual, inbox --------------------------------------------------------------


def test_carrier_actuals_by_hand(
    leverkusen_finance_api, leverkusen_coordinator_api, caritas_api, leverkusen, leverkusen_caritas
):
    approve_via_api(
        caritas_api,
        leverkusen_coordinator_api,
        create(caritas_api, leverkusen, CORRECTED).data["id"],
    )
    CarrierPaymentFactory(
        recipient=leverkusen,
        carrier=leverkusen_caritas,
        year=YEAR,
        position_id=1005,
        amount=D("30000"),
    )

    response = leverkusen_finance_api.get(ACTUALS, {"year": YEAR, "carrier": "caritas-leverkusen"})

    (row,) = results(response)
    assert (row["carrier_name"], row["recipient_slug"], row["year"]) == (
        "Caritasverband Leverkusen e. V.",
        "leverkusen",
        YEAR,
    )
    lines_by = {line["position"]: line for line in row["lines"]}
    assert (lines_by[1005]["forecast"], lines_by[1005]["actual"], lines_by[1005]["paid"]) == (
        "78000.00",
        None,
        "30000.00",
    )
    # 78,000 + 74,000 = 152,000; the city carries 21,000 + 17,000 = 38,000, paid 30,000.
    assert (row["forecast_total"], row["recipient_forecast"], row["paid_total"]) == (
        "152000.00",
        "38000.00",
        "30000.00",
    )
    assert row["paid_difference"] == "-8000.00"
    # The carrier sees its own row; without ?carrier the finance staff see all three carriers.
    assert [r["carrier_name"] for r in results(caritas_api.get(ACTUALS, {"year": YEAR}))] == [
        "Caritasverband Leverkusen e. V."
    ]
    assert len(results(leverkusen_finance_api.get(ACTUALS, {"year": YEAR}))) == 3
    assert leverkusen_finance_api.get(ACTUALS).status_code == 400


def test_inbox_for_reviewer_and_carrier(caritas_api, leverkusen_coordinator_api, leverkusen):
    forecast_id = create(caritas_api, leverkusen).data["id"]

    carrier_items = results(caritas_api.get(INBOX))
    assert any(item["forecast"] == forecast_id for item in carrier_items)
    assert forecast_id not in {
        item["forecast"] for item in results(leverkusen_coordinator_api.get(INBOX))
    }

    post(caritas_api, forecast_id, "submit")
    waiting = [
        i for i in results(leverkusen_coordinator_api.get(INBOX)) if i["forecast"] == forecast_id
    ]
    assert waiting[0]["carrier_name"] == "Caritasverband Leverkusen e. V."
    assert waiting[0]["text"].startswith("Prognose")


# --- Scope: another carrier, a town, the council ------------------------------------------------

SECRET_GROSS = "71234.56"
SECRET_PAYMENT = "43210.98"


@pytest.fixture
def caritas_data(caritas_api, leverkusen_coordinator_api, leverkusen, leverkusen_caritas):
    """Caritas's statements (an approved one and its revision), an attachment, a payment."""
    old = create(caritas_api, leverkusen, lines((1005, SECRET_GROSS, "5000.00", "3000.00")))
    old_id = old.data["id"]
    upload(caritas_api, old_id, "Caritas-Lohnjournal.pdf", PDF_BYTES)
    approve_via_api(caritas_api, leverkusen_coordinator_api, old_id)
    new_id = post(caritas_api, old_id, "revise").data["id"]
    CarrierPaymentFactory(
        recipient=leverkusen,
        carrier=leverkusen_caritas,
        year=YEAR,
        position_id=1005,
        amount=D(SECRET_PAYMENT),
    )
    return {
        "old": CostForecast.objects.get(pk=old_id),
        "new": CostForecast.objects.get(pk=new_id),
        "attachment": ForecastAttachment.objects.get(forecast_id=old_id),
        "payment": CarrierPayment.objects.get(amount=D(SECRET_PAYMENT)),
    }


def other_carrier_client(leverkusen):
    """A second carrier at Leverkusen with a position and a draft of its own."""
    other = CarrierFactory(name="Malteser Hilfsdienst Leverkusen", slug="malteser-leverkusen")
    position = PositionFactory(
        recipient=leverkusen,
        employer=other,
        block=BuildingBlockFactory(number=2),
        title="Casemanagement Malteser",
        planned_start=date(2024, 1, 1),
    )
    agreement = ForwardingAgreement.objects.create(
        recipient=leverkusen, carrier=other, valid_from=date(2024, 1, 1), coverage_policy="all"
    )
    agreement.positions.add(position)
    Occupancy.objects.create(position=position, start=date(2024, 1, 1), fte=D("1"))
    user = UserFactory(role="carrier", organisation=other)
    client = token_client(user)
    own = client.post(LIST, {"recipient": leverkusen.pk, "year": YEAR}, format="json")
    assert own.status_code == 201, own.data
    return client


def outsider(kind, leverkusen):
    if kind == "other_carrier":
        return other_carrier_client(leverkusen)
    if kind == "town":
        return token_client(
            UserFactory(role="town", organisation=Organisation.objects.get(slug="hueckeswagen"))
        )
    return token_client(UserFactory(role="council", organisation=leverkusen))


def assert_no_caritas(response):
    body = response.content.decode()
    for secret in ("Caritas", SECRET_GROSS, SECRET_PAYMENT, "Lohnjournal"):
        assert secret not in body, (secret, response.request["PATH_INFO"])


@pytest.mark.parametrize("kind", ["other_carrier", "town", "council"])
def test_outsiders_never_see_caritas_data(kind, caritas_data, leverkusen):
    client = outsider(kind, leverkusen)
    old, new = caritas_data["old"], caritas_data["new"]
    attachment, payment = caritas_data["attachment"], caritas_data["payment"]
    state_before = {f.pk: (f.state, f.version) for f in (old, new)}

    # Lists: empty, or only the outsider's own rows.
    for path, query in (
        (LIST, {}),
        (LIST, {"carrier": "caritas-leverkusen"}),
        (ATTACHMENTS, {}),
        (PAYMENTS, {}),
        (ACTUALS, {"year": YEAR}),
        (ACTUALS, {"year": YEAR, "carrier": "caritas-leverkusen"}),
        (INBOX, {}),
    ):
        response = client.get(path, query)
        assert response.status_code == 200, (path, response.data)
        assert_no_caritas(response)
    assert results(client.get(LIST, {"carrier": "caritas-leverkusen"})) == []
    assert results(client.get(PAYMENTS)) == []

    # Objects: 404, whatever the method.
    reads = [
        url("costforecast", old),
        url("costforecast", old, "effect"),
        url("costforecast", old, "findings"),
        url("costforecast", old, "attachments"),
        url("forecastattachment", attachment),
        url("forecastattachment", attachment, "download"),
        url("carrierpayment", payment),
    ]
    for path in reads:
        response = client.get(path)
        assert response.status_code == 404, path
        assert_no_caritas(response)
    compare = client.get(COMPARE, {"old": old.pk, "new": new.pk})
    assert compare.status_code == 404
    assert_no_caritas(compare)

    steps = [
        ("submit", new, {}),
        ("check", new, {"check": "content"}),
        ("approve", new, {}),
        ("return", new, {"comment": "x"}),
        ("revise", old, {}),
    ]
    for action, forecast, data in steps:
        response = post(client, forecast.pk, action, data)
        assert response.status_code == 404, action
        assert_no_caritas(response)
    assert upload(client, new.pk, "x.pdf", PDF_BYTES).status_code == 404
    assert client.patch(url("costforecast", new), {"lines": []}, format="json").status_code == 404
    assert client.delete(url("forecastattachment", attachment)).status_code == 404
    payment_write = client.patch(url("carrierpayment", payment), {"amount": "1"}, format="json")
    # None of the outsiders may change payments: refused before the scope is looked at.
    assert payment_write.status_code == 403

    assert {
        f.pk: (f.state, f.version) for f in CostForecast.objects.filter(pk__in=[old.pk, new.pk])
    } == state_before
    assert ForecastAttachment.objects.filter(pk=attachment.pk).exists()
    payment.refresh_from_db()
    assert payment.amount == D(SECRET_PAYMENT)


def test_another_carrier_sees_its_own_rows(caritas_data, leverkusen):
    client = other_carrier_client(leverkusen)

    rows = results(client.get(LIST))

    assert [row["carrier_slug"] for row in rows] == ["malteser-leverkusen"]
    assert [line["position_title"] for line in rows[0]["lines"]] == ["Casemanagement Malteser"]


def test_a_coordinator_of_another_recipient_sees_nothing(caritas_data):
    stranger = token_client(
        UserFactory(role="coordinator", organisation=Organisation.objects.get(slug="kreis-wesel"))
    )

    assert results(stranger.get(LIST, {"carrier": "caritas-leverkusen"})) == []
    assert stranger.get(url("costforecast", caritas_data["new"])).status_code == 404
    assert post(stranger, caritas_data["new"].pk, "approve").status_code == 404


def test_users_without_a_role_or_login_get_nothing(caritas_data):
    roleless = token_client(UserFactory(organisation=caritas_data["old"].recipient))
    anonymous = APIClient()

    for client in (roleless, anonymous):
        for path in (LIST, url("costforecast", caritas_data["old"]), ATTACHMENTS, ACTUALS, INBOX):
            # No role: no permission (403); anonymous: 403 too, see
            # tests/test_kim_admin_scoping_api.py::test_anonymous_gets_nothing.
            assert client.get(path).status_code == 403, path
        assert post(client, caritas_data["new"].pk, "submit").status_code == 403


# --- Query counts --------------------------------------------------------------------------------
#
# Each list answers in the same number of queries for 10 and 1,000 rows. Token requests:
# token + user with its role (1); the rest is per endpoint.


@pytest.fixture
def plan_world(demo_data):
    """A new recipient and a carrier with a funded position (the demo's programme rates);
    the demo's rows are outside every user's scope here but the administrator's."""
    city, carrier_org = OrganisationFactory(), CarrierFactory()
    position = PositionFactory(recipient=city, employer=carrier_org, planned_start=date(2023, 1, 1))
    Occupancy.objects.create(position=position, start=date(2023, 1, 1), fte=D("1"))
    return city, carrier_org, position


def bulk_forecasts(n, city, carrier_org, position):
    forecasts = CostForecast.objects.bulk_create(
        CostForecast(
            recipient=city, carrier=carrier_org, year=YEAR, number=i + 1, state="superseded"
        )
        for i in range(n)
    )
    ForecastLine.objects.bulk_create(
        ForecastLine(forecast=f, position=position, employer_gross=D("70000")) for f in forecasts
    )
    ForecastAttachment.objects.bulk_create(
        ForecastAttachment(
            forecast=f,
            name="a.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0",
            content=b"%",
        )
        for f in forecasts
    )
    return forecasts


def many_positions(n, city, carrier_org):
    block = BuildingBlockFactory(number=2)
    positions = Position.objects.bulk_create(
        Position(
            recipient=city,
            block=block,
            funding_kind="case_management",
            title=f"CM {i:04}",
            fte=D("1"),
            employer=carrier_org,
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )
    Occupancy.objects.bulk_create(
        Occupancy(position=p, start=date(2023, 1, 1), fte=D("1")) for p in positions
    )
    return positions


def setup_forecasts(n, world):
    city, carrier_org, position = world
    bulk_forecasts(n, city, carrier_org, position)


def setup_attachments(n, world):
    city, carrier_org, _position = world
    forecast = CostForecastFactory(recipient=city, carrier=carrier_org, year=YEAR)
    ForecastAttachment.objects.bulk_create(
        ForecastAttachment(
            forecast=forecast,
            name=f"{i}.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0",
            content=b"%",
        )
        for i in range(n)
    )


def setup_payments(n, world):
    city, carrier_org, position = world
    CarrierPayment.objects.bulk_create(
        CarrierPayment(
            recipient=city,
            carrier=carrier_org,
            year=YEAR,
            position=position,
            paid_on=date(YEAR, 1, 1),
            amount=D("1"),
            purpose="Abschlag",
        )
        for _ in range(n)
    )


def setup_actuals(n, world):
    city, carrier_org, _position = world
    positions = many_positions(n - 1, city, carrier_org) + [_position]
    forecast = CostForecastFactory(recipient=city, carrier=carrier_org, year=YEAR, state="approved")
    ForecastLine.objects.bulk_create(
        ForecastLine(forecast=forecast, position=p, employer_gross=D("70000")) for p in positions
    )
    setup_payments(n, world)


def setup_inbox(n, world):
    city, _carrier_org, position = world
    carriers = Organisation.objects.bulk_create(
        Organisation(name=f"Träger {i}", slug=f"traeger-q-{i}", kind="carrier") for i in range(n)
    )
    CostForecast.objects.bulk_create(
        CostForecast(recipient=city, carrier=c, year=YEAR, state="submitted") for c in carriers
    )


def setup_due(n, world):
    """n drafts of the carrier, each at another recipient (one open draft per carrier, year and
    recipient)."""
    _city, carrier_org, _position = world
    cities = Organisation.objects.bulk_create(
        Organisation(name=f"Stadt D{i}", slug=f"stadt-d-{i}", kind="county_free_city")
        for i in range(n)
    )
    CostForecast.objects.bulk_create(
        CostForecast(recipient=c, carrier=carrier_org, year=YEAR) for c in cities
    )


def setup_closings(n, world):
    cities = Organisation.objects.bulk_create(
        Organisation(name=f"Stadt Q{i}", slug=f"stadt-q-{i}", kind="county_free_city")
        for i in range(n)
    )
    YearClosing.objects.bulk_create(
        YearClosing(recipient=c, year=CLOSED_YEAR, closed_on=date(2100, 4, 30)) for c in cities
    )


# A year no demo recipient has closed.
CLOSED_YEAR = 2099


# name -> (setup, path, query, role, rows expected for n, queries)
LISTS = {
    # token + user with its role, COUNT, page, lines, attachments (the scope is the permission).
    "forecasts": (setup_forecasts, LIST, {}, "coordinator", lambda n: n, 5),
    "forecasts as carrier": (setup_forecasts, LIST, {}, "carrier", lambda n: n, 5),
    # token + user with its role, COUNT, page.
    "attachments": (setup_attachments, ATTACHMENTS, {}, "coordinator", lambda n: n, 3),
    # token + user with its role, permissions (user's and group's, one statement), COUNT, page.
    "payments": (setup_payments, PAYMENTS, {}, "coordinator", lambda n: n, 4),
    "inbox": (setup_inbox, INBOX, {}, "coordinator", lambda n: n, 4),
    # token + user with its role, permissions (1); the carrier's returned and unsent statements,
    # those that cover a year, and its recipients in this and next year (2). Rows: the n
    # drafts and this and next year's missing forecast at the position's recipient.
    "inbox as carrier": (setup_due, INBOX, {}, "carrier", lambda n: min(n + 2, 1000), 7),
    # token + user (an admin has no group to load), COUNT, page.
    "closings": (setup_closings, CLOSINGS, {"year": CLOSED_YEAR}, "admin", lambda n: n, 3),
    # One carrier at one recipient, whatever its number of positions and payments: token +
    # user with its role, the pairs, the organisations, the two approved statements, their
    # lines, the payments, the carrier's positions, and the engine's year (14) for the effect.
    "actuals": (setup_actuals, ACTUALS, {"year": YEAR}, "coordinator", lambda n: 1, 23),
}


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_query_count_is_constant(name, n, plan_world, django_assert_num_queries):
    setup, path, query, role, expected, queries = LISTS[name]
    setup(n, plan_world)
    city, carrier_org, _position = plan_world
    organisation = {"admin": None, "carrier": carrier_org}.get(role, city)
    client = token_client(UserFactory(role=role, organisation=organisation))

    with django_assert_num_queries(queries):
        response = client.get(path, {"limit": 1000, **query})

    rows = results(response)
    assert len(rows) == expected(n)
    if name == "actuals":
        assert len(rows[0]["lines"]) == n
