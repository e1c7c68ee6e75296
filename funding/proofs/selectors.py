"""The proof of use (Verwendungsnachweis) of a recipient's closed year (issue 15): the numeric
proof laid out like the financing plan (per block and cost type: approved in the notice in
force, actual, difference; every income; the balance with the interest on a refund) and the
draft of the factual report. Figures are the engine's (``funding.calculations``), the
approved amounts ``funding.funds.selectors.approved_by_block``, the money received the funds
payments; the rules are ``funding.rules``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from carriers.choices import ProofState, ReviewResult
from carriers.proofs.selectors import (
    AgreementOfYear,
    CheckedCarrierProof,
    agreements_of_year,
    checked_carrier_proofs,
)
from funding import calculations as calc
from funding import rules
from funding.choices import OrganisationKind, ProgrammeCostCategory
from funding.funds.selectors import approved_by_block, base_rates, receipts_of_year
from funding.money import ZERO
from funding.selectors import year_plan
from kim_admin.formatting import de_fte, de_money

PERSONNEL = "personnel"
MATERIAL = "material"
COST_TYPE_LABELS = {PERSONNEL: "Personalausgaben", MATERIAL: "Sachausgaben"}


@dataclass(frozen=True, slots=True)
class ProofLine:
    """One block and cost type: the approved funding, the actual cost, the difference (actual
    − approved: above the approval is carried by the bearers), the funding due on it."""

    block: int
    block_name: str
    cost_type: str
    approved: Decimal
    actual: Decimal
    funding_due: Decimal

    @property
    def difference(self) -> Decimal:
        return self.actual - self.approved

    @property
    def cost_type_label(self) -> str:
        return COST_TYPE_LABELS[self.cost_type]


@dataclass(frozen=True, slots=True)
class Refund:
    """A part overpaid: refunded with interest from the day it was overpaid to ``as_of``."""

    overpaid_on: date
    amount: Decimal
    until: date
    interest: Decimal

    @property
    def days(self) -> int:
        return max((self.until - self.overpaid_on).days, 0)


PROOF_MISSING = "Nachweis fehlt"
PROOF_UNCHECKED = "eingereicht, noch nicht geprüft"
PROOF_RETURNED = "zurückgegeben, noch nicht geprüft"
PROOF_CHECKED = "geprüft"


@dataclass(frozen=True, slots=True)
class CarrierSection:
    """A carrier under a forwarding agreement in force in the year: its checked proof (the
    only carrier figures the proof of use takes, ``checked_carrier_proofs``) or why there is
    none, beside the cost and funding of the same positions in the recipient's own figures.
    The carrier's cost is never added to the recipient's (``rules.carrier_proof_deviation``)."""

    agreement: AgreementOfYear
    checked: CheckedCarrierProof | None
    recipient_cost: Decimal
    recipient_funding: Decimal

    @property
    def carrier_name(self) -> str:
        return self.agreement.carrier_name

    @property
    def is_checked(self) -> bool:
        return self.checked is not None

    @property
    def status(self) -> str:
        if self.checked is not None:
            return "checked"
        state = self.agreement.proof_state
        if state == ProofState.SUBMITTED:
            return "submitted"
        if state == ProofState.RETURNED:
            return "returned"
        return "missing"

    @property
    def status_label(self) -> str:
        return {
            "checked": PROOF_CHECKED,
            "submitted": PROOF_UNCHECKED,
            "returned": PROOF_RETURNED,
            "missing": PROOF_MISSING,
        }[self.status]

    @property
    def review_result_label(self) -> str:
        if self.checked is None or not self.checked.review_result:
            return ""
        return str(ReviewResult(self.checked.review_result).label)

    @property
    def deviation(self) -> Decimal | None:
        if self.checked is None:
            return None
        return rules.carrier_proof_deviation(self.checked.total_cost, self.recipient_cost)


def carrier_sections(
    recipient, year: int, overview: calc.YearOverview
) -> tuple[CarrierSection, ...]:
    """One section per forwarding agreement in force in the year, the checked proof read
    through ``checked_carrier_proofs``; the recipient's figures of the agreement's positions
    from the year's overview."""
    checked = {p.agreement_id: p for p in checked_carrier_proofs(recipient, year)}
    sections = []
    for agreement in agreements_of_year(recipient, year):
        results = [r for r in overview.positions if r.position.id in agreement.position_ids]
        sections.append(
            CarrierSection(
                agreement=agreement,
                checked=checked.get(agreement.agreement_id),
                recipient_cost=sum((r.amounts.total_cost for r in results), ZERO),
                recipient_funding=sum((r.amounts.funding for r in results), ZERO),
            )
        )
    return tuple(sections)


@dataclass(frozen=True)
class Proof:
    recipient: object
    year: int
    as_of: date
    overview: calc.YearOverview
    lines: tuple[ProofLine, ...]
    funding_received: Decimal
    own_share: Decimal
    carrier_shares: tuple[calc.BearerShare, ...]
    other_shares: tuple[calc.BearerShare, ...]
    refunds: tuple[Refund, ...]
    carriers: tuple[CarrierSection, ...] = ()

    @property
    def carriers_complete(self) -> bool:
        """Every carrier under a forwarding agreement of the year has a checked proof: until
        then the proof of use is not complete."""
        return all(c.is_checked for c in self.carriers)

    @property
    def carriers_outstanding(self) -> tuple[CarrierSection, ...]:
        return tuple(c for c in self.carriers if not c.is_checked)

    @property
    def total_cost(self) -> Decimal:
        return self.overview.totals.total_cost

    @property
    def funding_due(self) -> Decimal:
        return self.overview.totals.funding

    @property
    def approved(self) -> Decimal:
        return sum((line.approved for line in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        """Received − due: positive to refund, negative still to receive."""
        return self.funding_received - self.funding_due

    @property
    def refund_interest(self) -> Decimal:
        return sum((r.interest for r in self.refunds), ZERO)


def proof_of_use(recipient, year: int, as_of: date) -> Proof:
    """The numeric proof of a recipient's year, the interest on a refund counted to
    ``as_of``. The caller checks that the year is closed (``funding.models.year_is_closed``)."""
    plan = year_plan(recipient, year)
    overview = calc.compute_year(plan)
    approved = approved_by_block(plan)
    results = {b.block: b for b in overview.by_block}
    lines = []
    for block in sorted(set(results) | set(approved)):
        result = results.get(block)
        grant = approved.get(block)
        amounts = result.amounts if result else calc.Amounts()
        name = result.name if result else plan.block_names.get(block, "")
        lines.append(
            ProofLine(
                block,
                name,
                PERSONNEL,
                grant.personnel if grant else ZERO,
                amounts.personnel_cost,
                amounts.funding_personnel,
            )
        )
        lines.append(
            ProofLine(
                block,
                name,
                MATERIAL,
                grant.material if grant else ZERO,
                amounts.material_cost,
                amounts.funding_material,
            )
        )
    receipts = receipts_of_year(recipient, year)
    received = sum((a for _d, a in receipts), ZERO)
    rates = base_rates()
    refunds = tuple(
        Refund(on, amount, as_of, rules.statutory_interest(amount, on, as_of, rates))
        for on, amount in rules.overpaid_parts(receipts, overview.totals.funding)
    )
    own = sum((s.amount for s in overview.by_bearer if s.organisation.id == recipient.id), ZERO)
    carriers = tuple(
        s for s in overview.by_bearer if s.organisation.kind == OrganisationKind.CARRIER
    )
    others = tuple(
        s
        for s in overview.by_bearer
        if s.organisation.id != recipient.id and s.organisation.kind != OrganisationKind.CARRIER
    )
    return Proof(
        recipient=recipient,
        year=year,
        as_of=as_of,
        overview=overview,
        lines=tuple(lines),
        funding_received=received,
        own_share=own,
        carrier_shares=carriers,
        other_shares=others,
        refunds=refunds,
        carriers=carrier_sections(recipient, year, overview),
    )


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def proof_payload(proof: Proof) -> dict:
    """The proof as plain data (amounts as strings with two decimals): the command's JSON."""
    return {
        "recipient": proof.recipient.slug,
        "year": proof.year,
        "as_of": proof.as_of.isoformat(),
        "totals": {
            "total_cost": money(proof.total_cost),
            "approved": money(proof.approved),
            "funding_due": money(proof.funding_due),
            "funding_received": money(proof.funding_received),
            "balance": money(proof.balance),
            "refund_interest": money(proof.refund_interest),
            "own_share": money(proof.own_share),
            "carrier_shares": money(sum((s.amount for s in proof.carrier_shares), ZERO)),
            "other_shares": money(sum((s.amount for s in proof.other_shares), ZERO)),
            # The council table of seed 001 (positions only): 913,257.24 / 576,600.00.
            "personnel_cost": money(proof.overview.totals.personnel_cost),
            "position_funding": money(proof.overview.position_funding),
        },
        "by_block": [
            {
                "block": line.block,
                "name": line.block_name,
                "cost_type": line.cost_type,
                "approved": money(line.approved),
                "actual": money(line.actual),
                "difference": money(line.difference),
                "funding_due": money(line.funding_due),
            }
            for line in proof.lines
        ],
        "bearers": [
            {
                "organisation": s.organisation.slug,
                "name": s.organisation.name,
                "amount": money(s.amount),
            }
            for s in proof.overview.by_bearer
        ],
        "refunds": [
            {
                "overpaid_on": r.overpaid_on.isoformat(),
                "amount": money(r.amount),
                "days": r.days,
                "interest": money(r.interest),
            }
            for r in proof.refunds
        ],
        "carriers_complete": proof.carriers_complete,
        "carriers": [carrier_payload(c) for c in proof.carriers],
    }


def carrier_payload(section: CarrierSection) -> dict:
    """A carrier's section as plain data; the figures of its proof only when checked."""
    checked = section.checked
    return {
        "carrier": section.carrier_name,
        "agreement": section.agreement.agreement_id,
        "status": section.status,
        "status_label": section.status_label,
        "recipient_cost": money(section.recipient_cost),
        "recipient_funding": money(section.recipient_funding),
        "funds_forwarded": money(checked.funds_received) if checked else None,
        "own_contribution": money(checked.own_contribution) if checked else None,
        "actual_cost": money(checked.total_cost) if checked else None,
        "balance": money(checked.balance) if checked else None,
        "deviation": money(section.deviation) if checked else None,
        "review": (
            {
                "result": checked.review_result,
                "result_label": section.review_result_label,
                "reviewed_on": checked.reviewed_on.isoformat() if checked.reviewed_on else None,
                "findings": checked.findings,
            }
            if checked
            else None
        ),
    }


def factual_report_draft(recipient, year: int) -> str:
    """The factual report (Sachbericht) drafted from the year's data: positions and FTE per
    block, months filled, vacancies, carriers, events and measures. The coordinator edits it."""
    plan = year_plan(recipient, year)
    overview = calc.compute_year(plan)
    lines = [
        _("Sachbericht %(year)s – %(name)s") % {"year": year, "name": recipient.name},
        "",
        _("1. Stellen"),
    ]
    for block in overview.by_block:
        positions = [r for r in overview.positions if r.position.block == block.block]
        lines.append(
            (
                _(
                    "Baustein %(n)s (%(name)s): 1 Stelle mit %(fte)s VZ, besetzt %(months)s VZ-Monate."
                )
                if len(positions) == 1
                else _(
                    "Baustein %(n)s (%(name)s): %(count)s Stellen mit %(fte)s VZ, besetzt "
                    "%(months)s VZ-Monate."
                )
            )
            % {
                "n": block.block,
                "name": block.name,
                "count": len(positions),
                "fte": de_fte(block.fte),
                "months": de_fte(block.filled_fte_months.quantize(Decimal("0.01"))),
            }
        )
    vacant = [r for r in overview.positions if r.filled_fte_months < r.position.fte * 12]
    lines += ["", _("2. Besetzung und Vakanzen")]
    if not vacant:
        lines.append(_("Alle Stellen waren das ganze Jahr besetzt."))
    for r in vacant:
        lines.append(
            _("%(title)s (%(employer)s): %(months)s von 12 Monaten besetzt.")
            % {
                "title": r.position.title,
                "employer": r.position.employer.name,
                "months": de_fte(r.filled_months.quantize(Decimal("0.01"))),
            }
        )
    carriers: dict[str, list] = {}
    for r in overview.positions:
        if r.position.employer.kind == OrganisationKind.CARRIER:
            carriers.setdefault(r.position.employer.name, []).append(r)
    lines += ["", _("3. Trägerinnen")]
    if not carriers:
        lines.append(_("Keine Stellen bei Trägerinnen der Freien Wohlfahrtspflege."))
    for name, results in sorted(carriers.items()):
        lines.append(
            (
                _("%(name)s: 1 Stelle, %(fte)s VZ.")
                if len(results) == 1
                else _("%(name)s: %(count)s Stellen, %(fte)s VZ.")
            )
            % {
                "name": name,
                "count": len(results),
                "fte": de_fte(sum((r.position.fte for r in results), ZERO)),
            }
        )
    lines += ["", _("4. Veranstaltungen und Maßnahmen")]
    if not plan.programme_costs:
        lines.append(_("Keine Sachausgaben für Veranstaltungen und Maßnahmen."))
    for item in plan.programme_costs:
        lines.append(
            f"{item.description or ProgrammeCostCategory(item.category).label}: {de_money(item.amount)}"
        )
    lines += [
        "",
        _("5. Ergebnis"),
        _("(Bitte ergänzen: Ziele, Zielgruppen, Kooperationen, Ergebnisse.)"),
    ]
    return "\n".join(lines)


XLSX_HEADER = [
    "Bereich",
    "Baustein",
    "Bezeichnung",
    "Kostenart",
    "Bewilligt",
    "Ist",
    "Differenz",
    "Förderung nach Ist",
]


def proof_rows(proof: Proof) -> list[list]:
    """The proof as the rows of a sheet (``kim_admin.exports.xlsx_bytes``): the lines per
    block and cost type, then the income and the result."""
    rows: list[list] = [
        [
            "Ausgaben",
            line.block,
            line.block_name,
            line.cost_type_label,
            line.approved,
            line.actual,
            line.difference,
            line.funding_due,
        ]
        for line in proof.lines
    ]
    rows.append(["Summe", None, "", "", proof.approved, proof.total_cost, None, proof.funding_due])
    income = [
        ("Landesförderung nach Ist (zustehend)", proof.funding_due),
        ("Landesförderung erhalten", proof.funding_received),
        (f"Eigenanteil {proof.recipient.name}", proof.own_share),
        *[(f"Anteil {s.organisation.name}", s.amount) for s in proof.carrier_shares],
        *[(f"Anteil {s.organisation.name}", s.amount) for s in proof.other_shares],
        ("Saldo (positiv: Rückforderung, negativ: noch zu erhalten)", proof.balance),
        (f"Zinsen nach § 49a VwVfG bis {proof.as_of:%d.%m.%Y}", proof.refund_interest),
    ]
    rows += [
        ["Einnahmen/Ergebnis", None, label, "", None, amount, None, None]
        for label, amount in income
    ]
    for section in proof.carriers:
        name = section.carrier_name
        rows.append(["Trägerin", None, name, section.status_label, None, None, None, None])
        checked = section.checked
        if checked is None:
            continue
        figures = [
            ("Weitergeleitete Mittel", checked.funds_received),
            ("Eigenanteil der Trägerin", checked.own_contribution),
            ("Ist-Kosten laut geprüftem Nachweis", checked.total_cost),
            ("Dieselben Stellen im Nachweis des Zuwendungsempfängers", section.recipient_cost),
            ("Abweichung (nicht zusätzlich gezählt)", section.deviation),
        ]
        rows += [
            ["Trägerin", None, f"{name}: {label}", "", None, amount, None, None]
            for label, amount in figures
        ]
        on = f" vom {checked.reviewed_on:%d.%m.%Y}" if checked.reviewed_on else ""
        review = f"Prüfvermerk{on}: {section.review_result_label}"
        if checked.findings:
            review += f" – {checked.findings}"
        rows.append(["Trägerin", None, f"{name}: {review}", "", None, None, None, None])
    if not proof.carriers_complete:
        rows.append(
            [
                "Hinweis",
                None,
                "Nicht vollständig: es fehlen geprüfte Nachweise von Trägerinnen.",
                "",
                None,
                None,
                None,
                None,
            ]
        )
    return rows
