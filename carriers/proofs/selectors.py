"""Reads of the carriers' proofs of use: a proof's figures with the Besserstellungsverbot
flags, the checked proofs that count for the recipient's own proof of use, the reviewer's inbox
and what a carrier has to prove. Each loads its rows in a fixed number of queries and hands them
to the pure rules (``carriers.proofs.rules``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import ProofState
from carriers.models import CarrierProof, ForwardingAgreement, Organisation, ProofLine
from carriers.proofs import rules
from kim_admin.roles import Role


@dataclass(frozen=True)
class ProofLineFigures:
    line: ProofLine
    total: Decimal
    gross_per_fte: Decimal | None
    reference_per_fte: Decimal | None
    exceeds_public_pay: bool


@dataclass(frozen=True)
class ProofFigures:
    lines: list[ProofLineFigures]
    totals: rules.ProofTotals
    tolerance_percent: Decimal

    @property
    def flagged(self) -> list[ProofLineFigures]:
        return [f for f in self.lines if f.exceeds_public_pay]


def proof_lines(proof: CarrierProof) -> list[ProofLine]:
    return list(
        proof.lines.select_related("position__block", "position__pay_grade").order_by(
            "position__block__number", "position__title", "pk"
        )
    )


def reference_costs(pay_grade_ids, year: int) -> dict[int, Decimal]:
    """The public reference per full-time post of each pay grade in the year (one query)."""
    from staffing.models import PayGradeCost

    ids = {i for i in pay_grade_ids if i is not None}
    if not ids:
        return {}
    return dict(
        PayGradeCost.objects.filter(pay_grade_id__in=ids, year=year).values_list(
            "pay_grade_id", "employer_gross_per_fte"
        )
    )


def proof_figures(proof: CarrierProof, lines: list[ProofLine] | None = None) -> ProofFigures:
    """A proof's lines with their annual employer gross per FTE against the public reference
    of the position's pay grade (flagged above the recipient's tolerance), and its sums."""
    lines = proof_lines(proof) if lines is None else lines
    references = reference_costs((line.position.pay_grade_id for line in lines), proof.year)
    tolerance = proof.recipient.public_pay_tolerance
    figures = []
    for line in lines:
        reference = references.get(line.position.pay_grade_id)
        per_fte = rules.employer_gross_per_fte(line.employer_gross, line.fte, line.months_filled)
        figures.append(
            ProofLineFigures(
                line=line,
                total=line.total,
                gross_per_fte=None if per_fte is None else per_fte.quantize(Decimal("0.01")),
                reference_per_fte=reference,
                exceeds_public_pay=rules.exceeds_public_pay(
                    employer_gross=line.employer_gross,
                    fte=line.fte,
                    months_filled=line.months_filled,
                    reference_per_fte=reference,
                    tolerance_percent=tolerance,
                ),
            )
        )
    totals = rules.proof_totals(
        ((line.employer_gross, line.material, line.overhead) for line in lines),
        funds_received=proof.funds_received,
        own_contribution=proof.own_contribution,
    )
    return ProofFigures(lines=figures, totals=totals, tolerance_percent=tolerance)


# --- For the recipient's proof of use ------------------------------------------------------------


@dataclass(frozen=True)
class CheckedProofLine:
    position_id: int
    position_title: str
    block_number: int
    employer_gross: Decimal
    material: Decimal
    overhead: Decimal
    fte: Decimal
    months_filled: Decimal
    total: Decimal


@dataclass(frozen=True)
class CheckedCarrierProof:
    proof_id: int
    carrier_id: int
    carrier_name: str
    agreement_id: int
    reviewed_on: date | None
    review_result: str
    findings: str
    funds_received: Decimal
    own_contribution: Decimal
    total_cost: Decimal
    balance: Decimal
    lines: list[CheckedProofLine]


def checked_carrier_proofs(recipient: Organisation, year: int) -> list[CheckedCarrierProof]:
    """The carriers' proofs of the recipient's year that carry a review note (state
    ``checked``), per carrier with its figures per position: the only carrier figures the
    recipient's own proof of use takes. Submitted, returned and draft proofs do not count.
    Two queries, whatever the number of carriers and positions."""
    proofs = list(
        CarrierProof.objects.filter(recipient=recipient, year=year, state=ProofState.CHECKED)
        .select_related("carrier")
        .order_by("carrier__name", "pk")
    )
    by_proof: dict[int, list[ProofLine]] = {p.pk: [] for p in proofs}
    for line in (
        ProofLine.objects.filter(proof_id__in=by_proof)
        .select_related("position__block")
        .order_by("position__block__number", "position__title", "pk")
    ):
        by_proof[line.proof_id].append(line)
    result = []
    for proof in proofs:
        lines = by_proof[proof.pk]
        totals = rules.proof_totals(
            ((x.employer_gross, x.material, x.overhead) for x in lines),
            funds_received=proof.funds_received,
            own_contribution=proof.own_contribution,
        )
        result.append(
            CheckedCarrierProof(
                proof_id=proof.pk,
                carrier_id=proof.carrier_id,
                carrier_name=proof.carrier.name,
                agreement_id=proof.agreement_id,
                reviewed_on=proof.reviewed_on,
                review_result=proof.review_result,
                findings=proof.findings,
                funds_received=proof.funds_received,
                own_contribution=proof.own_contribution,
                total_cost=totals.total_cost,
                balance=totals.balance,
                lines=[
                    CheckedProofLine(
                        position_id=x.position_id,
                        position_title=x.position.title,
                        block_number=x.position.block.number,
                        employer_gross=x.employer_gross,
                        material=x.material,
                        overhead=x.overhead,
                        fte=x.fte,
                        months_filled=x.months_filled,
                        total=x.total,
                    )
                    for x in lines
                ],
            )
        )
    return result


@dataclass(frozen=True)
class AgreementOfYear:
    """A forwarding agreement in force in the year, its positions and its carrier proof's
    state for that year (None: no proof at all)."""

    agreement_id: int
    carrier_id: int
    carrier_name: str
    reference: str
    position_ids: frozenset[int]
    proof_state: str | None


def agreements_of_year(recipient: Organisation, year: int) -> list[AgreementOfYear]:
    """The recipient's real forwarding agreements in force at some point of the year (the
    carriers that owe it a proof for the year), each with its positions and the state of the
    proof for the year. Three queries, whatever the number of agreements."""
    agreements = list(
        ForwardingAgreement.objects.filter(
            recipient=recipient, scenario__isnull=True, valid_from__year__lte=year
        )
        .exclude(valid_to__year__lt=year)
        .select_related("carrier")
        .order_by("carrier__name", "valid_from", "pk")
    )
    ids = [a.pk for a in agreements]
    positions: dict[int, set[int]] = {pk: set() for pk in ids}
    through = ForwardingAgreement.positions.through
    for agreement_id, position_id in through.objects.filter(
        forwardingagreement_id__in=ids
    ).values_list("forwardingagreement_id", "position_id"):
        positions[agreement_id].add(position_id)
    states = dict(
        CarrierProof.objects.filter(agreement_id__in=ids, year=year).values_list(
            "agreement_id", "state"
        )
    )
    return [
        AgreementOfYear(
            agreement_id=a.pk,
            carrier_id=a.carrier_id,
            carrier_name=a.carrier.name,
            reference=a.reference,
            position_ids=frozenset(positions[a.pk]),
            proof_state=states.get(a.pk),
        )
        for a in agreements
    ]


# --- Waiting work --------------------------------------------------------------------------------


def review_inbox(user):
    """Submitted proofs in the reviewer's scope, oldest first."""
    return (
        CarrierProof.objects.restrict(user)
        .filter(state=ProofState.SUBMITTED)
        .select_related("carrier", "recipient", "submitted_by")
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class ProofDue:
    text: str
    proof: CarrierProof | None = None
    agreement: ForwardingAgreement | None = None
    year: int | None = None

    @property
    def duty(self) -> tuple[int, int]:
        """(recipient id, year): which proof this is, as the deadlines name it."""
        if self.proof is not None:
            return (self.proof.recipient_id, self.proof.year)
        return (self.agreement.recipient_id, self.year)


def carrier_proofs_due(user, today: date | None = None) -> list[ProofDue]:
    """What a carrier has to prove: returned and unsent proofs, and last year's proof under
    every agreement in force then that has none ("Verwendungsnachweis 2025 fällig")."""
    if user.role != Role.CARRIER or user.organisation_id is None:
        return []
    today = today or timezone.localdate()
    year = today.year - 1
    # One query for the open proofs and last year's: what is to do and what is covered.
    mine = list(
        CarrierProof.objects.restrict(user)
        .filter(Q(state__in=(ProofState.RETURNED, ProofState.DRAFT)) | Q(year=year))
        .select_related("recipient")
        .order_by("year", "pk")
    )
    items = [
        ProofDue(
            _(
                "Verwendungsnachweis %(year)s für %(recipient)s wurde zurückgegeben: bitte "
                "ändern und wieder einreichen."
            )
            % {"year": p.year, "recipient": p.recipient.name},
            proof=p,
        )
        for p in mine
        if p.state == ProofState.RETURNED
    ] + [
        ProofDue(
            _("Verwendungsnachweis %(year)s für %(recipient)s ist noch nicht eingereicht.")
            % {"year": p.year, "recipient": p.recipient.name},
            proof=p,
        )
        for p in mine
        if p.state == ProofState.DRAFT
    ]
    covered = {p.agreement_id for p in mine if p.year == year}
    agreements = (
        ForwardingAgreement.objects.filter(
            carrier_id=user.organisation_id, scenario__isnull=True, valid_from__year__lte=year
        )
        .exclude(valid_to__year__lt=year)
        .select_related("recipient")
        .order_by("recipient__name", "valid_from", "pk")
    )
    for agreement in agreements:
        if agreement.pk not in covered:
            items.append(
                ProofDue(
                    _("Verwendungsnachweis %(year)s fällig (%(recipient)s).")
                    % {"year": year, "recipient": agreement.recipient.name},
                    agreement=agreement,
                    year=year,
                )
            )
    return items
