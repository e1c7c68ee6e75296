"""Saving a new recipient with everything it needs to show figures: one transaction, through
the domain services (organisation_save, agreement_save, position_save), so the same rules
refuse the same input as on every other page; the actor in the audit history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carriers.models import ForwardingAgreement, Organisation
from carriers.services import agreement_save, organisation_save
from funding.models import BuildingBlock, GrantNotice, GrantNoticeBlock, Programme
from kim_admin.models import User
from kim_admin.roles import Role
from staffing.models import PayGrade, Position
from staffing.services import OccupancyPeriod, position_save

# The recipient's own positions name this unit unless the setup names another.
DEFAULT_KI_NAME = "Kommunales Integrationszentrum"


@dataclass(frozen=True)
class NoticeBlock:
    block: BuildingBlock
    approved_fte: Decimal
    max_personnel_funding: Decimal | None = None


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
    """A first position; ``carrier`` is an index into ``RecipientSetup.carriers`` (None: the
    recipient employs it in its KI). ``occupied_from``: filled from that date on with the
    position's FTE (None: vacant)."""

    title: str
    block: BuildingBlock
    funding_kind: str
    pay_grade: PayGrade | None
    fte: Decimal
    planned_start: date
    occupied_from: date | None = None
    carrier: int | None = None


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
    ki_name: str
    programme: Programme
    notice_reference: str
    issued_on: date
    period_start: date
    period_end: date | None
    notice_blocks: list[NoticeBlock] = field(default_factory=list)
    carriers: list[CarrierSetup] = field(default_factory=list)
    positions: list[PositionSetup] = field(default_factory=list)
    logins: list[LoginSetup] = field(default_factory=list)


class SetupRefused(ValidationError):
    """A part of the setup was refused: ``step`` names the wizard step it belongs to."""

    def __init__(self, step: str, messages: list[str]):
        super().__init__(messages)
        self.step = step


def _messages(error: ValidationError, label: str = "") -> list[str]:
    if hasattr(error, "error_dict"):
        texts = [t for texts in error.message_dict.values() for t in texts]
    else:
        texts = list(error.messages)
    return [f"{label}: {t}" if label else t for t in texts]


def _with_actor(obj, actor):
    obj._history_user = actor
    return obj


@transaction.atomic
def recipient_setup(*, setup: RecipientSetup, actor) -> Organisation:
    """Create the recipient, its carriers (or link existing ones), its grant notice with its
    blocks, the forwarding agreements, its first positions with their occupancy and its first
    logins: all or nothing. Raises SetupRefused (German messages, the step they belong to)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Zuwendungsempfänger richtet die Administration ein."))

    recipient = Organisation(name=setup.name, slug=setup.slug, kind=setup.kind)
    try:
        organisation_save(organisation=recipient, actor=actor)
    except ValidationError as error:
        raise SetupRefused("empfaenger", _messages(error)) from error

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
        _with_actor(notice, actor).save()
        for item in setup.notice_blocks:
            row = GrantNoticeBlock(
                notice=notice,
                block=item.block,
                approved_fte=item.approved_fte,
                max_personnel_funding=item.max_personnel_funding,
            )
            row.full_clean()
            _with_actor(row, actor).save()
    except ValidationError as error:
        raise SetupRefused("bescheid", _messages(error)) from error

    carriers: list[Organisation] = []
    agreements: list[ForwardingAgreement] = []
    for index, item in enumerate(setup.carriers):
        label = _("Trägerin %(n)s") % {"n": index + 1}
        try:
            if item.existing is not None:
                carrier = item.existing
                partners = [*carrier.partner_recipients.all(), recipient]
            else:
                carrier = Organisation(name=item.name, slug=item.slug, kind="carrier")
                partners = [recipient]
            organisation_save(organisation=carrier, actor=actor, partner_recipients=partners)
            agreement = ForwardingAgreement(
                recipient=recipient,
                carrier=carrier,
                valid_from=item.valid_from,
                coverage_policy=item.coverage_policy,
                coverage_percent=item.coverage_percent,
                coverage_flat_per_fte=item.coverage_flat_per_fte,
            )
            agreement_save(agreement=agreement, actor=actor)
        except ValidationError as error:
            raise SetupRefused("traeger", _messages(error, label)) from error
        carriers.append(carrier)
        agreements.append(agreement)

    forwarded: dict[int, list[Position]] = {}
    for index, item in enumerate(setup.positions):
        label = _("Stelle %(n)s") % {"n": index + 1}
        employer = recipient if item.carrier is None else carriers[item.carrier]
        position = Position(
            recipient=recipient,
            block=item.block,
            funding_kind=item.funding_kind,
            title=item.title,
            fte=item.fte,
            employer=employer,
            department=setup.ki_name if item.carrier is None else "",
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
            raise SetupRefused("stellen", _messages(error, label)) from error
        if item.carrier is not None:
            forwarded.setdefault(item.carrier, []).append(position)

    for index, positions in forwarded.items():
        try:
            agreement_save(agreement=agreements[index], actor=actor, positions=positions)
        except ValidationError as error:
            raise SetupRefused("stellen", _messages(error)) from error

    for login in setup.logins:
        user = User(
            username=login.username,
            email=login.email,
            organisation=recipient,
            first_name=f"{Role(login.role).label} {recipient.name}",
        )
        user.set_password(login.password)
        try:
            user.full_clean()
        except ValidationError as error:
            raise SetupRefused("anmeldungen", _messages(error, login.username)) from error
        _with_actor(user, actor).save()
        user.groups.set([Group.objects.get(name=login.role)])
    return recipient
