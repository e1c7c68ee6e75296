"""Writes of the settlement between towns: issuing statements and the towns' advances.

Who may is checked here, on the server, whatever the caller (page, API, command): the
recipient's finance and coordination users and administrators. Each statement is issued in
its own transaction, recorded in the history with the actor, with its PDF rendered and stored
in the same transaction. Refused, with a German message and nothing saved: a year that is not
closed, a split that cannot be settled (fixed percentages not summing to 100 %, no positions),
a town not in the split, and a statement issued already (a correction names the version it
replaces and becomes the next version; the replaced one is marked superseded and stays).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import StatementState
from carriers.models import AdvancePayment, CostSplit, Organisation, SettlementStatement
from carriers.models.settlements import PDF_FIELDS
from carriers.settlements.rules import (
    SettlementError,
    SplitSettlement,
    payment_direction,
    payment_due,
)
from carriers.settlements.selectors import is_unchanged, split_settlement, statement_figures
from funding.models import YearClosing
from kim_admin.scoping import CHANGE
from kim_admin.versioning import bump_version


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


# --- Who may ------------------------------------------------------------------------------------


def may_issue(actor, split: CostSplit) -> bool:
    """Finance or coordination of the split's recipient, or an administrator."""
    if actor is None or not actor.has_perm("carriers.add_settlementstatement"):
        return False
    return CostSplit.objects.restrict(actor, CHANGE).filter(pk=split.pk).exists()


def _require_issuer(actor, split: CostSplit) -> None:
    if not may_issue(actor, split):
        raise PermissionDenied(
            _("Abrechnungen stellen nur die Finanzverwaltung und die KI-Koordination aus.")
        )


def _require_closed(recipient: Organisation, year: int) -> None:
    if not YearClosing.objects.filter(recipient=recipient, year=year).exists():
        raise ValidationError(
            {
                "year": _(
                    "Das Jahr %(year)s ist bei %(recipient)s noch nicht abgeschlossen. "
                    "Abgerechnet wird erst nach dem Jahresabschluss."
                )
                % {"year": year, "recipient": recipient.name}
            }
        )


def _validation_error(error: SettlementError) -> ValidationError:
    return ValidationError({error.field: error.message} if error.field else error.message)


# --- Issuing ------------------------------------------------------------------------------------


def prepare(*, split: CostSplit, year: int, actor) -> SplitSettlement:
    """Check that the actor may settle the split's closed year and compute its settlement
    (the checks that hold for every town of the split)."""
    _require_issuer(actor, split)
    if split.scenario_id is not None:
        raise ValidationError(
            {"split": _("Abgerechnet wird nur der echte Plan, nicht ein Szenario.")}
        )
    _require_closed(split.recipient, year)
    try:
        return split_settlement(split, year)
    except SettlementError as error:
        raise _validation_error(error) from None


@transaction.atomic
def statement_issue(
    *,
    split: CostSplit,
    town: Organisation,
    year: int,
    actor,
    replaces: int | None = None,
    settlement: SplitSettlement | None = None,
) -> SettlementStatement:
    """Issue the town's statement for the split and year, with its PDF.

    ``replaces``: the version (Fassung) a correction replaces; None for the first statement.
    ``settlement``: the split's settlement when the caller computed it already (issuing all
    towns of a split); it must come from :func:`prepare` for the same split and year.
    """
    if settlement is None:
        settlement = prepare(split=split, year=year, actor=actor)
    else:
        _require_issuer(actor, split)
        _require_closed(split.recipient, year)
    town_settlement = settlement.town(town.pk)
    if town_settlement is None:
        raise ValidationError(
            {
                "town": _("%(town)s ist an „%(split)s“ nicht beteiligt.")
                % {"town": town.name, "split": split.name}
            }
        )
    mine = SettlementStatement.objects.without_pdf().filter(split=split, town=town, year=year)
    current = mine.select_for_update().filter(state=StatementState.ISSUED).first()
    if current is not None and replaces != current.number:
        raise ValidationError(
            {
                "town": _(
                    "Für %(town)s ist die Abrechnung %(year)s schon ausgestellt (Fassung "
                    "%(number)s). Eine Korrektur ersetzt diese Fassung."
                )
                % {"town": town.name, "year": year, "number": current.number}
            }
        )
    if current is None and replaces is not None:
        raise ValidationError(
            {
                "town": _(
                    "Die Fassung %(number)s der Abrechnung für %(town)s ist nicht die aktuelle."
                )
                % {"number": replaces, "town": town.name}
            }
        )
    if current is not None and is_unchanged(current, settlement):
        raise ValidationError(
            {
                "town": _(
                    "Die Zahlen für %(town)s haben sich seit Fassung %(number)s nicht geändert; "
                    "eine neue Fassung ist nicht nötig."
                )
                % {"town": town.name, "number": current.number}
            }
        )
    number = (mine.aggregate(n=Max("number"))["n"] or 0) + 1
    items = settlement.items
    issued_at = timezone.now()
    due_on = None
    if split.employer_town is not None and payment_direction(
        town_settlement.balance, town_settlement.is_employer_town
    ):
        due_on = payment_due(timezone.localdate(issued_at), split.employer_town.payment_term_days)
    statement = SettlementStatement(
        recipient=split.recipient,
        split=split,
        town=town,
        employer_town=split.employer_town,
        year=year,
        number=number,
        replaces=current,
        is_employer_town=town_settlement.is_employer_town,
        split_method=split.method,
        member_count=len(settlement.towns),
        position_count=settlement.position_count,
        region_employer_gross=items.employer_gross,
        region_material=items.material,
        region_one_off=items.one_off,
        region_overhead=items.overhead,
        region_total_cost=items.total,
        region_funding=settlement.funding,
        region_own_share=settlement.own_share,
        total_cost=town_settlement.items.total,
        issued_by=actor,
        issued_at=issued_at,
        due_on=due_on,
        pdf=b"",
        pdf_sha256="",
        pdf_size=0,
        **statement_figures(settlement, town.pk),
    )
    if current is not None:
        current.state = StatementState.SUPERSEDED
        bump_version(current, None)
        _with_actor(current, actor).save(update_fields=["state", "version"])
    statement.full_clean(exclude=["pdf", "pdf_sha256", "pdf_size"])
    _with_actor(statement, actor).save()
    # The PDF is made from the stored row (the report kind reads it by id), in this
    # transaction: a failed rendering leaves no statement without its PDF.
    pdf = render_statement_pdf(statement)
    statement.pdf = pdf
    statement.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    statement.pdf_size = len(pdf)
    _with_actor(statement, actor).save(update_fields=list(PDF_FIELDS))
    return statement


def statements_issue_all(
    *,
    recipient: Organisation,
    year: int,
    actor,
    split: CostSplit | None = None,
    progress=None,
) -> list[SettlementStatement]:
    """Issue the statements of every town of the recipient's splits (or of one split) that has
    none yet or whose figures changed; each in its own transaction. The first refusal stops
    (raised); what was issued before it stays issued. Run again, it issues only what is still
    missing (the batch job relies on that after a restart).

    ``progress(done, total, town_name)``: called before each statement and at the end."""
    splits = (
        [split]
        if split is not None
        else list(
            CostSplit.objects.filter(recipient=recipient, scenario__isnull=True).order_by("name")
        )
    )
    pending = []
    for each in splits:
        settlement = prepare(split=each, year=year, actor=actor)
        current = {
            s.town_id: s
            for s in SettlementStatement.objects.without_pdf().filter(
                split=each, year=year, state=StatementState.ISSUED
            )
        }
        for town_settlement in settlement.towns:
            existing = current.get(town_settlement.town.id)
            if existing is not None and is_unchanged(existing, settlement):
                continue
            pending.append((each, settlement, town_settlement.town, existing))
    issued = []
    for done, (each, settlement, town, existing) in enumerate(pending):
        if progress is not None:
            progress(done, len(pending), f"{town.name} ({each.name})")
        issued.append(
            statement_issue(
                split=each,
                town=Organisation.objects.get(pk=town.id),
                year=year,
                actor=actor,
                replaces=existing.number if existing else None,
                settlement=settlement,
            )
        )
    if progress is not None:
        progress(len(pending), len(pending), "")
    return issued


# The statement's PDF is made by the reports app, which registers its renderer when it starts
# (reports.apps): the settlement imports nothing of reports (docs/architecture.md).
_statement_renderer: Callable[[SettlementStatement], bytes] | None = None


def register_statement_renderer(renderer: Callable[[SettlementStatement], bytes]) -> None:
    """Name the function that makes a statement's PDF from its stored figures; it raises a
    German ValidationError when it cannot."""
    global _statement_renderer
    _statement_renderer = renderer


def render_statement_pdf(statement: SettlementStatement) -> bytes:
    """The statement's PDF, made by the registered renderer (the reports app's)."""
    if _statement_renderer is None:
        raise ImproperlyConfigured("No renderer for settlement statements: is reports installed?")
    return _statement_renderer(statement)


def statements_zip(statements) -> bytes:
    """The statements' stored PDFs as one ZIP file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for statement in statements:
            archive.writestr(statement.download_name, bytes(statement.pdf))
    return buffer.getvalue()


# --- Advances -----------------------------------------------------------------------------------


def _require_advance_writer(actor, split: CostSplit) -> None:
    if not (
        actor.has_perm("carriers.change_advancepayment")
        and CostSplit.objects.restrict(actor, CHANGE).filter(pk=split.pk).exists()
    ):
        raise PermissionDenied(
            _("Abschläge erfassen nur die Finanzverwaltung und die KI-Koordination.")
        )


@transaction.atomic
def advance_save(*, advance: AdvancePayment, actor, expected_version: int | None = None):
    """Create or change an advance payment (the version read is checked)."""
    if advance.split_id:
        _require_advance_writer(actor, advance.split)
        advance.recipient_id = advance.split.recipient_id
    bump_version(advance, expected_version if advance.pk else None)
    advance.full_clean()
    _with_actor(advance, actor).save()
    return advance


@transaction.atomic
def advance_delete(*, advance: AdvancePayment, actor, expected_version: int | None = None):
    _require_advance_writer(actor, advance.split)
    bump_version(advance, expected_version)
    _with_actor(advance, actor).delete()
