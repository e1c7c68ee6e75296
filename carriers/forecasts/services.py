"""The forecast workflow: every write of a carrier's cost statement, one transaction each.

draft → submitted → (content and arithmetic checked) → approved;
submitted → returned with a comment → revised by the carrier → submitted again;
approved → revise → a new draft (next version) that supersedes it once approved.

Who may do what is checked here, on the server, whatever the caller (page, API):
only the carrier's own users write a draft; only a reviewer (KI coordination) checks, returns
and approves, never a statement they submitted themselves. Every step takes the version the
caller saw and refuses a stale one (``VersionConflict``), is recorded in the history with the
actor, and sends a mail after the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import (
    EDITABLE_FORECAST_STATES,
    OPEN_FORECAST_STATES,
    ForecastKind,
    ForecastState,
)
from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    Organisation,
)
from carriers.models.forecasts import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES
from kim_admin.files import MAX_UNPACKED_BYTES, is_pdf, is_xlsx, unpacked_size
from kim_admin.filters import overlaps_year
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE
from kim_admin.versioning import bump_version


@dataclass(frozen=True)
class LineInput:
    """A line as a carrier enters it."""

    position_id: int
    employer_gross: Decimal
    material: Decimal = Decimal(0)
    overhead: Decimal = Decimal(0)
    months_filled: Decimal = Decimal(12)
    remark: str = ""


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


# --- Who may ------------------------------------------------------------------------------------


def is_carrier_user_of(actor, forecast: CostForecast) -> bool:
    """The actor writes for the forecast's carrier (administrators may act for anyone)."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.CARRIER and actor.organisation_id == forecast.carrier_id


def is_reviewer_of(actor, forecast: CostForecast) -> bool:
    """The actor reviews the recipient's forecasts (KI coordination, or an administrator)."""
    if not actor.has_perm("carriers.review_costforecast"):
        return False
    return CostForecast.objects.restrict(actor, CHANGE).filter(pk=forecast.pk).exists()


def require_draft_writer(actor) -> None:
    """Only a carrier's own users (and administrators) open and edit statements: checked
    before anything the request names is looked at."""
    if actor.role not in (Role.CARRIER, Role.ADMIN):
        raise PermissionDenied(_("Nur die Trägerin selbst bearbeitet ihre Prognose."))


def _require_carrier(actor, forecast):
    if not is_carrier_user_of(actor, forecast):
        raise PermissionDenied(_("Nur die Trägerin selbst bearbeitet ihre Prognose."))


def _require_reviewer(actor, forecast):
    if not is_reviewer_of(actor, forecast):
        raise PermissionDenied(_("Nur die KI-Koordination prüft und genehmigt Prognosen."))


def _require_state(forecast, states, message):
    if forecast.state not in states:
        raise ValidationError({"state": message})


def _lock(forecast: CostForecast, expected_version: int | None) -> CostForecast:
    """Lock the row, refuse a stale version and move the version on."""
    bump_version(forecast, expected_version)
    stored = CostForecast.objects.select_for_update().get(pk=forecast.pk)
    # Work on the stored state and the stored checks, not on what the caller's copy says.
    forecast.state = stored.state
    for field in CHECK_FIELDS:
        setattr(forecast, field, getattr(stored, field))
    return forecast


CHECK_FIELDS = (
    "content_checked_by_id",
    "content_checked_at",
    "arithmetic_checked_by_id",
    "arithmetic_checked_at",
)


# --- Lines ---------------------------------------------------------------------------------------


def carrier_positions(recipient: Organisation, carrier: Organisation, year: int):
    """The positions of the recipient's real plan that the carrier employs in the year."""
    from staffing.models import Position

    return (
        Position.objects.filter(
            recipient=recipient, employer=carrier, scenario__isnull=True
        ).filter(overlaps_year("planned_start", "end_date", year))
    ).order_by("block__number", "title", "pk")


def position_choices(positions) -> list[tuple[int, str]]:
    """(id, name) of positions as a carrier knows them: by title; a title that occurs more
    than once is told apart by its start date (never by a bare block number)."""
    from collections import Counter

    positions = list(positions)
    titles = Counter(p.title for p in positions)
    return [
        (
            p.pk,
            p.title
            if titles[p.title] == 1
            else _("%(title)s (ab %(start)s)")
            % {"title": p.title, "start": f"{p.planned_start:%d.%m.%Y}"},
        )
        for p in positions
    ]


def _save_lines(forecast: CostForecast, lines: Sequence[LineInput], actor) -> None:
    errors: dict[str, list[str]] = {}
    seen = set()
    rows = []
    for index, line in enumerate(lines, start=1):
        if line.position_id in seen:
            errors.setdefault("lines", []).append(
                _("Zeile %(row)s: Diese Stelle steht schon in der Prognose.") % {"row": index}
            )
            continue
        seen.add(line.position_id)
        row = ForecastLine(
            forecast=forecast,
            position_id=line.position_id,
            employer_gross=line.employer_gross,
            material=line.material,
            overhead=line.overhead,
            months_filled=line.months_filled,
            remark=line.remark,
        )
        try:
            row.full_clean(exclude=["forecast"], validate_unique=False)
            row.clean()
        except ValidationError as error:
            for field, texts in error.message_dict.items():
                label = _field_label(field)
                for text in texts:
                    errors.setdefault("lines", []).append(
                        _("Zeile %(row)s, %(field)s: %(text)s")
                        % {"row": index, "field": label, "text": text}
                    )
            continue
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    for old in forecast.lines.all():
        _with_actor(old, actor).delete()
    for row in rows:
        _with_actor(row, actor).save()


def _field_label(field: str) -> str:
    if field == "__all__":
        return _("Zeile")
    try:
        return str(ForecastLine._meta.get_field(field).verbose_name)
    except Exception:
        return field


# --- The workflow --------------------------------------------------------------------------------


@transaction.atomic
def forecast_create(
    *,
    recipient: Organisation,
    carrier: Organisation,
    year: int,
    actor,
    kind: str = ForecastKind.FORECAST,
    title: str = "",
    note: str = "",
    lines: Sequence[LineInput] | None = None,
) -> CostForecast:
    """Open a draft for the carrier's year. Without ``lines`` it starts with one line per
    position the carrier holds, prefilled with the figures the cost engine uses today."""
    forecast = CostForecast(
        recipient=recipient, carrier=carrier, year=year, kind=kind, title=title, note=note
    )
    _require_carrier(actor, forecast)
    if not carrier_positions(recipient, carrier, year).exists():
        raise ValidationError(
            {
                "recipient": _("%(carrier)s hat bei %(recipient)s im Jahr %(year)s keine Stellen.")
                % {"carrier": carrier, "recipient": recipient, "year": year}
            }
        )
    _refuse_second_open(forecast)
    forecast.number = _next_number(forecast)
    forecast.created_by = actor
    forecast.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            _with_actor(forecast, actor).save()
    except IntegrityError:
        # Someone opened one in the meantime.
        raise ValidationError({"year": _second_open_message(forecast)}) from None
    if lines is None:
        lines = prefilled_lines(forecast)
    _save_lines(forecast, lines, actor)
    return forecast


def prefilled_lines(forecast: CostForecast) -> list[LineInput]:
    """One line per position of the carrier in the year with the engine's current figures
    (the approved statement, else the plan, else the pay-grade table)."""
    from funding.overview import cost_overview

    positions = {
        p.pk for p in carrier_positions(forecast.recipient, forecast.carrier, forecast.year)
    }
    if not positions:
        return []
    overview = cost_overview(forecast.recipient, forecast.year)
    return [
        LineInput(
            position_id=r.position.id,
            employer_gross=r.employer_gross + r.one_off,
            material=r.material,
            overhead=r.overhead,
            months_filled=min(Decimal(12), r.filled_months.quantize(Decimal("0.01"))),
        )
        for r in overview.positions
        if r.position.id in positions
    ]


def _second_open_message(forecast) -> str:
    return _(
        "Für %(carrier)s und %(year)s ist schon eine Fassung in Bearbeitung; bitte diese "
        "weiterbearbeiten."
    ) % {"carrier": forecast.carrier, "year": forecast.year}


def _refuse_second_open(forecast: CostForecast) -> None:
    open_ones = CostForecast.objects.filter(
        recipient=forecast.recipient,
        carrier=forecast.carrier,
        year=forecast.year,
        kind=forecast.kind,
        state__in=OPEN_FORECAST_STATES,
    ).exclude(pk=forecast.pk)
    if open_ones.exists():
        raise ValidationError({"year": _second_open_message(forecast)})


def _next_number(forecast: CostForecast) -> int:
    top = CostForecast.objects.filter(
        recipient=forecast.recipient,
        carrier=forecast.carrier,
        year=forecast.year,
        kind=forecast.kind,
    ).aggregate(top=Max("number"))["top"]
    return (top or 0) + 1


@transaction.atomic
def forecast_update(
    *,
    forecast: CostForecast,
    actor,
    lines: Sequence[LineInput],
    title: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> CostForecast:
    """The carrier changes a draft or a returned forecast: title, note and all lines."""
    _require_carrier(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        EDITABLE_FORECAST_STATES,
        _("Nur ein Entwurf oder eine zurückgegebene Prognose kann geändert werden."),
    )
    if title is not None:
        forecast.title = title
    if note is not None:
        forecast.note = note
    forecast.full_clean(validate_constraints=False)
    _with_actor(forecast, actor).save()
    _save_lines(forecast, lines, actor)
    return forecast


@transaction.atomic
def forecast_submit(*, forecast: CostForecast, actor, expected_version: int | None = None):
    """The carrier hands the forecast to the KI coordination; earlier checks no longer hold."""
    _require_carrier(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        EDITABLE_FORECAST_STATES,
        _("Eingereicht werden kann nur ein Entwurf oder eine zurückgegebene Prognose."),
    )
    if not forecast.lines.exists():
        raise ValidationError(
            {"lines": _("Eine Prognose ohne Stellen kann nicht eingereicht werden.")}
        )
    now = timezone.now()
    forecast.state = ForecastState.SUBMITTED
    forecast.submitted_by, forecast.submitted_at = actor, now
    forecast.content_checked_by = forecast.content_checked_at = None
    forecast.arithmetic_checked_by = forecast.arithmetic_checked_at = None
    _with_actor(forecast, actor).save()
    _notify(forecast, "submitted", actor)
    return forecast


CONTENT, ARITHMETIC = "content", "arithmetic"


@transaction.atomic
def forecast_check(
    *, forecast: CostForecast, actor, check: str, expected_version: int | None = None
):
    """A reviewer records a check: the content (positions, months, pay grades plausible) or the
    arithmetic (totals, the state rate, the recipient's share under the coverage policy)."""
    _require_reviewer(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast, (ForecastState.SUBMITTED,), _("Geprüft wird nur eine eingereichte Prognose.")
    )
    _refuse_own(forecast, actor, _("Sie können Ihre eigene Prognose nicht prüfen."))
    if check not in (CONTENT, ARITHMETIC):
        raise ValidationError({"check": _("Unbekannte Prüfung.")})
    _refuse_four_eyes(forecast, actor, check)
    now = timezone.now()
    if check == CONTENT:
        forecast.content_checked_by, forecast.content_checked_at = actor, now
    else:
        forecast.arithmetic_checked_by, forecast.arithmetic_checked_at = actor, now
    _with_actor(forecast, actor).save()
    return forecast


APPROVAL = "approval"


def four_eyes_error(forecast: CostForecast, actor, step: str) -> str | None:
    """The four-eyes rule, a setting of the recipient (``Organisation.four_eyes``): the content
    check, the arithmetic check and the approval of a forecast are done by three different
    people. Returns the German refusal if the actor already did one of the other two steps of
    this submission, else None. Without the setting one person may do all three."""
    if not forecast.recipient.four_eyes:
        return None
    done = {
        CONTENT: forecast.content_checked_by_id if forecast.content_checked_at else None,
        ARITHMETIC: forecast.arithmetic_checked_by_id if forecast.arithmetic_checked_at else None,
    }
    names = {CONTENT: _("die sachliche Prüfung"), ARITHMETIC: _("die rechnerische Prüfung")}
    for other, by in done.items():
        if other != step and by is not None and by == actor.pk:
            return _(
                "Bei %(recipient)s gilt das Vier-Augen-Prinzip: sachliche Prüfung, rechnerische "
                "Prüfung und Genehmigung erledigen verschiedene Personen. Sie haben schon "
                "%(done)s vermerkt; bitte übernimmt eine Kollegin oder ein Kollege diesen Schritt."
            ) % {"recipient": forecast.recipient.name, "done": names[other]}
    return None


def _refuse_four_eyes(forecast, actor, step):
    message = four_eyes_error(forecast, actor, step)
    if message:
        raise ValidationError({"state": message})


def _refuse_own(forecast, actor, message):
    if actor.pk in (forecast.submitted_by_id, forecast.created_by_id):
        raise ValidationError({"state": message})


@transaction.atomic
def forecast_return(
    *, forecast: CostForecast, actor, comment: str, expected_version: int | None = None
):
    """A reviewer sends the forecast back to the carrier, saying why."""
    _require_reviewer(actor, forecast)
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Bitte begründen, was die Trägerin ändern soll.")})
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        (ForecastState.SUBMITTED,),
        _("Zurückgegeben werden kann nur eine eingereichte Prognose."),
    )
    forecast.state = ForecastState.RETURNED
    forecast.return_comment = comment.strip()
    forecast.decided_by, forecast.decided_at = actor, timezone.now()
    _with_actor(forecast, actor).save()
    _notify(forecast, "returned", actor)
    return forecast


@transaction.atomic
def forecast_approve(*, forecast: CostForecast, actor, expected_version: int | None = None):
    """A reviewer approves a submitted forecast whose content and arithmetic were checked.
    The version it revises (and any other approved one of the carrier's year) is superseded;
    from now on the cost engine uses its figures."""
    _require_reviewer(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        (ForecastState.SUBMITTED,),
        _("Genehmigt werden kann nur eine eingereichte Prognose."),
    )
    _refuse_own(forecast, actor, _("Sie können Ihre eigene Prognose nicht genehmigen."))
    missing = []
    if forecast.content_checked_at is None:
        missing.append(_("die sachliche Prüfung"))
    if forecast.arithmetic_checked_at is None:
        missing.append(_("die rechnerische Prüfung"))
    if missing:
        raise ValidationError(
            {
                "state": _("Vor der Genehmigung fehlt noch %(what)s.")
                % {"what": " und ".join(missing)}
            }
        )
    _refuse_four_eyes(forecast, actor, APPROVAL)
    for previous in CostForecast.objects.select_for_update().filter(
        recipient=forecast.recipient,
        carrier=forecast.carrier,
        year=forecast.year,
        kind=forecast.kind,
        state=ForecastState.APPROVED,
    ):
        previous.state = ForecastState.SUPERSEDED
        bump_version(previous, None)
        _with_actor(previous, actor).save()
    forecast.state = ForecastState.APPROVED
    forecast.decided_by, forecast.decided_at = actor, timezone.now()
    forecast.return_comment = ""
    _with_actor(forecast, actor).save()
    _notify(forecast, "approved", actor)
    return forecast


@transaction.atomic
def forecast_revise(*, forecast: CostForecast, actor, expected_version: int | None = None):
    """The carrier revises: a returned forecast becomes editable again (same version); an
    approved one is copied into a new draft, the next version, which supersedes it once
    approved. Returns the forecast to edit."""
    _require_carrier(actor, forecast)
    _lock(forecast, expected_version)
    if forecast.state == ForecastState.RETURNED:
        forecast.state = ForecastState.DRAFT
        _with_actor(forecast, actor).save()
        return forecast
    _require_state(
        forecast,
        (ForecastState.APPROVED,),
        _("Überarbeitet werden kann eine zurückgegebene oder eine genehmigte Prognose."),
    )
    _with_actor(forecast, actor).save()
    lines = [
        LineInput(
            position_id=line.position_id,
            employer_gross=line.employer_gross,
            material=line.material,
            overhead=line.overhead,
            months_filled=line.months_filled,
            remark=line.remark,
        )
        for line in forecast.lines.all()
    ]
    revision = CostForecast(
        recipient=forecast.recipient,
        carrier=forecast.carrier,
        year=forecast.year,
        kind=forecast.kind,
        revision_of=forecast,
        note=forecast.note,
    )
    _refuse_second_open(revision)
    revision.number = _next_number(revision)
    revision.created_by = actor
    _with_actor(revision, actor).save()
    _save_lines(revision, lines, actor)
    return revision


# --- Attachments ---------------------------------------------------------------------------------


def attachment_error(name: str, content: bytes) -> str | None:
    """PDF or XLSX, by name and by content, and not too large."""
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        return _("Bitte eine PDF- oder Excel-Datei (.xlsx) anhängen.")
    if len(content) > ATTACHMENT_MAX_BYTES:
        return _("Die Datei ist größer als %(mb)s MB.") % {
            "mb": ATTACHMENT_MAX_BYTES // 1024 // 1024
        }
    if not content:
        return _("Die Datei ist leer.")
    if suffix == ".pdf" and not is_pdf(content):
        return _("Die Datei endet auf .pdf, ist aber kein PDF.")
    if suffix == ".xlsx" and (unpacked_size(content) or 0) > MAX_UNPACKED_BYTES:
        return _("Die Datei ist entpackt größer als %(mb)s MB.") % {
            "mb": MAX_UNPACKED_BYTES // 1024 // 1024
        }
    if suffix == ".xlsx" and not is_xlsx(content):
        return _("Die Datei endet auf .xlsx, ist aber keine Excel-Arbeitsmappe.")
    return None


@transaction.atomic
def attachment_add(
    *, forecast: CostForecast, actor, name: str, content: bytes, expected_version: int | None = None
) -> ForecastAttachment:
    """The carrier attaches a file to a draft or returned forecast."""
    _require_carrier(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        EDITABLE_FORECAST_STATES,
        _("Anhänge können nur an einen Entwurf oder eine zurückgegebene Prognose."),
    )
    message = attachment_error(name, content)
    if message:
        raise ValidationError({"file": message})
    _with_actor(forecast, actor).save()
    safe_name = Path(name).name[:200]
    attachment = ForecastAttachment(
        forecast=forecast,
        name=safe_name,
        content_type=ATTACHMENT_TYPES[Path(name).suffix.lower()],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
    )
    _with_actor(attachment, actor).save()
    return attachment


@transaction.atomic
def attachment_delete(
    *, attachment: ForecastAttachment, actor, expected_version: int | None = None
) -> None:
    """The carrier removes a file of a draft or returned forecast; ``expected_version`` is the
    forecast's version the caller saw."""
    forecast = attachment.forecast
    _require_carrier(actor, forecast)
    _lock(forecast, expected_version)
    _require_state(
        forecast,
        EDITABLE_FORECAST_STATES,
        _("Anhänge einer eingereichten oder genehmigten Prognose bleiben."),
    )
    _with_actor(forecast, actor).save()
    _with_actor(attachment, actor).delete()


# --- Payments ------------------------------------------------------------------------------------


@transaction.atomic
def payment_save(*, payment: CarrierPayment, actor, expected_version: int | None = None):
    bump_version(payment, expected_version)
    payment.full_clean()
    _with_actor(payment, actor).save()
    return payment


@transaction.atomic
def payment_delete(*, payment: CarrierPayment, actor, expected_version: int | None = None):
    bump_version(payment, expected_version)
    _with_actor(payment, actor).delete()


# --- Mail ----------------------------------------------------------------------------------------

SUBJECTS = {
    "submitted": "Kostenprognose eingereicht: %(carrier)s %(year)s",
    "returned": "Kostenprognose zurückgegeben: %(carrier)s %(year)s",
    "approved": "Kostenprognose genehmigt: %(carrier)s %(year)s",
}


def _recipients_of(forecast, event) -> list[str]:
    """Who hears of a state change: the KI coordination of a submission, the carrier of a
    decision."""
    User = get_user_model()
    if event == "submitted":
        users = User.objects.filter(
            organisation_id=forecast.recipient_id, groups__name=Role.COORDINATOR
        )
    else:
        users = User.objects.filter(organisation_id=forecast.carrier_id, groups__name=Role.CARRIER)
    return sorted(
        set(users.filter(is_active=True).exclude(email="").values_list("email", flat=True))
    )


def _notify(forecast: CostForecast, event: str, actor) -> None:
    """One mail per state change, sent once the transaction has committed."""
    to = _recipients_of(forecast, event)
    if not to:
        return
    params = {"carrier": forecast.carrier.name, "year": forecast.year}
    subject = SUBJECTS[event] % params
    lines = [
        f"{forecast.label} von {forecast.carrier.name} für {forecast.year} (Fassung {forecast.number}):",
        f"Status: {forecast.get_state_display()}, geändert von {actor.get_full_name() or actor.username}.",
    ]
    if event == "returned":
        lines += ["", "Begründung:", forecast.return_comment]
    link = settings.SITE_URL.rstrip("/") + reverse(
        "carriers:costforecast_detail", args=[forecast.pk]
    )
    lines += ["", f"Zur Prognose: {link}"]
    body = "\n".join(lines)
    transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=True))
