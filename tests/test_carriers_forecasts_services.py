"""The forecast workflow's rules (carriers.forecasts.services): each refusal with its German
message, and nothing of a refused step saved; versions, revisions, attachments and mails.

Leverkusen's demo data (fixtures/01_leverkusen.json): Caritas holds positions 1005
("Casemanagement Caritas 1") and 1015 ("Casemanagement Caritas 2"), AWO 1006 and 1016.
"""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carriers.forecasts import services
from carriers.forecasts.services import LineInput
from carriers.models import CostForecast, ForecastAttachment, ForecastLine, Organisation
from kim_admin.versioning import VersionConflict
from staffing.models import Position
from tests.factories import PDF_BYTES, OrganisationFactory, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

# A year without the demo's statements for Caritas (fixtures/05_*.json has 2024 and 2025).
YEAR = 2026


@pytest.fixture
def awo(demo_data):
    return Organisation.objects.get(slug="awo-leverkusen")


@pytest.fixture
def carrier_user(leverkusen_caritas):
    return UserFactory(
        role="carrier", organisation=leverkusen_caritas, email="prognose@caritas-leverkusen.example"
    )


@pytest.fixture
def second_coordinator(leverkusen):
    return UserFactory(role="coordinator", organisation=leverkusen, email="ki2@leverkusen.example")


def line(position_id, gross="70000.00", material="5000.00", overhead="3000.00", months="12"):
    return LineInput(
        position_id=position_id,
        employer_gross=D(gross),
        material=D(material),
        overhead=D(overhead),
        months_filled=D(months),
    )


@pytest.fixture
def draft(leverkusen, leverkusen_caritas, carrier_user):
    return services.forecast_create(
        recipient=leverkusen,
        carrier=leverkusen_caritas,
        year=YEAR,
        actor=carrier_user,
        lines=[line(1005), line(1015, gross="68000.00", material="4000.00", overhead="2000.00")],
    )


@pytest.fixture
def submitted(draft, carrier_user):
    return services.forecast_submit(forecast=draft, actor=carrier_user)


def checked(forecast, reviewer):
    services.forecast_check(forecast=forecast, actor=reviewer, check="content")
    services.forecast_check(forecast=forecast, actor=reviewer, check="arithmetic")
    return forecast


@pytest.fixture
def approved(submitted, leverkusen_coordinator):
    return services.forecast_approve(
        forecast=checked(submitted, leverkusen_coordinator), actor=leverkusen_coordinator
    )


def counts():
    return (
        CostForecast.objects.count(),
        ForecastLine.objects.count(),
        ForecastAttachment.objects.count(),
    )


def stored(forecast):
    """What is stored: state, version and lines, to show nothing moved."""
    row = CostForecast.objects.get(pk=forecast.pk)
    lines = sorted(
        ForecastLine.objects.filter(forecast=row).values_list(
            "position_id", "employer_gross", "material", "overhead", "months_filled"
        )
    )
    return row.state, row.version, lines


# --- Lines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"gross": "-1.00"},
            "Zeile 2, Arbeitgeberbrutto (€): Der Betrag darf nicht negativ sein.",
        ),
        ({"material": "-0.01"}, "Zeile 2, Sachkosten (€): Der Betrag darf nicht negativ sein."),
        ({"overhead": "-500"}, "Zeile 2, Gemeinkosten (€): Der Betrag darf nicht negativ sein."),
        (
            {"months": "12.5"},
            "Zeile 2, Besetzte Monate: Die Monate müssen zwischen 0 und 12 liegen.",
        ),
        ({"months": "-1"}, "Zeile 2, Besetzte Monate: Die Monate müssen zwischen 0 und 12 liegen."),
    ],
)
def test_a_refused_line_saves_no_draft(bad, message, leverkusen, leverkusen_caritas, carrier_user):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_create(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            actor=carrier_user,
            lines=[line(1005), line(1015, **bad)],
        )

    assert refused.value.message_dict == {"lines": [message]}
    assert counts() == before


def test_a_refused_line_leaves_the_stored_lines(draft, carrier_user):
    before = stored(draft)

    with pytest.raises(ValidationError) as refused:
        services.forecast_update(
            forecast=draft,
            actor=carrier_user,
            lines=[line(1005, gross="1.00"), line(1015, months="13")],
            expected_version=draft.version,
        )

    assert refused.value.message_dict == {
        "lines": ["Zeile 2, Besetzte Monate: Die Monate müssen zwischen 0 und 12 liegen."]
    }
    assert stored(draft) == before


def test_a_position_of_another_carrier_is_refused(leverkusen, leverkusen_caritas, carrier_user):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_create(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            actor=carrier_user,
            lines=[line(1005), line(1006)],  # 1006: AWO's
        )

    assert refused.value.message_dict == {
        "lines": [
            "Zeile 2, Stelle: Diese Stelle ist nicht bei Caritasverband Leverkusen e. V. "
            "angestellt (oder gehört zu einem anderen Zuwendungsempfänger)."
        ]
    }
    assert counts() == before


def test_a_position_at_another_recipient_is_refused(leverkusen, leverkusen_caritas, carrier_user):
    # The same carrier employs it, but for another city: not part of Leverkusen's forecast.
    elsewhere = PositionFactory(
        recipient=OrganisationFactory(name="Stadt Anderswo"),
        employer=leverkusen_caritas,
        title="CM Anderswo",
    )
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_create(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            actor=carrier_user,
            lines=[line(elsewhere.pk)],
        )

    assert refused.value.message_dict == {
        "lines": [
            "Zeile 1, Stelle: Diese Stelle ist nicht bei Caritasverband Leverkusen e. V. "
            "angestellt (oder gehört zu einem anderen Zuwendungsempfänger)."
        ]
    }
    assert counts() == before


def test_the_same_position_twice_is_refused(leverkusen, leverkusen_caritas, carrier_user):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_create(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            actor=carrier_user,
            lines=[line(1005), line(1005)],
        )

    assert refused.value.message_dict == {
        "lines": ["Zeile 2: Diese Stelle steht schon in der Prognose."]
    }
    assert counts() == before


def test_without_lines_the_draft_starts_with_the_plan_figures(
    leverkusen, leverkusen_caritas, carrier_user
):
    forecast = services.forecast_create(
        recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR, actor=carrier_user
    )

    # fixtures/01_leverkusen.json, position costs 2026 (planned) of both Caritas positions.
    assert stored(forecast)[2] == [
        (1005, D("72560.00"), D("12500.00"), D("20316.80"), D("12.00")),
        (1015, D("72560.00"), D("12500.00"), D("20316.80"), D("12.00")),
    ]


# --- Who opens and edits -------------------------------------------------------------------------


def test_a_second_open_draft_for_the_same_year_is_refused(
    draft, leverkusen, leverkusen_caritas, carrier_user
):
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_create(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            actor=carrier_user,
            lines=[],
        )

    assert refused.value.message_dict == {
        "year": [
            "Für Caritasverband Leverkusen e. V. und 2026 ist schon eine Fassung in "
            "Bearbeitung; bitte diese weiterbearbeiten."
        ]
    }
    assert counts() == before


def test_another_carriers_user_cannot_open_a_draft_for_caritas(leverkusen, leverkusen_caritas, awo):
    awo_user = UserFactory(role="carrier", organisation=awo)
    before = counts()

    with pytest.raises(PermissionDenied) as refused:
        services.forecast_create(
            recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR, actor=awo_user, lines=[]
        )

    assert str(refused.value) == "Nur die Trägerin selbst bearbeitet ihre Prognose."
    assert counts() == before


def test_a_coordinator_cannot_edit_lines(draft, leverkusen_coordinator):
    before = stored(draft)

    with pytest.raises(PermissionDenied) as refused:
        services.forecast_update(
            forecast=draft, actor=leverkusen_coordinator, lines=[line(1005, "1.00")]
        )

    assert str(refused.value) == "Nur die Trägerin selbst bearbeitet ihre Prognose."
    assert stored(draft) == before


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_a_submitted_or_approved_forecast_cannot_be_edited(state, request, carrier_user):
    forecast = request.getfixturevalue(state)
    before = stored(forecast)

    with pytest.raises(ValidationError) as refused:
        services.forecast_update(
            forecast=CostForecast.objects.get(pk=forecast.pk),
            actor=carrier_user,
            lines=[line(1005, gross="1.00")],
        )

    assert refused.value.message_dict == {
        "state": ["Nur ein Entwurf oder eine zurückgegebene Prognose kann geändert werden."]
    }
    assert stored(forecast) == before


def test_a_stale_version_is_refused(draft, carrier_user):
    seen = draft.version
    services.forecast_update(
        forecast=CostForecast.objects.get(pk=draft.pk),
        actor=carrier_user,
        lines=[line(1005, gross="71000.00")],
        title="Prognose April 2025",
        expected_version=seen,
    )
    before = stored(draft)

    with pytest.raises(VersionConflict):
        services.forecast_update(
            forecast=CostForecast.objects.get(pk=draft.pk),
            actor=carrier_user,
            lines=[line(1005, gross="99999.00")],
            expected_version=seen,
        )
    with pytest.raises(VersionConflict):
        services.forecast_submit(
            forecast=CostForecast.objects.get(pk=draft.pk),
            actor=carrier_user,
            expected_version=seen,
        )

    assert stored(draft) == before
    assert before[0] == "draft"
    assert before[2] == [(1005, D("71000.00"), D("5000.00"), D("3000.00"), D("12.00"))]


def test_an_empty_forecast_cannot_be_submitted(leverkusen, leverkusen_caritas, carrier_user):
    forecast = services.forecast_create(
        recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR, actor=carrier_user, lines=[]
    )
    before = stored(forecast)

    with pytest.raises(ValidationError) as refused:
        services.forecast_submit(forecast=forecast, actor=carrier_user)

    assert refused.value.message_dict == {
        "lines": ["Eine Prognose ohne Stellen kann nicht eingereicht werden."]
    }
    assert stored(forecast) == before


# --- Review --------------------------------------------------------------------------------------


def test_a_carrier_cannot_check_or_approve(submitted, carrier_user):
    before = stored(submitted)

    for step in (
        lambda: services.forecast_check(forecast=submitted, actor=carrier_user, check="content"),
        lambda: services.forecast_approve(forecast=submitted, actor=carrier_user),
        lambda: services.forecast_return(forecast=submitted, actor=carrier_user, comment="x"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            step()
        assert str(refused.value) == "Nur die KI-Koordination prüft und genehmigt Prognosen."

    assert stored(submitted) == before


def test_a_coordinator_of_another_recipient_cannot_review(submitted):
    stranger = UserFactory(role="coordinator", organisation=OrganisationFactory())
    before = stored(submitted)

    with pytest.raises(PermissionDenied):
        services.forecast_approve(forecast=submitted, actor=stranger)

    assert stored(submitted) == before


def test_approval_needs_both_checks(submitted, leverkusen_coordinator):
    before = stored(submitted)

    with pytest.raises(ValidationError) as refused:
        services.forecast_approve(forecast=submitted, actor=leverkusen_coordinator)
    assert refused.value.message_dict == {
        "state": [
            "Vor der Genehmigung fehlt noch die sachliche Prüfung und die rechnerische Prüfung."
        ]
    }
    assert stored(submitted) == before

    services.forecast_check(forecast=submitted, actor=leverkusen_coordinator, check="content")
    after_one = stored(submitted)
    with pytest.raises(ValidationError) as refused:
        services.forecast_approve(forecast=submitted, actor=leverkusen_coordinator)
    assert refused.value.message_dict == {
        "state": ["Vor der Genehmigung fehlt noch die rechnerische Prüfung."]
    }
    assert stored(submitted) == after_one
    assert stored(submitted)[0] == "submitted"


def test_an_unknown_check_is_refused(submitted, leverkusen_coordinator):
    before = stored(submitted)

    with pytest.raises(ValidationError) as refused:
        services.forecast_check(forecast=submitted, actor=leverkusen_coordinator, check="gut")

    assert refused.value.message_dict == {"check": ["Unbekannte Prüfung."]}
    assert stored(submitted) == before


def test_a_reviewer_cannot_approve_what_they_submitted(leverkusen, leverkusen_caritas):
    # An administrator may write for a carrier and review; never both for one statement.
    admin = UserFactory(role="admin", organisation=None)
    forecast = services.forecast_create(
        recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR, actor=admin, lines=[line(1005)]
    )
    services.forecast_submit(forecast=forecast, actor=admin)
    before = stored(forecast)

    with pytest.raises(ValidationError) as refused:
        services.forecast_check(forecast=forecast, actor=admin, check="content")
    assert refused.value.message_dict == {
        "state": ["Sie können Ihre eigene Prognose nicht prüfen."]
    }
    with pytest.raises(ValidationError) as refused:
        services.forecast_approve(forecast=forecast, actor=admin)
    assert refused.value.message_dict == {
        "state": ["Sie können Ihre eigene Prognose nicht genehmigen."]
    }
    assert stored(forecast) == before


def test_return_needs_a_comment_and_keeps_it(submitted, leverkusen_coordinator, carrier_user):
    before = stored(submitted)
    with pytest.raises(ValidationError) as refused:
        services.forecast_return(forecast=submitted, actor=leverkusen_coordinator, comment="  ")
    assert refused.value.message_dict == {
        "comment": ["Bitte begründen, was die Trägerin ändern soll."]
    }
    assert stored(submitted) == before

    services.forecast_return(
        forecast=submitted, actor=leverkusen_coordinator, comment=" Gemeinkosten bitte belegen. "
    )
    row = CostForecast.objects.get(pk=submitted.pk)
    assert (row.state, row.return_comment, row.decided_by) == (
        "returned",
        "Gemeinkosten bitte belegen.",
        leverkusen_coordinator,
    )


def test_resubmitting_clears_earlier_checks(submitted, leverkusen_coordinator, carrier_user):
    checked(submitted, leverkusen_coordinator)
    services.forecast_return(
        forecast=submitted, actor=leverkusen_coordinator, comment="Bitte korrigieren."
    )
    services.forecast_revise(forecast=submitted, actor=carrier_user)
    services.forecast_submit(forecast=submitted, actor=carrier_user)

    row = CostForecast.objects.get(pk=submitted.pk)
    assert row.state == "submitted"
    assert row.content_checked_at is None and row.arithmetic_checked_at is None
    with pytest.raises(ValidationError):
        services.forecast_approve(forecast=row, actor=leverkusen_coordinator)


# --- Revisions -----------------------------------------------------------------------------------


def test_revising_an_approved_forecast_supersedes_it_only_once_approved(
    approved, carrier_user, leverkusen_coordinator
):
    revision = services.forecast_revise(forecast=approved, actor=carrier_user)

    assert (revision.number, revision.state, revision.revision_of_id) == (2, "draft", approved.pk)
    assert stored(revision)[2] == stored(approved)[2]
    assert CostForecast.objects.get(pk=approved.pk).state == "approved"

    services.forecast_update(
        forecast=revision, actor=carrier_user, lines=[line(1005, gross="65000.00")]
    )
    services.forecast_submit(forecast=revision, actor=carrier_user)
    checked(revision, leverkusen_coordinator)
    assert CostForecast.objects.get(pk=approved.pk).state == "approved"

    services.forecast_approve(forecast=revision, actor=leverkusen_coordinator)

    states = dict(
        CostForecast.objects.filter(pk__in=[approved.pk, revision.pk]).values_list("pk", "state")
    )
    assert states == {approved.pk: "superseded", revision.pk: "approved"}


def test_only_one_revision_is_open_at_a_time(approved, carrier_user):
    services.forecast_revise(forecast=approved, actor=carrier_user)
    before = counts()

    with pytest.raises(ValidationError) as refused:
        services.forecast_revise(
            forecast=CostForecast.objects.get(pk=approved.pk), actor=carrier_user
        )

    assert "ist schon eine Fassung in Bearbeitung" in refused.value.message_dict["year"][0]
    assert counts() == before


def test_revising_a_returned_forecast_keeps_the_version_number(
    submitted, leverkusen_coordinator, carrier_user
):
    services.forecast_return(
        forecast=submitted, actor=leverkusen_coordinator, comment="Monate prüfen."
    )

    edited = services.forecast_revise(forecast=submitted, actor=carrier_user)

    assert edited.pk == submitted.pk
    assert (edited.number, CostForecast.objects.get(pk=edited.pk).state) == (1, "draft")


def test_a_draft_cannot_be_revised(draft, carrier_user):
    before = stored(draft)

    with pytest.raises(ValidationError) as refused:
        services.forecast_revise(forecast=draft, actor=carrier_user)

    assert refused.value.message_dict == {
        "state": ["Überarbeitet werden kann eine zurückgegebene oder eine genehmigte Prognose."]
    }
    assert stored(draft) == before


# --- Attachments ---------------------------------------------------------------------------------

XLSX_NAME = "Personalkosten.xlsx"


def xlsx_bytes() -> bytes:
    import io

    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Abrechnung.pdf", b"MZ\x90\x00 not a pdf", "Die Datei endet auf .pdf, ist aber kein PDF."),
        ("tool.exe", b"MZ\x90\x00", "Bitte eine PDF- oder Excel-Datei (.xlsx) anhängen."),
        (
            "Tabelle.xlsx",
            b"PK\x03\x04 broken",
            "Die Datei endet auf .xlsx, ist aber keine Excel-Arbeitsmappe.",
        ),
        ("leer.pdf", b"", "Die Datei ist leer."),
        (
            "gross.pdf",
            PDF_BYTES + b"0" * (5 * 1024 * 1024),
            "Die Datei ist größer als 5 MB.",
        ),
    ],
)
def test_attachments_are_checked_by_name_content_and_size(
    name, content, message, draft, carrier_user
):
    before = stored(draft)

    with pytest.raises(ValidationError) as refused:
        services.attachment_add(forecast=draft, actor=carrier_user, name=name, content=content)

    assert refused.value.message_dict == {"file": [message]}
    assert ForecastAttachment.objects.count() == 0
    assert stored(draft) == before


def test_pdf_and_xlsx_are_attached_while_editable(draft, carrier_user, leverkusen_coordinator):
    pdf = services.attachment_add(
        forecast=draft, actor=carrier_user, name="../../Lohnjournal.pdf", content=PDF_BYTES
    )
    xlsx = services.attachment_add(
        forecast=draft, actor=carrier_user, name=XLSX_NAME, content=xlsx_bytes()
    )

    assert (pdf.name, pdf.content_type, pdf.size) == (
        "Lohnjournal.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert xlsx.content_type.endswith("spreadsheetml.sheet")
    assert bytes(ForecastAttachment.objects.get(pk=pdf.pk).content) == PDF_BYTES

    with pytest.raises(PermissionDenied):
        services.attachment_delete(attachment=pdf, actor=leverkusen_coordinator)
    services.forecast_submit(forecast=draft, actor=carrier_user)
    with pytest.raises(ValidationError) as refused:
        services.attachment_delete(attachment=pdf, actor=carrier_user)
    assert refused.value.message_dict == {
        "state": ["Anhänge einer eingereichten oder genehmigten Prognose bleiben."]
    }
    with pytest.raises(ValidationError):
        services.attachment_add(
            forecast=draft, actor=carrier_user, name="noch.pdf", content=PDF_BYTES
        )
    assert ForecastAttachment.objects.count() == 2


# --- Mails ---------------------------------------------------------------------------------------


def test_submit_return_and_approve_send_one_mail_each_after_commit(
    draft,
    carrier_user,
    leverkusen_coordinator,
    second_coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    UserFactory(role="finance", organisation=draft.recipient, email="finanzen@leverkusen.example")

    with django_capture_on_commit_callbacks(execute=True):
        services.forecast_submit(forecast=draft, actor=carrier_user)
    assert len(mailoutbox) == 1
    submitted_mail = mailoutbox[0]
    assert submitted_mail.subject == (
        "Kostenprognose eingereicht: Caritasverband Leverkusen e. V. 2026"
    )
    # The KI coordination hears of a submission, not the finance staff.
    assert submitted_mail.to == ["ki2@leverkusen.example", "ki@leverkusen.example"]

    with django_capture_on_commit_callbacks(execute=True):
        services.forecast_return(
            forecast=draft, actor=leverkusen_coordinator, comment="Gemeinkosten bitte belegen."
        )
    assert len(mailoutbox) == 2
    returned_mail = mailoutbox[1]
    assert returned_mail.subject == (
        "Kostenprognose zurückgegeben: Caritasverband Leverkusen e. V. 2026"
    )
    assert returned_mail.to == ["prognose@caritas-leverkusen.example"]
    assert "Gemeinkosten bitte belegen." in returned_mail.body

    services.forecast_revise(forecast=draft, actor=carrier_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.forecast_submit(forecast=draft, actor=carrier_user)
    checked(draft, leverkusen_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.forecast_approve(forecast=draft, actor=leverkusen_coordinator)
    assert len(mailoutbox) == 4
    approved_mail = mailoutbox[3]
    assert approved_mail.subject == (
        "Kostenprognose genehmigt: Caritasverband Leverkusen e. V. 2026"
    )
    assert approved_mail.to == ["prognose@caritas-leverkusen.example"]


def test_a_refused_step_sends_no_mail(
    submitted, carrier_user, leverkusen_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.forecast_approve(forecast=submitted, actor=leverkusen_coordinator)

    assert callbacks == []
    assert mailoutbox == []


def test_positions_fixture_is_what_the_tests_assume(demo_data):
    titles = dict(Position.objects.filter(pk__in=[1005, 1006, 1015]).values_list("pk", "title"))
    assert titles == {
        1005: "Casemanagement Caritas 1",
        1006: "Casemanagement AWO 1",
        1015: "Casemanagement Caritas 2",
    }
