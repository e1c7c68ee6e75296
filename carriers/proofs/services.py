"""The carriers' proof workflow: every write of a proof of use, one transaction each.

draft → submitted → (content and arithmetic checked) → checked (review note recorded);
submitted → returned with a comment → changed by the carrier → submitted again.

Who may do what is checked here, on the server, whatever the caller (page, API): only the
carrier's own users write a proof, and only for positions they hold under the agreement;
only a reviewer (KI coordination) checks, returns and records the review note, never on a
proof they submitted. The four-eyes rule is the forecasts' (``four_eyes_error``), a setting of
the recipient. Every step takes the version the caller saw (``VersionConflict``) and is
recorded in the history with the actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import EDITABLE_PROOF_STATES, ProofState, ReviewResult
from carriers.forecasts.services import (
    APPROVAL,
    ARITHMETIC,
    CONTENT,
    attachment_error,
    four_eyes_error,
)
from carriers.models import CarrierProof, ForwardingAgreement, ProofAttachment, ProofLine
from carriers.models.forecasts import ATTACHMENT_TYPES
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE
from kim_admin.versioning import bump_version

__all__ = ["APPROVAL", "ARITHMETIC", "CONTENT"]


@dataclass(frozen=True)
class ProofLineInput:
    """A proof line as a carrier enters it."""

    position_id: int
    employer_gross: Decimal
    material: Decimal = Decimal(0)
    overhead: Decimal = Decimal(0)
    fte: Decimal = Decimal(1)
    months_filled: Decimal = Decimal(12)
    remark: str = ""


def _with_actor(obj, actor):
    obj._history_user = actor
    return obj


# --- Who may ------------------------------------------------------------------------------------


def is_carrier_user_of(actor, proof: CarrierProof) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.CARRIER and actor.organisation_id == proof.carrier_id


def is_reviewer_of(actor, proof: CarrierProof) -> bool:
    if not actor.has_perm("carriers.review_carrierproof"):
        return False
    return CarrierProof.objects.restrict(actor, CHANGE).filter(pk=proof.pk).exists()


def require_proof_writer(actor) -> None:
    """Only a carrier's own users (and administrators) open proofs."""
    if actor.role not in (Role.CARRIER, Role.ADMIN):
        raise PermissionDenied(_("Nur die Trägerin selbst bearbeitet ihren Nachweis."))


def _require_carrier(actor, proof):
    if not is_carrier_user_of(actor, proof):
        raise PermissionDenied(_("Nur die Trägerin selbst bearbeitet ihren Nachweis."))


def _require_reviewer(actor, proof):
    if not is_reviewer_of(actor, proof):
        raise PermissionDenied(_("Nur die KI-Koordination prüft Verwendungsnachweise."))


def _require_state(proof, states, message):
    if proof.state not in states:
        raise ValidationError({"state": message})


CHECK_FIELDS = (
    "content_checked_by_id",
    "content_checked_at",
    "arithmetic_checked_by_id",
    "arithmetic_checked_at",
)


def _lock(proof: CarrierProof, expected_version: int | None) -> CarrierProof:
    bump_version(proof, expected_version)
    stored = CarrierProof.objects.select_for_update().get(pk=proof.pk)
    proof.state = stored.state
    for field in CHECK_FIELDS:
        setattr(proof, field, getattr(stored, field))
    return proof


def year_is_closed(year: int, today: date | None = None) -> bool:
    """A proof of use is made for a year that is over."""
    today = today or timezone.localdate()
    return year < today.year


# --- Lines ---------------------------------------------------------------------------------------


def proof_positions(agreement: ForwardingAgreement, year: int):
    """The positions the carrier holds under the agreement in the year (real plan only)."""
    from kim_admin.filters import overlaps_year

    return (
        agreement.positions.filter(employer_id=agreement.carrier_id, scenario__isnull=True)
        .filter(overlaps_year("planned_start", "end_date", year))
        .order_by("block__number", "title", "pk")
    )


def _field_label(field: str) -> str:
    if field == "__all__":
        return _("Zeile")
    try:
        return str(ProofLine._meta.get_field(field).verbose_name)
    except Exception:
        return field


def _save_lines(proof: CarrierProof, lines: Sequence[ProofLineInput], actor) -> None:
    """Check every line, then replace the stored lines: all or nothing."""
    errors: list[str] = []
    seen = set()
    rows = []
    for index, line in enumerate(lines, start=1):
        if line.position_id in seen:
            errors.append(
                _("Zeile %(row)s: Diese Stelle steht schon im Nachweis.") % {"row": index}
            )
            continue
        seen.add(line.position_id)
        row = ProofLine(
            proof=proof,
            position_id=line.position_id,
            employer_gross=line.employer_gross,
            material=line.material,
            overhead=line.overhead,
            fte=line.fte,
            months_filled=line.months_filled,
            remark=line.remark,
        )
        try:
            row.full_clean(exclude=["proof"], validate_unique=False)
            row.clean()
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                for text in texts:
                    message = _("Zeile %(row)s, %(field)s: %(text)s") % {
                        "row": index,
                        "field": _field_label(field),
                        "text": text,
                    }
                    errors.append(message)
            continue
        rows.append(row)
    if errors:
        raise ValidationError({"lines": errors})
    for old in proof.lines.all():
        _with_actor(old, actor).delete()
    for row in rows:
        _with_actor(row, actor).save()


def prefilled_lines(agreement: ForwardingAgreement, year: int) -> list[ProofLineInput]:
    """One line per position held under the agreement in the year with the engine's figures
    for it (the approved actual statement where there is one), the carrier corrects them."""
    from funding.overview import cost_overview

    positions = {p.pk: p for p in proof_positions(agreement, year)}
    if not positions:
        return []
    overview = cost_overview(agreement.recipient, year)
    return [
        ProofLineInput(
            position_id=r.position.id,
            employer_gross=r.employer_gross + r.one_off,
            material=r.material,
            overhead=r.overhead,
            fte=positions[r.position.id].fte,
            months_filled=min(Decimal(12), r.filled_months.quantize(Decimal("0.01"))),
        )
        for r in overview.positions
        if r.position.id in positions
    ]


# --- The workflow --------------------------------------------------------------------------------


@transaction.atomic
def proof_create(
    *,
    agreement: ForwardingAgreement,
    year: int,
    actor,
    funds_received: Decimal = Decimal(0),
    own_contribution: Decimal = Decimal(0),
    note: str = "",
    lines: Sequence[ProofLineInput] | None = None,
) -> CarrierProof:
    """Open a draft proof for a closed year under the agreement. Without ``lines`` it starts
    with one line per position the carrier holds, prefilled with the engine's figures."""
    proof = CarrierProof(
        recipient_id=agreement.recipient_id,
        carrier_id=agreement.carrier_id,
        agreement=agreement,
        year=year,
        funds_received=funds_received,
        own_contribution=own_contribution,
        note=note,
    )
    _require_carrier(actor, proof)
    if not year_is_closed(year):
        raise ValidationError(
            {
                "year": _(
                    "Ein Verwendungsnachweis wird erst nach Ablauf des Jahres erstellt; "
                    "%(year)s ist noch nicht abgeschlossen."
                )
                % {"year": year}
            }
        )
    proof.created_by = actor
    proof.full_clean(validate_constraints=False)
    if CarrierProof.objects.filter(agreement=agreement, year=year).exists():
        raise ValidationError({"year": _duplicate_message(year)})
    try:
        with transaction.atomic():
            _with_actor(proof, actor).save()
    except IntegrityError:
        raise ValidationError({"year": _duplicate_message(year)}) from None
    if lines is None:
        lines = prefilled_lines(agreement, year)
    _save_lines(proof, lines, actor)
    return proof


def _duplicate_message(year) -> str:
    return _(
        "Für diesen Weiterleitungsvertrag gibt es für %(year)s schon einen Verwendungsnachweis; "
        "bitte diesen weiterbearbeiten."
    ) % {"year": year}


@transaction.atomic
def proof_update(
    *,
    proof: CarrierProof,
    actor,
    lines: Sequence[ProofLineInput] | None = None,
    funds_received: Decimal | None = None,
    own_contribution: Decimal | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> CarrierProof:
    """The carrier changes a draft or a returned proof; ``lines`` None keeps the lines."""
    _require_carrier(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof,
        EDITABLE_PROOF_STATES,
        _("Nur ein Entwurf oder ein zurückgegebener Nachweis kann geändert werden."),
    )
    if funds_received is not None:
        proof.funds_received = funds_received
    if own_contribution is not None:
        proof.own_contribution = own_contribution
    if note is not None:
        proof.note = note
    proof.full_clean(validate_constraints=False)
    _with_actor(proof, actor).save()
    if lines is not None:
        _save_lines(proof, lines, actor)
    return proof


@transaction.atomic
def proof_submit(*, proof: CarrierProof, actor, expected_version: int | None = None):
    """The carrier hands the proof to the KI coordination; earlier checks no longer hold."""
    _require_carrier(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof,
        EDITABLE_PROOF_STATES,
        _("Eingereicht werden kann nur ein Entwurf oder ein zurückgegebener Nachweis."),
    )
    if not proof.lines.exists():
        raise ValidationError(
            {"lines": _("Ein Nachweis ohne Stellen kann nicht eingereicht werden.")}
        )
    proof.state = ProofState.SUBMITTED
    proof.submitted_by, proof.submitted_at = actor, timezone.now()
    proof.content_checked_by = proof.content_checked_at = None
    proof.arithmetic_checked_by = proof.arithmetic_checked_at = None
    _with_actor(proof, actor).save()
    _notify(proof, "submitted", actor)
    return proof


def _refuse_own(proof, actor, message):
    if actor.pk in (proof.submitted_by_id, proof.created_by_id):
        raise ValidationError({"state": message})


def _refuse_four_eyes(proof, actor, step):
    message = four_eyes_error(proof, actor, step)
    if message:
        raise ValidationError({"state": message})


@transaction.atomic
def proof_check(*, proof: CarrierProof, actor, check: str, expected_version: int | None = None):
    """A reviewer records the content check (positions, months, FTE, pay plausible) or the
    arithmetic check (sums, funds received and own contribution)."""
    _require_reviewer(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof, (ProofState.SUBMITTED,), _("Geprüft wird nur ein eingereichter Nachweis.")
    )
    _refuse_own(proof, actor, _("Sie können Ihren eigenen Nachweis nicht prüfen."))
    if check not in (CONTENT, ARITHMETIC):
        raise ValidationError({"check": _("Unbekannte Prüfung.")})
    _refuse_four_eyes(proof, actor, check)
    now = timezone.now()
    if check == CONTENT:
        proof.content_checked_by, proof.content_checked_at = actor, now
    else:
        proof.arithmetic_checked_by, proof.arithmetic_checked_at = actor, now
    _with_actor(proof, actor).save()
    return proof


@transaction.atomic
def proof_return(*, proof: CarrierProof, actor, comment: str, expected_version: int | None = None):
    """A reviewer sends the proof back to the carrier, saying why."""
    _require_reviewer(actor, proof)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Bitte begründen, was die Trägerin ändern soll.")})
    _lock(proof, expected_version)
    _require_state(
        proof,
        (ProofState.SUBMITTED,),
        _("Zurückgegeben werden kann nur ein eingereichter Nachweis."),
    )
    proof.state = ProofState.RETURNED
    proof.return_comment = comment.strip()
    _with_actor(proof, actor).save()
    _notify(proof, "returned", actor)
    return proof


@transaction.atomic
def proof_review(
    *,
    proof: CarrierProof,
    actor,
    result: str,
    findings: str = "",
    reviewed_on: date | None = None,
    expected_version: int | None = None,
) -> CarrierProof:
    """A reviewer records the review note (Prüfvermerk: by whom, on which date, the result
    and the findings) on a proof whose content and arithmetic were checked; from now on it
    counts (``checked_carrier_proofs``). With findings, the findings are required."""
    _require_reviewer(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof,
        (ProofState.SUBMITTED,),
        _("Einen Prüfvermerk erhält nur ein eingereichter Nachweis."),
    )
    _refuse_own(proof, actor, _("Sie können Ihren eigenen Nachweis nicht prüfen."))
    errors = {}
    if result not in ReviewResult.values:
        errors["review_result"] = _("Bitte das Ergebnis der Prüfung wählen.")
    elif result == ReviewResult.FINDINGS and not (findings or "").strip():
        errors["findings"] = _("Bitte die Feststellungen eintragen.")
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        errors["reviewed_on"] = _("Der Prüfvermerk kann nicht in der Zukunft datiert sein.")
    elif proof.submitted_at and reviewed_on < timezone.localtime(proof.submitted_at).date():
        errors["reviewed_on"] = _(
            "Der Prüfvermerk kann nicht vor der Einreichung (%(date)s) datiert sein."
        ) % {"date": f"{timezone.localtime(proof.submitted_at):%d.%m.%Y}"}
    if errors:
        raise ValidationError(errors)
    missing = []
    if proof.content_checked_at is None:
        missing.append(_("die sachliche Prüfung"))
    if proof.arithmetic_checked_at is None:
        missing.append(_("die rechnerische Prüfung"))
    if missing:
        raise ValidationError(
            {
                "state": _("Vor dem Prüfvermerk fehlt noch %(what)s.")
                % {"what": " und ".join(missing)}
            }
        )
    _refuse_four_eyes(proof, actor, APPROVAL)
    proof.state = ProofState.CHECKED
    proof.reviewed_by, proof.reviewed_on = actor, reviewed_on
    proof.review_result = result
    proof.findings = (findings or "").strip()
    proof.return_comment = ""
    _with_actor(proof, actor).save()
    _notify(proof, "checked", actor)
    return proof


# --- Attachments ---------------------------------------------------------------------------------


@transaction.atomic
def proof_attachment_add(
    *, proof: CarrierProof, actor, name: str, content: bytes, expected_version: int | None = None
) -> ProofAttachment:
    """The carrier attaches a file (PDF or XLSX, checked by content) to an editable proof."""
    _require_carrier(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof,
        EDITABLE_PROOF_STATES,
        _("Anhänge können nur an einen Entwurf oder einen zurückgegebenen Nachweis."),
    )
    message = attachment_error(name, content)
    if message:
        raise ValidationError({"file": message})
    _with_actor(proof, actor).save()
    attachment = ProofAttachment(
        proof=proof,
        name=Path(name).name[:200],
        content_type=ATTACHMENT_TYPES[Path(name).suffix.lower()],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )
    _with_actor(attachment, actor).save()
    return attachment


@transaction.atomic
def proof_attachment_delete(
    *, attachment: ProofAttachment, actor, expected_version: int | None = None
) -> None:
    proof = attachment.proof
    _require_carrier(actor, proof)
    _lock(proof, expected_version)
    _require_state(
        proof,
        EDITABLE_PROOF_STATES,
        _("Anhänge eines eingereichten oder geprüften Nachweises bleiben."),
    )
    _with_actor(proof, actor).save()
    _with_actor(attachment, actor).delete()


# --- Mail ----------------------------------------------------------------------------------------

SUBJECTS = {
    "submitted": "Verwendungsnachweis eingereicht: %(carrier)s %(year)s",
    "returned": "Verwendungsnachweis zurückgegeben: %(carrier)s %(year)s",
    "checked": "Verwendungsnachweis geprüft: %(carrier)s %(year)s",
}


def _recipients_of(proof: CarrierProof, event: str) -> list[str]:
    """The KI coordination hears of a submission, the carrier of a return or a review note."""
    User = get_user_model()
    if event == "submitted":
        users = User.objects.filter(
            organisation_id=proof.recipient_id, groups__name=Role.COORDINATOR
        )
    else:
        users = User.objects.filter(organisation_id=proof.carrier_id, groups__name=Role.CARRIER)
    return sorted(
        set(users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    )


def _notify(proof: CarrierProof, event: str, actor) -> None:
    """One mail per state change, sent once the transaction has committed."""
    to = _recipients_of(proof, event)
    if not to:
        return
    subject = SUBJECTS[event] % {"carrier": proof.carrier.name, "year": proof.year}
    lines = [
        f"{proof.label} von {proof.carrier.name} für {proof.recipient.name}:",
        f"Status: {proof.get_state_display()}, "
        f"geändert von {actor.get_full_name() or actor.username}.",
    ]
    if event == "returned":
        lines += ["", "Begründung:", proof.return_comment]
    if event == "checked":
        lines += ["", f"Prüfvermerk: {proof.get_review_result_display()}"]
        if proof.findings:
            lines += ["Feststellungen:", proof.findings]
    link = settings.SITE_URL.rstrip("/") + reverse("carriers:carrierproof_detail", args=[proof.pk])
    lines += ["", f"Zum Nachweis: {link}"]
    body = "\n".join(lines)
    transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=True))
