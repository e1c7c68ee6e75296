"""Saving a new recipient with everything it needs to show figures: one transaction, through
the domain services (organisation_save, split_save, agreement_save, position_save), so the same
rules refuse the same input as on every other page; the actor in the audit history.

The guided setup's pages and the API (``POST /api/recipient-setup/``) both call
:func:`recipient_setup`; the rules of a setup that no single model holds (a unit only for the
recipient's own positions, a rate for each position's kind, towns only for a county, …) are the
functions below, which the wizard's forms call for their early messages too.

A refusal names the place of each message as a path of the setup document
(``positions.1.unit``, ``towns.0.slug``, ``recipient.name``), which the API answers as is and
the wizard turns into "Stelle 2: …"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.models import CostSplit, ForwardingAgreement, Organisation
from carriers.services import SplitShare, agreement_save, organisation_save, split_save
from funding.choices import FundingKind, OrganisationKind, SplitMethod
from funding.models import BuildingBlock, FundingRate, GrantNotice, GrantNoticeBlock, Programme
from kim_admin.models import User
from kim_admin.roles import Role
from staffing.models import OrganisationalUnit, PayGrade, Position, UnitKind
from staffing.services import OccupancyPeriod, position_save

# The recipient's own positions sit in this unit unless the setup names another.
DEFAULT_KI_NAME = "Kommunales Integrationszentrum"

# The roles a setup creates logins for: the recipient's own administration.
LOGIN_ROLES = (Role.FINANCE, Role.COORDINATOR)


@dataclass(frozen=True)
class UnitSetup:
    """An organisational unit of the recipient (the KI at least)."""

    name: str
    kind: str = UnitKind.INTEGRATION_CENTRE


@dataclass(frozen=True)
class TownSetup:
    """A town of the county that shares the cost (``split_percent`` only for a split by fixed
    percentages)."""

    name: str
    slug: str
    levy_share: Decimal | None = None
    split_percent: Decimal | None = None


@dataclass(frozen=True)
class SplitSetup:
    """How the towns share the own share of the setup's positions that no carrier employs
    (every town of the setup takes part; ``employer_town`` is an index into
    ``RecipientSetup.towns``)."""

    name: str
    method: str
    valid_from: date
    employer_town: int | None = None


@dataclass(frozen=True)
class NoticeBlock:
    block: BuildingBlock
    approved_fte: Decimal
    max_personnel_funding: Decimal | None = None


@dataclass(frozen=True)
class RateSetup:
    """A rate of the recipient's own (its notice grants another amount than the programme's
    rate of that kind and block); without one, the programme's rates apply."""

    block: BuildingBlock
    kind: str
    amount: Decimal
    valid_from: date
    capped_at_cost: bool = True
    source: str = ""


@dataclass(frozen=True)
class CarrierSetup:
    """A carrier the recipient forwards to: an existing one or a new one (name and slug), with
    the forwarding agreement's coverage policy."""

    existing: Organisation | None
    name: str
    slug: str
    valid_from: date
    coverage_policy: str
    coverage_percent: Decimal | None = None
    coverage_flat_per_fte: Decimal | None = None


@dataclass(frozen=True)
class PositionSetup:
    """A first position. ``carrier`` and ``town`` are indexes into ``RecipientSetup.carriers``
    and ``.towns`` (both None: the recipient employs it, in ``unit``, an index into
    ``RecipientSetup.units``; None: the first unit). ``occupied_from``: filled from that date
    on with the position's FTE (None: vacant)."""

    title: str
    block: BuildingBlock
    funding_kind: str
    pay_grade: PayGrade | None
    fte: Decimal
    planned_start: date
    occupied_from: date | None = None
    carrier: int | None = None
    town: int | None = None
    unit: int | None = None


@dataclass(frozen=True)
class LoginSetup:
    role: str
    username: str
    password: str
    email: str = ""


@dataclass(frozen=True)
class RecipientSetup:
    name: str
    slug: str
    kind: str
    programme: Programme
    notice_reference: str
    issued_on: date
    period_start: date
    period_end: date | None
    units: list[UnitSetup] = field(default_factory=lambda: [UnitSetup(DEFAULT_KI_NAME)])
    towns: list[TownSetup] = field(default_factory=list)
    split: SplitSetup | None = None
    notice_blocks: list[NoticeBlock] = field(default_factory=list)
    rates: list[RateSetup] = field(default_factory=list)
    carriers: list[CarrierSetup] = field(default_factory=list)
    positions: list[PositionSetup] = field(default_factory=list)
    logins: list[LoginSetup] = field(default_factory=list)


# --- where a message belongs -----------------------------------------------------------------

# The wizard's step of each part of the setup document.
STEP_OF = {
    "recipient": "empfaenger",
    "units": "einheiten",
    "towns": "einheiten",
    "split": "einheiten",
    "notice": "bescheid",
    "notice_blocks": "bescheid",
    "rates": "bescheid",
    "carriers": "traeger",
    "positions": "stellen",
    "logins": "anmeldungen",
}

# How the wizard names a row of each list.
ROW_LABEL = {
    "units": gettext_lazy("Organisationseinheit %(n)s"),
    "towns": gettext_lazy("Kommune %(n)s"),
    "notice_blocks": gettext_lazy("Baustein-Zeile %(n)s"),
    "rates": gettext_lazy("Fördersatz %(n)s"),
    "carriers": gettext_lazy("Trägerin %(n)s"),
    "positions": gettext_lazy("Stelle %(n)s"),
    "logins": gettext_lazy("Anmeldung %(n)s"),
}


class SetupRefused(ValidationError):
    """A part of the setup was refused. ``errors``: German messages by path in the setup
    document; ``step``: the wizard step of the first of them; ``messages``: the messages with
    the row they belong to ("Stelle 2: …")."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        first = next(iter(errors))
        self.step = STEP_OF[first.split(".")[0]]
        super().__init__(
            [_labelled(path, text) for path, texts in errors.items() for text in texts]
        )


def _labelled(path: str, text: str) -> str:
    parts = path.split(".")
    if len(parts) > 1 and parts[1].isdigit() and parts[0] in ROW_LABEL:
        return f"{ROW_LABEL[parts[0]] % {'n': int(parts[1]) + 1}}: {text}"
    return text


def _paths(error: ValidationError, prefix: str, names: dict[str, str] | None = None) -> dict:
    """A model's or service's ValidationError as messages by path below ``prefix``; ``names``
    renames model fields to the document's (``occupancies`` -> ``occupied_from``)."""
    names = names or {}
    if not hasattr(error, "error_dict"):
        return {prefix: list(error.messages)}
    found: dict[str, list[str]] = {}
    for name, texts in error.message_dict.items():
        path = prefix if name == NON_FIELD_ERRORS else f"{prefix}.{names.get(name, name)}"
        found.setdefault(path, []).extend(texts)
    return found


def _with_actor(obj, actor):
    obj._history_user = actor
    return obj


# --- the setup's own rules -------------------------------------------------------------------


def missing_rate_error(
    block: BuildingBlock, kind: str, own_rates: Iterable[RateSetup] = ()
) -> str | None:
    """A position is funded by a rate of its kind in its block: the programme's, or one of the
    recipient's own given in the same setup (DOMAIN: building blocks and rates)."""
    if any(r.block.pk == block.pk and r.kind == kind for r in own_rates):
        return None
    if FundingRate.objects.filter(
        block=block, kind=kind, recipient__isnull=True, scenario__isnull=True
    ).exists():
        return None
    return _("Für „%(kind)s“ gibt es in Baustein %(n)s keinen Fördersatz.") % {
        "kind": FundingKind(kind).label,
        "n": block.number,
    }


def occupancy_start_error(planned_start: date | None, occupied_from: date | None) -> str | None:
    """A position is filled at the earliest from its start."""
    if planned_start and occupied_from and occupied_from < planned_start:
        return _("Die Besetzung beginnt vor dem Beginn der Stelle.")
    return None


def towns_kind_error(recipient_kind: str) -> str | None:
    """Towns (kreisangehörige Kommunen) belong to a county; a county-free city has none."""
    if recipient_kind != OrganisationKind.COUNTY:
        return _("Kreisangehörige Kommunen hat nur ein Kreis; eine kreisfreie Stadt hat keine.")
    return None


def login_errors(login: LoginSetup) -> dict[str, list[str]]:
    """A first login: a role of the recipient's administration, a free user name, a password
    Django's validators accept (German messages by field)."""
    errors: dict[str, list[str]] = {}
    if login.role not in LOGIN_ROLES:
        errors["role"] = [_("Eingerichtet werden Anmeldungen für Finanzen und KI-Koordination.")]
    username = login.username.strip()
    if not username:
        errors["username"] = [_("Bitte ausfüllen.")]
    else:
        try:
            User.username_validator(username)
        except ValidationError as error:
            errors["username"] = list(error.messages)
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("Diesen Benutzernamen gibt es schon.")]
    if not login.password:
        errors["password"] = [_("Bitte ausfüllen.")]
    else:
        try:
            password_validation.validate_password(login.password, User(username=username))
        except ValidationError as error:
            errors["password"] = list(error.messages)
    return errors


def _check_document(setup: RecipientSetup) -> dict[str, list[str]]:
    """What is wrong across the parts of the setup before anything is written: references by
    index, the rules above, the things every setup needs."""
    errors: dict[str, list[str]] = {}

    def add(path, text):
        errors.setdefault(path, []).append(text)

    if not setup.units:
        add("units", _("Bitte mindestens eine Organisationseinheit angeben (das KI)."))
    if setup.towns and (message := towns_kind_error(setup.kind)):
        add("towns", message)
    if setup.split is not None:
        if not setup.towns:
            add("split", _("Eine Kostenaufteilung braucht mindestens eine Kommune."))
        index = setup.split.employer_town
        if index is not None and not 0 <= index < len(setup.towns):
            add("split.employer_town", _("Diese Kommune gibt es in der Einrichtung nicht."))
        if setup.split.method == SplitMethod.FIXED_PERCENT:
            for i, town in enumerate(setup.towns):
                if town.split_percent is None:
                    add(f"towns.{i}.split_percent", _("Bitte den festen Anteil angeben."))
    if not setup.notice_blocks:
        add("notice_blocks", _("Bitte für mindestens einen Baustein bewilligte Stellen angeben."))
    for i, item in enumerate(setup.notice_blocks):
        if item.block.programme_id != setup.programme.pk:
            add(
                f"notice_blocks.{i}.block",
                _("Der Baustein gehört zu einem anderen Förderprogramm."),
            )
    for i, rate in enumerate(setup.rates):
        if rate.block.programme_id != setup.programme.pk:
            add(f"rates.{i}.block", _("Der Baustein gehört zu einem anderen Förderprogramm."))
    if not setup.positions:
        add("positions", _("Bitte mindestens eine Stelle angeben."))
    for i, item in enumerate(setup.positions):
        prefix = f"positions.{i}"
        if item.carrier is not None and item.town is not None:
            add(
                f"{prefix}.town",
                _("Entweder eine Trägerin oder eine Kommune stellt an, nicht beide."),
            )
        if item.carrier is not None and not 0 <= item.carrier < len(setup.carriers):
            add(f"{prefix}.carrier", _("Diese Trägerin gibt es in der Einrichtung nicht."))
        if item.town is not None and not 0 <= item.town < len(setup.towns):
            add(f"{prefix}.town", _("Diese Kommune gibt es in der Einrichtung nicht."))
        if item.unit is not None and not 0 <= item.unit < len(setup.units):
            add(f"{prefix}.unit", _("Diese Organisationseinheit gibt es in der Einrichtung nicht."))
        if item.funding_kind in FundingKind.values and (
            message := missing_rate_error(item.block, item.funding_kind, setup.rates)
        ):
            add(f"{prefix}.funding_kind", message)
        if message := occupancy_start_error(item.planned_start, item.occupied_from):
            add(f"{prefix}.occupied_from", message)
    names = [login.username.strip().lower() for login in setup.logins]
    for i, login in enumerate(setup.logins):
        for name, texts in login_errors(login).items():
            errors.setdefault(f"logins.{i}.{name}", []).extend(texts)
        if login.username.strip() and names.index(login.username.strip().lower()) < i:
            add(
                f"logins.{i}.username",
                _("Bitte für jede Rolle einen eigenen Benutzernamen wählen."),
            )
    return errors


# --- the service -----------------------------------------------------------------------------


@transaction.atomic
def recipient_setup(*, setup: RecipientSetup, actor) -> Organisation:
    """Create the recipient with its organisational units and towns (and how the towns share
    the cost), its grant notice with its blocks and its own rates, its carriers (or link
    existing ones) with the forwarding agreements, its first positions with their occupancy and
    its first logins: all or nothing. Raises SetupRefused (German messages by path)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Zuwendungsempfänger richtet die Administration ein."))
    errors = _check_document(setup)

    recipient = Organisation(name=setup.name, slug=setup.slug, kind=setup.kind)
    if setup.kind not in (OrganisationKind.COUNTY, OrganisationKind.COUNTY_FREE_CITY):
        errors.setdefault("recipient.kind", []).append(
            _("Zuwendungsempfänger sind Kreise und kreisfreie Städte.")
        )
    if errors:
        # Check the recipient's own fields too, so one answer names everything it can.
        try:
            recipient.full_clean()
        except ValidationError as error:
            errors = {**_paths(error, "recipient"), **errors}
        raise SetupRefused(errors)
    try:
        organisation_save(organisation=recipient, actor=actor)
    except ValidationError as error:
        raise SetupRefused(_paths(error, "recipient")) from error

    units = []
    for i, item in enumerate(setup.units):
        unit = OrganisationalUnit(recipient=recipient, name=item.name, kind=item.kind)
        try:
            unit.full_clean()
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"units.{i}")) from error
        units.append(_with_actor(unit, actor))
        unit.save()

    towns = []
    for i, item in enumerate(setup.towns):
        town = Organisation(
            name=item.name,
            slug=item.slug,
            kind=OrganisationKind.TOWN,
            parent=recipient,
            levy_share=item.levy_share,
        )
        try:
            organisation_save(organisation=town, actor=actor)
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"towns.{i}")) from error
        towns.append(town)

    notice = GrantNotice(
        recipient=recipient,
        programme=setup.programme,
        reference=setup.notice_reference,
        issued_on=setup.issued_on,
        period_start=setup.period_start,
        period_end=setup.period_end,
    )
    try:
        notice.full_clean()
    except ValidationError as error:
        raise SetupRefused(_paths(error, "notice")) from error
    _with_actor(notice, actor).save()
    for i, item in enumerate(setup.notice_blocks):
        row = GrantNoticeBlock(
            notice=notice,
            block=item.block,
            approved_fte=item.approved_fte,
            max_personnel_funding=item.max_personnel_funding,
        )
        try:
            row.full_clean()
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"notice_blocks.{i}")) from error
        _with_actor(row, actor).save()

    for i, item in enumerate(setup.rates):
        rate = FundingRate(
            programme=setup.programme,
            block=item.block,
            kind=item.kind,
            amount=item.amount,
            valid_from=item.valid_from,
            capped_at_cost=item.capped_at_cost,
            recipient=recipient,
            source=item.source,
        )
        try:
            rate.full_clean()
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"rates.{i}")) from error
        _with_actor(rate, actor).save()

    carriers: list[Organisation] = []
    agreements: list[ForwardingAgreement] = []
    for i, item in enumerate(setup.carriers):
        prefix = f"carriers.{i}"
        if item.existing is not None:
            carrier = item.existing
            partners = [*carrier.partner_recipients.all(), recipient]
        else:
            carrier = Organisation(name=item.name, slug=item.slug, kind=OrganisationKind.CARRIER)
            partners = [recipient]
        try:
            organisation_save(organisation=carrier, actor=actor, partner_recipients=partners)
        except ValidationError as error:
            raise SetupRefused(_paths(error, prefix)) from error
        agreement = ForwardingAgreement(
            recipient=recipient,
            carrier=carrier,
            valid_from=item.valid_from,
            coverage_policy=item.coverage_policy,
            coverage_percent=item.coverage_percent,
            coverage_flat_per_fte=item.coverage_flat_per_fte,
        )
        try:
            agreement_save(agreement=agreement, actor=actor)
        except ValidationError as error:
            raise SetupRefused(_paths(error, prefix)) from error
        carriers.append(carrier)
        agreements.append(agreement)

    positions: list[Position] = []
    forwarded: dict[int, list[Position]] = {}
    for i, item in enumerate(setup.positions):
        # Positions of the recipient itself sit in a unit, the first one unless named (a unit
        # for another employer's position is the model's to refuse).
        if item.carrier is not None:
            employer = carriers[item.carrier]
        elif item.town is not None:
            employer = towns[item.town]
        else:
            employer = recipient
        if item.unit is not None:
            unit = units[item.unit]
        else:
            unit = units[0] if employer == recipient else None
        position = Position(
            recipient=recipient,
            block=item.block,
            funding_kind=item.funding_kind,
            title=item.title,
            fte=item.fte,
            employer=employer,
            unit=unit,
            pay_grade=item.pay_grade,
            planned_start=item.planned_start,
        )
        occupancies = (
            [OccupancyPeriod(start=item.occupied_from, end=None, fte=item.fte)]
            if item.occupied_from
            else []
        )
        try:
            position_save(position=position, actor=actor, occupancies=occupancies)
        except ValidationError as error:
            names = {"occupancies": "occupied_from", "employer": _employer_path(item)}
            raise SetupRefused(_paths(error, f"positions.{i}", names)) from error
        positions.append(position)
        if item.carrier is not None:
            forwarded.setdefault(item.carrier, []).append(position)

    for index, covered in forwarded.items():
        try:
            agreement_save(agreement=agreements[index], actor=actor, positions=covered)
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"carriers.{index}")) from error

    if setup.split is not None:
        split = CostSplit(
            recipient=recipient,
            name=setup.split.name,
            method=setup.split.method,
            valid_from=setup.split.valid_from,
            employer_town=None
            if setup.split.employer_town is None
            else towns[setup.split.employer_town],
        )
        members = [
            SplitShare(town.pk, item.split_percent)
            for town, item in zip(towns, setup.towns, strict=True)
        ]
        # The carriers' positions are settled with the carriers (forwarding agreements).
        shared = [
            p for p, item in zip(positions, setup.positions, strict=True) if item.carrier is None
        ]
        try:
            split_save(split=split, actor=actor, members=members, positions=shared)
        except ValidationError as error:
            raise SetupRefused(_paths(error, "split")) from error

    for i, login in enumerate(setup.logins):
        user = User(
            username=login.username.strip(),
            email=login.email,
            organisation=recipient,
            first_name=f"{Role(login.role).label} {recipient.name}",
        )
        user.set_password(login.password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise SetupRefused(_paths(error, f"logins.{i}")) from error
        _with_actor(user, actor).save()
        user.groups.set([Group.objects.get(name=login.role)])
    return recipient


def _employer_path(item: PositionSetup) -> str:
    if item.carrier is not None:
        return "carrier"
    if item.town is not None:
        return "town"
    return "employer"
