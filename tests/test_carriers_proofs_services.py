"""The carriers' proof workflow (carriers.proofs.services) and its selectors: each refusal
with its German message and nothing of a refused step saved; sums and the
Besserstellungsverbot flag by hand; four-eyes; only checked proofs count.

Leverkusen's demo data: Caritas holds positions 1005 and 1015 under agreement 101, AWO 1006 and
1016 under 102 (fixtures/01_leverkusen.json), all pay grade S 12, whose public reference is
68,528.00 (2024) and 70,584.00 (2025) per FTE-year (fixtures/00_programme.json). The demo's
proofs (fixtures/08_leverkusen_carrier_proofs.json): 2024 checked for all three carriers, AWO's
2025 submitted.
"""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carriers.choices import ProofState
from carriers.models import (
    CarrierProof,
    ForwardingAgreement,
    Organisation,
    ProofAttachment,
    ProofLine,
)
from carriers.proofs import selectors, services
from carriers.proofs.services import ProofLineInput
from kim_admin.versioning import VersionConflict
from tests.factories import PDF_BYTES, PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def agreement(leverkusen_caritas):
    return ForwardingAgreement.objects.get(pk=101)


@pytest.fixture
def carrier_user(leverkusen_caritas):
    return UserFactory(role="carrier", organisation=leverkusen_caritas)


@pytest.fixture
def awo_user(demo_data):
    return UserFactory(role="carrier", organisation=Organisation.objects.get(slug="awo-leverkusen"))


@pytest.fixture
def second_coordinator(leverkusen):
    return UserFactory(role="coordinator", organisation=leverkusen)


@pytest.fixture
def third_coordinator(leverkusen):
    return UserFactory(role="coordinator", organisation=leverkusen)


def line(
    position_id, gross="72300.00", material="12000.00", overhead="20244.00", fte="1", months="12"
):
    return ProofLineInput(
        position_id=position_id,
        employer_gross=D(gross),
        material=D(material),
        overhead=D(overhead),
        fte=D(fte),
        months_filled=D(months),
    )


@pytest.fixture
def draft(agreement, carrier_user):
    return services.proof_create(
        agreement=agreement,
        year=YEAR,
        actor=carrier_user,
        funds_received=D("200000.00"),
        own_contribution=D("5000.00"),
        lines=[line(1005), line(1015, gross="75000.00", material="10000.00", overhead="0")],
    )


@pytest.fixture
def submitted(draft, carrier_user):
    return services.proof_submit(proof=draft, actor=carrier_user)


def counts():
    return (
        CarrierProof.objects.count(),
        ProofLine.objects.count(),
        ProofAttachment.objects.count(),
    )


def messages_of(error: ValidationError) -> str:
    return " ".join(t for texts in error.message_dict.values() for t in texts)


# --- create and figures --------------------------------------------------------------------------


def test_a_proofs_sums_and_flags_by_hand(draft):
    figures = selectors.proof_figures(draft)
    # 1005: 72,300.00 + 12,000.00 + 20,244.00 = 104,544.00
    # 1015: 75,000.00 + 10,000.00 + 0.00 = 85,000.00; together 189,544.00.
    assert [f.total for f in figures.lines] == [D("104544.00"), D("85000.00")]
    assert figures.totals.total_cost == D("189544.00")
    # Balance: 200,000.00 + 5,000.00 − 189,544.00 = 15,456.00 (a surplus).
    assert figures.totals.balance == D("15456.00")
    # Reference S 12 2025: 70,584.00; limit at 5 %: 74,113.20. 72,300 below, 75,000 above.
    assert [f.exceeds_public_pay for f in figures.lines] == [False, True]
    assert [f.reference_per_fte for f in figures.lines] == [D("70584.00")] * 2
    assert figures.lines[1].gross_per_fte == D("75000.00")


def test_the_recipients_tolerance_decides(draft, leverkusen):
    # 10 %: limit 70,584.00 × 1.10 = 77,642.40; 75,000.00 is within.
    leverkusen.public_pay_tolerance = D("10")
    leverkusen.save()
    draft.recipient.refresh_from_db()
    assert selectors.proof_figures(draft).flagged == []


def test_without_lines_the_draft_is_prefilled_with_the_carriers_positions(agreement, carrier_user):
    proof = services.proof_create(agreement=agreement, year=YEAR, actor=carrier_user)
    # The approved forecast 28.11.2024 for 2025 (fixtures/05): 72,300 / 12,000 / 20,244 each.
    rows = list(
        proof.lines.order_by("position_id").values_list(
            "position_id", "employer_gross", "material", "overhead", "fte", "months_filled"
        )
    )
    assert rows == [
        (1005, D("72300.00"), D("12000.00"), D("20244.00"), D("1.000"), D("12.00")),
        (1015, D("72300.00"), D("12000.00"), D("20244.00"), D("1.000"), D("12.00")),
    ]


def test_an_open_year_is_refused_at_the_year(agreement, carrier_user):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.proof_create(
            agreement=agreement, year=timezone.localdate().year, actor=carrier_user, lines=[]
        )
    assert "noch nicht abgeschlossen" in error.value.message_dict["year"][0]
    assert counts() == before


def test_a_position_the_carrier_does_not_hold_is_refused_and_nothing_saved(agreement, carrier_user):
    before = counts()
    with pytest.raises(ValidationError) as error:
        # 1006 is AWO's position.
        services.proof_create(
            agreement=agreement, year=YEAR, actor=carrier_user, lines=[line(1005), line(1006)]
        )
    assert error.value.message_dict["lines"] == [
        "Zeile 2, Stelle: Diese Stelle hält Caritasverband Leverkusen e. V. nicht unter diesem "
        "Weiterleitungsvertrag."
    ]
    assert counts() == before


def test_a_carrier_position_outside_the_agreement_is_refused(
    agreement, carrier_user, leverkusen, leverkusen_caritas
):
    outside = PositionFactory(
        recipient=leverkusen, employer=leverkusen_caritas, block=agreement.positions.first().block
    )
    with pytest.raises(ValidationError) as error:
        services.proof_create(
            agreement=agreement, year=YEAR, actor=carrier_user, lines=[line(outside.pk)]
        )
    assert "nicht unter diesem Weiterleitungsvertrag" in error.value.message_dict["lines"][0]


def test_bad_figures_are_named_by_row_and_field(draft, carrier_user):
    before = list(draft.lines.values_list("employer_gross", flat=True))
    with pytest.raises(ValidationError) as error:
        services.proof_update(
            proof=draft,
            actor=carrier_user,
            lines=[line(1005, months="13"), line(1015, fte="1.5"), line(1005)],
        )
    texts = error.value.message_dict["lines"]
    assert "Zeile 1, Besetzte Monate: Die Monate müssen zwischen 0 und 12 liegen." in texts
    assert any(t.startswith("Zeile 2, Stellenanteil (VZ):") for t in texts)
    assert "Zeile 3: Diese Stelle steht schon im Nachweis." in texts
    assert list(draft.lines.values_list("employer_gross", flat=True)) == before


def test_a_second_proof_for_the_same_agreement_and_year_is_refused(draft, agreement, carrier_user):
    with pytest.raises(ValidationError) as error:
        services.proof_create(agreement=agreement, year=YEAR, actor=carrier_user, lines=[])
    assert "schon einen Verwendungsnachweis" in error.value.message_dict["year"][0]


def test_only_the_carrier_writes_its_proof(agreement, leverkusen_coordinator, awo_user, draft):
    with pytest.raises(PermissionDenied):
        services.proof_create(agreement=agreement, year=2023, actor=leverkusen_coordinator)
    with pytest.raises(PermissionDenied):
        services.proof_create(agreement=agreement, year=2023, actor=awo_user)
    with pytest.raises(PermissionDenied):
        services.proof_update(proof=draft, actor=awo_user, note="fremd")
    with pytest.raises(PermissionDenied):
        services.proof_submit(proof=draft, actor=leverkusen_coordinator)


def test_a_stale_version_is_refused(draft, carrier_user):
    services.proof_update(proof=draft, actor=carrier_user, note="eins")
    stale = CarrierProof.objects.get(pk=draft.pk)
    stale.version -= 1
    with pytest.raises(VersionConflict):
        services.proof_update(
            proof=stale, actor=carrier_user, note="zwei", expected_version=stale.version
        )
    assert CarrierProof.objects.get(pk=draft.pk).note == "eins"


# --- the workflow --------------------------------------------------------------------------------


def test_submit_check_and_review_make_the_proof_count(
    submitted, leverkusen, leverkusen_coordinator
):
    assert [p.proof_id for p in selectors.checked_carrier_proofs(leverkusen, YEAR)] == []
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="content")
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="arithmetic")
    services.proof_review(
        proof=submitted,
        actor=leverkusen_coordinator,
        result="findings",
        findings="Zulage auf Stelle 2 über dem Vergleichssatz begründen lassen.",
    )
    stored = CarrierProof.objects.get(pk=submitted.pk)
    assert stored.state == ProofState.CHECKED
    assert stored.reviewed_by == leverkusen_coordinator
    assert stored.reviewed_on == timezone.localdate()
    checked = selectors.checked_carrier_proofs(leverkusen, YEAR)
    assert [p.proof_id for p in checked] == [submitted.pk]
    # As computed by hand in test_a_proofs_sums_and_flags_by_hand.
    assert checked[0].total_cost == D("189544.00")
    assert [(x.position_id, x.total) for x in checked[0].lines] == [
        (1005, D("104544.00")),
        (1015, D("85000.00")),
    ]


def test_the_review_note_needs_both_checks_and_findings_text(submitted, leverkusen_coordinator):
    with pytest.raises(ValidationError) as error:
        services.proof_review(proof=submitted, actor=leverkusen_coordinator, result="confirmed")
    assert "die sachliche Prüfung und die rechnerische Prüfung" in messages_of(error.value)
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="content")
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="arithmetic")
    with pytest.raises(ValidationError) as error:
        services.proof_review(proof=submitted, actor=leverkusen_coordinator, result="findings")
    assert error.value.message_dict["findings"] == ["Bitte die Feststellungen eintragen."]
    with pytest.raises(ValidationError) as error:
        services.proof_review(proof=submitted, actor=leverkusen_coordinator, result="gut")
    assert "review_result" in error.value.message_dict
    assert CarrierProof.objects.get(pk=submitted.pk).state == ProofState.SUBMITTED


def test_a_carrier_cannot_check_its_own_proof(submitted, carrier_user):
    with pytest.raises(PermissionDenied):
        services.proof_check(proof=submitted, actor=carrier_user, check="content")


def test_return_needs_a_comment_and_the_carrier_submits_again(
    submitted, leverkusen_coordinator, carrier_user
):
    with pytest.raises(ValidationError) as error:
        services.proof_return(proof=submitted, actor=leverkusen_coordinator, comment="  ")
    assert error.value.message_dict["comment"]
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="content")
    services.proof_return(
        proof=submitted, actor=leverkusen_coordinator, comment="Belege zu Stelle 2 fehlen."
    )
    assert CarrierProof.objects.get(pk=submitted.pk).state == ProofState.RETURNED
    services.proof_update(proof=submitted, actor=carrier_user, note="Belege nachgereicht")
    services.proof_submit(proof=submitted, actor=carrier_user)
    stored = CarrierProof.objects.get(pk=submitted.pk)
    # Earlier checks no longer hold after a new submission.
    assert stored.state == ProofState.SUBMITTED and stored.content_checked_at is None


def test_a_submitted_proof_cannot_be_changed(submitted, carrier_user):
    with pytest.raises(ValidationError) as error:
        services.proof_update(proof=submitted, actor=carrier_user, note="später")
    assert "kann geändert werden" in messages_of(error.value)


def test_four_eyes_content_arithmetic_and_review_by_different_people(
    submitted, leverkusen, leverkusen_coordinator, second_coordinator, third_coordinator
):
    leverkusen.four_eyes = True
    leverkusen.save()
    submitted.recipient.refresh_from_db()
    services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="content")
    with pytest.raises(ValidationError) as error:
        services.proof_check(proof=submitted, actor=leverkusen_coordinator, check="arithmetic")
    assert "Vier-Augen-Prinzip" in messages_of(error.value)
    services.proof_check(proof=submitted, actor=second_coordinator, check="arithmetic")
    with pytest.raises(ValidationError):
        services.proof_review(proof=submitted, actor=second_coordinator, result="confirmed")
    services.proof_review(proof=submitted, actor=third_coordinator, result="confirmed")
    assert CarrierProof.objects.get(pk=submitted.pk).state == ProofState.CHECKED


def test_without_four_eyes_one_person_does_all(submitted, leverkusen_coordinator):
    for check in ("content", "arithmetic"):
        services.proof_check(proof=submitted, actor=leverkusen_coordinator, check=check)
    services.proof_review(proof=submitted, actor=leverkusen_coordinator, result="confirmed")
    assert CarrierProof.objects.get(pk=submitted.pk).state == ProofState.CHECKED


# --- attachments ---------------------------------------------------------------------------------


def test_attachments_are_checked_by_content(draft, carrier_user):
    services.proof_attachment_add(
        proof=draft, actor=carrier_user, name="Lohnjournal.pdf", content=PDF_BYTES
    )
    with pytest.raises(ValidationError) as error:
        services.proof_attachment_add(
            proof=draft, actor=carrier_user, name="Belege.pdf", content=b"kein PDF"
        )
    assert error.value.message_dict["file"] == ["Die Datei endet auf .pdf, ist aber kein PDF."]
    assert list(draft.attachments.values_list("name", flat=True)) == ["Lohnjournal.pdf"]


# --- selectors -----------------------------------------------------------------------------------


def test_the_demos_checked_proofs_of_2024(leverkusen, django_assert_num_queries):
    with django_assert_num_queries(2):
        checked = selectors.checked_carrier_proofs(leverkusen, 2024)
    # fixtures/08: per carrier two positions at (gross + material + overhead):
    # AWO 2 × (72,100 + 12,500 + 20,188) = 209,576.00; Caritas 2 × (71,200 + 12,500 + 19,936)
    # = 207,272.00; Diakonie 2 × (70,600 + 12,500 + 19,768) = 205,736.00. Each balances to 0.
    assert [(p.carrier_name, p.total_cost, p.balance) for p in checked] == [
        ("Arbeiterwohlfahrt Leverkusen", D("209576.00"), D("0.00")),
        ("Caritasverband Leverkusen e. V.", D("207272.00"), D("0.00")),
        ("Diakonie Leverkusen", D("205736.00"), D("0.00")),
    ]
    # AWO's 2025 proof is only submitted: it does not count.
    assert selectors.checked_carrier_proofs(leverkusen, 2025) == []


def test_the_demos_awo_2024_proof_is_flagged_and_caritas_not(demo_data):
    # 72,100.00 > 68,528.00 × 1.05 = 71,954.40; 71,200.00 is below.
    awo = selectors.proof_figures(CarrierProof.objects.get(pk=8002))
    caritas = selectors.proof_figures(CarrierProof.objects.get(pk=8001))
    assert [f.exceeds_public_pay for f in awo.lines] == [True, True]
    assert caritas.flagged == []


def test_the_carriers_due_proofs(carrier_user, awo_user):
    year = timezone.localdate().year - 1
    texts = [item.text for item in selectors.carrier_proofs_due(carrier_user)]
    assert f"Verwendungsnachweis {year} fällig (Stadt Leverkusen)." in texts


def test_the_review_note_is_dated_between_submission_and_today(submitted, leverkusen_coordinator):
    from datetime import timedelta

    for check in ("content", "arithmetic"):
        services.proof_check(proof=submitted, actor=leverkusen_coordinator, check=check)
    today = timezone.localdate()
    submitted_on = timezone.localtime(submitted.submitted_at).date()
    for day, text in (
        (today + timedelta(days=1), "in der Zukunft"),
        (submitted_on - timedelta(days=1), "vor der Einreichung"),
    ):
        with pytest.raises(ValidationError) as error:
            services.proof_review(
                proof=submitted, actor=leverkusen_coordinator, result="confirmed", reviewed_on=day
            )
        assert text in error.value.message_dict["reviewed_on"][0]
    assert CarrierProof.objects.get(pk=submitted.pk).state == ProofState.SUBMITTED


def test_each_state_change_mails_the_other_side(
    draft, carrier_user, leverkusen, django_capture_on_commit_callbacks
):
    from django.core import mail

    carrier_user.email = "nachweis@caritas.example"
    carrier_user.save()
    coordinator = UserFactory(role="coordinator", organisation=leverkusen, email="ki@lev.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.proof_submit(proof=draft, actor=carrier_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.proof_return(proof=draft, actor=coordinator, comment="Belege fehlen.")
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (
            f"Verwendungsnachweis eingereicht: Caritasverband Leverkusen e. V. {YEAR}",
            ["ki@lev.example"],
        ),
        (
            f"Verwendungsnachweis zurückgegeben: Caritasverband Leverkusen e. V. {YEAR}",
            ["nachweis@caritas.example"],
        ),
    ]
    assert "Belege fehlen." in mail.outbox[1].body
