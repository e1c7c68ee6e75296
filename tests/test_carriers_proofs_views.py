"""The pages of the carriers' proofs: each role's view, the carrier's create/edit/submit, the
coordinator's checks and review note, German messages next to what caused them, nothing
half-saved, another carrier's proof 404, pinned query counts.

Data: the demo fixtures (fixtures/08: the three carriers' 2024 proofs checked, AWO's 2025 proof
8004 submitted); users are made per test.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from carriers.choices import ProofState
from carriers.models import CarrierProof, ForwardingAgreement, Organisation, ProofLine
from carriers.proofs import services
from tests.factories import PDF_BYTES, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/traeger/nachweise/"
NBSP = "\u00a0"


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


@pytest.fixture
def people(orgs):
    return {
        "caritas": UserFactory(role="carrier", organisation=orgs["caritas"]),
        "awo": UserFactory(role="carrier", organisation=orgs["awo"]),
        "coordinator": UserFactory(role="coordinator", organisation=orgs["city"]),
        "finance": UserFactory(role="finance", organisation=orgs["city"]),
        "town": UserFactory(role="town", organisation=orgs["town"]),
        "council": UserFactory(role="council", organisation=orgs["city"]),
    }


def as_user(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def draft(people):
    """Caritas's 2025 proof, prefilled with its two positions."""
    return services.proof_create(
        agreement=ForwardingAgreement.objects.get(pk=101), year=2025, actor=people["caritas"]
    )


def edit_post(proof, rows, funds="200.000,00", own="4.392,00"):
    """The edit form's POST: ``rows`` as (position, gross, material, overhead, fte, months)."""
    data = {
        "funds_received": funds,
        "own_contribution": own,
        "note": "",
        "version": str(proof.version),
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (position, gross, material, overhead, fte, months) in enumerate(rows):
        data.update(
            {
                f"lines-{i}-position": str(position),
                f"lines-{i}-employer_gross": gross,
                f"lines-{i}-material": material,
                f"lines-{i}-overhead": overhead,
                f"lines-{i}-fte": fte,
                f"lines-{i}-months_filled": months,
                f"lines-{i}-remark": "",
            }
        )
    return data


# --- Who sees what -------------------------------------------------------------------------------


def test_a_carrier_lists_only_its_own_proofs(client, people):
    page = as_user(client, people["caritas"]).get(LIST).content.decode()
    assert "Caritasverband Leverkusen" in page
    assert "Arbeiterwohlfahrt" not in page and "Diakonie" not in page


def test_the_coordinator_lists_all_proofs_of_the_recipient(client, people):
    page = as_user(client, people["coordinator"]).get(LIST).content.decode()
    for name in (
        "Caritasverband Leverkusen",
        "Arbeiterwohlfahrt Leverkusen",
        "Diakonie Leverkusen",
    ):
        assert name in page


@pytest.mark.parametrize("role", ["town", "council"])
def test_towns_and_the_council_see_no_proof(client, people, role):
    as_user(client, people[role])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}8001/").status_code == 403
    assert client.get(f"{LIST}aufgaben/").status_code == 403


def test_another_carriers_proof_answers_404(client, people, draft):
    as_user(client, people["awo"])
    assert client.get(f"{LIST}{draft.pk}/").status_code == 404
    assert client.get(f"{LIST}{draft.pk}/bearbeiten/").status_code == 404
    response = client.post(f"{LIST}{draft.pk}/bearbeiten/", edit_post(draft, []))
    assert response.status_code == 404
    assert client.post(f"{LIST}{draft.pk}/submit/").status_code == 404
    assert CarrierProof.objects.get(pk=draft.pk).state == ProofState.DRAFT


def test_the_detail_shows_the_sums_the_flag_and_the_review_note(client, people):
    page = as_user(client, people["coordinator"]).get(f"{LIST}8002/").content.decode()
    # AWO 2024 (fixtures/08): 2 × (72,100 + 12,500 + 20,188) = 209,576.00.
    assert f"209.576,00{NBSP}€" in page
    # 72,100.00 > 68,528.00 × 1.05 = 71,954.40: flagged.
    assert "Besserstellungsverbot" in page and "ANBest-P Nr. 1.3" in page
    assert "Prüfvermerk" in page and "Mit Feststellungen" in page
    # The main navigation marks "Prognosen", the section the proofs live in.
    assert 'href="/traeger/prognosen/" aria-current="page"' in page


# --- The carrier's way ---------------------------------------------------------------------------


def test_the_carrier_creates_edits_and_submits(client, people):
    as_user(client, people["caritas"])
    response = client.post(f"{LIST}neu/", {"agreement": "101", "year": "2025"})
    proof = CarrierProof.objects.get(agreement_id=101, year=2025)
    assert response.status_code == 302 and response["Location"] == f"{LIST}{proof.pk}/bearbeiten/"
    assert client.get(f"{LIST}{proof.pk}/bearbeiten/").status_code == 200
    rows = [
        (1005, "72.300,00", "12.000,00", "20.244,00", "1", "12"),
        (1015, "72.300,00", "12.000,00", "20.244,00", "0,5", "12"),
    ]
    response = client.post(f"{LIST}{proof.pk}/bearbeiten/", edit_post(proof, rows))
    assert response.status_code == 302
    assert ProofLine.objects.get(proof=proof, position_id=1015).fte == D("0.5")
    assert CarrierProof.objects.get(pk=proof.pk).funds_received == D("200000.00")
    proof.refresh_from_db()
    response = client.post(f"{LIST}{proof.pk}/submit/", {"version": str(proof.version)})
    assert response.status_code == 302
    assert CarrierProof.objects.get(pk=proof.pk).state == ProofState.SUBMITTED


def test_an_open_year_is_refused_in_german(client, people):
    as_user(client, people["caritas"])
    year = timezone.localdate().year
    response = client.post(f"{LIST}neu/", {"agreement": "101", "year": str(year)})
    assert response.status_code == 200
    assert f"{year} ist noch nicht abgeschlossen" in response.content.decode()
    assert not CarrierProof.objects.filter(agreement_id=101, year=year).exists()


def test_a_position_the_carrier_does_not_hold_is_refused_at_the_field(client, people, draft):
    as_user(client, people["caritas"])
    before = list(ProofLine.objects.filter(proof=draft).values_list("pk", flat=True))
    # 1006 is AWO's: not among the choices of Caritas's form.
    rows = [(1006, "70.000,00", "0", "0", "1", "12")]
    response = client.post(f"{LIST}{draft.pk}/bearbeiten/", edit_post(draft, rows))
    assert response.status_code == 200
    assert (
        "Diese Stelle hält Ihre Trägerin nicht unter diesem Weiterleitungsvertrag."
        in response.content.decode()
    )
    assert list(ProofLine.objects.filter(proof=draft).values_list("pk", flat=True)) == before


def test_bad_money_is_refused_at_the_field(client, people, draft):
    as_user(client, people["caritas"])
    rows = [(1005, "viel", "0", "0", "1", "12")]
    response = client.post(f"{LIST}{draft.pk}/bearbeiten/", edit_post(draft, rows, funds="-1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Der Betrag darf nicht negativ sein." in page
    assert CarrierProof.objects.get(pk=draft.pk).funds_received == draft.funds_received


def test_a_pdf_attachment_is_kept_and_a_fake_refused(client, people, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, people["caritas"])
    url = f"{LIST}{draft.pk}/anhaenge/"
    good = SimpleUploadedFile("Lohnjournal.pdf", PDF_BYTES, content_type="application/pdf")
    assert client.post(url, {"file": good, "version": str(draft.version)}).status_code == 302
    draft.refresh_from_db()
    bad = SimpleUploadedFile("Belege.pdf", b"kein PDF", content_type="application/pdf")
    response = client.post(url, {"file": bad, "version": str(draft.version)})
    assert response.status_code == 400
    assert "ist aber kein PDF" in response.content.decode()
    assert list(draft.attachments.values_list("name", flat=True)) == ["Lohnjournal.pdf"]
    attachment = draft.attachments.get()
    download = client.get(f"/traeger/nachweis-anhaenge/{attachment.pk}/")
    assert download.status_code == 200 and download.content == PDF_BYTES
    as_user(client, people["awo"])
    assert client.get(f"/traeger/nachweis-anhaenge/{attachment.pk}/").status_code == 404


# --- The coordinator's way -----------------------------------------------------------------------


def test_the_coordinator_checks_and_records_the_review_note(client, people):
    as_user(client, people["coordinator"])
    proof = CarrierProof.objects.get(pk=8004)
    page = client.get(f"{LIST}aufgaben/").content.decode()
    assert f'href="{LIST}8004/"' in page
    for step in ("check-content", "check-arithmetic"):
        proof.refresh_from_db()
        response = client.post(f"{LIST}8004/{step}/", {"version": str(proof.version)})
        assert response.status_code == 302, response.content.decode()[:500]
    proof.refresh_from_db()
    response = client.post(
        f"{LIST}8004/review/",
        {
            "version": str(proof.version),
            "review_result": "confirmed",
            "reviewed_on": "01.12.2026",
            "findings": "",
        },
    )
    assert response.status_code == 302
    proof.refresh_from_db()
    assert proof.state == ProofState.CHECKED
    assert proof.reviewed_on == date(2026, 12, 1)
    assert proof.reviewed_by == people["coordinator"]


def test_the_review_note_without_findings_text_is_refused_at_the_field(client, people):
    as_user(client, people["coordinator"])
    proof = CarrierProof.objects.get(pk=8004)
    for check in ("content", "arithmetic"):
        services.proof_check(proof=proof, actor=people["coordinator"], check=check)
    proof.refresh_from_db()
    response = client.post(
        f"{LIST}8004/review/",
        {"version": str(proof.version), "review_result": "findings", "findings": ""},
    )
    assert response.status_code == 400
    assert "Bitte die Feststellungen eintragen." in response.content.decode()
    assert CarrierProof.objects.get(pk=8004).state == ProofState.SUBMITTED


def test_a_carrier_cannot_record_a_review_note(client, people):
    as_user(client, people["awo"])
    proof = CarrierProof.objects.get(pk=8004)
    response = client.post(
        f"{LIST}8004/review/", {"version": str(proof.version), "review_result": "confirmed"}
    )
    assert response.status_code == 403
    assert CarrierProof.objects.get(pk=8004).state == ProofState.SUBMITTED


def test_the_carriers_task_list_names_the_due_proof(client, people):
    page = as_user(client, people["caritas"]).get(f"{LIST}aufgaben/").content.decode()
    year = timezone.localdate().year - 1
    assert f"Verwendungsnachweis {year} fällig (Stadt Leverkusen)." in page


# --- Query counts --------------------------------------------------------------------------------


def many_proofs(orgs, n):
    """n proofs of Caritas with one line each: ten agreements × n/10 years (bulk)."""
    agreements = ForwardingAgreement.objects.bulk_create(
        ForwardingAgreement(
            recipient=orgs["city"],
            carrier=orgs["caritas"],
            valid_from=date(1990, 1, 1),
            coverage_policy="all",
        )
        for _ in range(10)
    )
    proofs = CarrierProof.objects.bulk_create(
        CarrierProof(
            recipient=orgs["city"],
            carrier=orgs["caritas"],
            agreement=agreements[i % 10],
            year=1991 + i // 10,
            state="submitted",
        )
        for i in range(n)
    )
    ProofLine.objects.bulk_create(
        ProofLine(proof=p, position_id=1005, employer_gross=D("70000")) for p in proofs
    )


# session, user with its role, permissions, count, rows, filter choices, header, tabs' checks …
LIST_QUERIES = 8
INBOX_QUERIES = 6


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_the_same_for_10_and_1000_rows(
    client, people, orgs, n, django_assert_num_queries
):
    many_proofs(orgs, n)
    as_user(client, people["coordinator"])
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_inbox_query_count_is_the_same_for_10_and_1000_rows(
    client, people, orgs, n, django_assert_num_queries
):
    many_proofs(orgs, n)
    as_user(client, people["coordinator"])
    with django_assert_num_queries(INBOX_QUERIES):
        response = client.get(f"{LIST}aufgaben/")
    assert response.status_code == 200
    assert response.content.decode().count("Verwendungsnachweis 1991") == 10


def test_the_carriers_start_page_names_the_due_proof(client, people):
    page = as_user(client, people["caritas"]).get("/").content.decode()
    year = timezone.localdate().year - 1
    assert f"Verwendungsnachweis {year} fällig (Stadt Leverkusen)." in page
    assert f"/traeger/nachweise/neu/?year={year}&amp;agreement=101" in page
