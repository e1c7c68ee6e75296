"""Writes of forwarding agreements and cost splits: one transaction, every rule checked, the
actor in the audit history.

An agreement is saved with the positions it covers, a split with its towns and positions,
because the rules span them (a forwarded position is employed by the agreement's carrier;
fixed percentages sum to 100 %): either all of it is saved or nothing. The rules are
functions the forms call too, so a page answers next to the field before anything is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from carriers.models.core import town_of_recipient_error
from funding.choices import OrganisationKind, SplitMethod
from kim_admin.roles import Role
from kim_admin.versioning import bump_version
from staffing import rules

# simple_history keeps the change reason in a CharField of this length.
REASON_LENGTH = 100


@dataclass(frozen=True)
class SplitShare:
    """A town taking part in a split; ``percent`` only for fixed percentages."""

    organisation_id: int
    percent: Decimal | None = None


def _with_actor(obj, actor):
    # django-simple-history reads the acting user from here outside a request.
    obj._history_user = actor
    return obj


# --- rules ----------------------------------------------------------------------------------


def _plan_errors(record, position) -> str | None:
    """A position belongs to the record's recipient and to the same plan (real or scenario)."""
    if position.recipient_id != record.recipient_id:
        return _("Die Stelle „%(position)s“ gehört zu einem anderen Zuwendungsempfänger.") % {
            "position": position
        }
    if position.scenario_id != record.scenario_id:
        return _("Die Stelle „%(position)s“ gehört zu einem anderen Plan (Szenario).") % {
            "position": position
        }
    return None


def agreement_position_errors(agreement: ForwardingAgreement, positions: Iterable) -> list[str]:
    """Only positions of the recipient employed by the agreement's carrier are forwarded."""
    errors = []
    for position in positions:
        message = _plan_errors(agreement, position)
        if (
            message is None
            and agreement.carrier_id
            and position.employer_id != agreement.carrier_id
        ):
            message = _("Die Stelle „%(position)s“ ist nicht bei %(carrier)s angestellt.") % {
                "position": position,
                "carrier": agreement.carrier,
            }
        if message:
            errors.append(message)
    return errors


def split_position_errors(split: CostSplit, positions: Iterable) -> list[str]:
    return [message for p in positions if (message := _plan_errors(split, p))]


def split_member_errors(split: CostSplit, members: Sequence[SplitShare]) -> list[str]:
    """Across the towns of a split: at least one, each once, fixed percentages make 100 %."""
    errors = []
    if not members:
        errors.append(_("Bitte mindestens eine beteiligte Kommune angeben."))
    if len({m.organisation_id for m in members}) != len(members):
        errors.append(_("Jede Kommune darf nur einmal beteiligt sein."))
    if split.method == SplitMethod.FIXED_PERCENT:
        message = rules.split_percents_error([m.percent for m in members])
        if message:
            errors.append(message)
    return errors


# --- writes ---------------------------------------------------------------------------------


def _positions_reason(before: list, after: list) -> str:
    """The change of the positions as the history record's reason: "Stellen: A, B → A, C"
    (counts where the names do not fit)."""
    old = ", ".join(sorted(str(p) for p in before)) or "–"
    new = ", ".join(sorted(str(p) for p in after)) or "–"
    reason = _("Stellen: %(old)s → %(new)s") % {"old": old, "new": new}
    if len(reason) > REASON_LENGTH:
        reason = _("Stellen: %(old)s Stellen → %(new)s Stellen") % {
            "old": len(before),
            "new": len(after),
        }
    return reason


def _save_with_positions(record, actor, positions, errors):
    """Save ``record`` and replace its positions (None keeps them)."""
    if errors:
        raise ValidationError(errors)
    if positions is not None:
        positions = list(positions)
        before = list(record.positions.all()) if record.pk else []
        if {p.pk for p in before} != {p.pk for p in positions}:
            record._change_reason = _positions_reason(before, positions)
    _with_actor(record, actor).save()
    if positions is not None:
        record.positions.set(positions)
    return record


def _clean(record) -> dict[str, list[str]]:
    try:
        record.full_clean()
    except ValidationError as error:
        return dict(error.message_dict)
    return {}


@transaction.atomic
def organisation_save(
    *,
    organisation: Organisation,
    actor,
    partner_recipients: Iterable | None = None,
    expected_version: int | None = None,
) -> Organisation:
    """Create or update an organisation (reference data: the administration's), with the
    recipients a carrier works for (None keeps them). German messages per field; nothing saved
    when one is refused."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Organisationen legt die Administration an."))
    bump_version(organisation, expected_version)
    errors = _clean(organisation)
    if partner_recipients is not None:
        partner_recipients = list(partner_recipients)
        if partner_recipients and organisation.kind != OrganisationKind.CARRIER:
            errors.setdefault("partner_recipients", []).append(
                _("Nur Trägerinnen sind für Zuwendungsempfänger tätig.")
            )
        for recipient in partner_recipients:
            if not recipient.is_recipient_kind:
                errors.setdefault("partner_recipients", []).append(
                    _("„%(name)s“ ist kein Zuwendungsempfänger (Kreis oder kreisfreie Stadt).")
                    % {"name": recipient}
                )
    if errors:
        raise ValidationError(errors)
    _with_actor(organisation, actor).save()
    if partner_recipients is not None:
        organisation.partner_recipients.set(partner_recipients)
    return organisation


@transaction.atomic
def agreement_save(
    *,
    agreement: ForwardingAgreement,
    actor,
    positions: Iterable | None = None,
    expected_version: int | None = None,
) -> ForwardingAgreement:
    """Create or update ``agreement`` with the positions it covers (None keeps them). Raises
    ValidationError with German messages per field, and VersionConflict when
    ``expected_version`` is given and someone saved in between."""
    bump_version(agreement, expected_version)
    errors = _clean(agreement)
    if positions is not None:
        positions = list(positions)
        messages = agreement_position_errors(agreement, positions)
        if messages:
            errors.setdefault("positions", []).extend(messages)
    return _save_with_positions(agreement, actor, positions, errors)


@transaction.atomic
def split_save(
    *,
    split: CostSplit,
    actor,
    members: Sequence[SplitShare] | None = None,
    positions: Iterable | None = None,
    expected_version: int | None = None,
) -> CostSplit:
    """Create or update ``split`` with its towns and positions (None keeps them).

    Towns are matched by organisation: a town that stays keeps its row (its history shows a
    changed percentage), a new one is added, a missing one removed. Percentages are kept only
    for fixed-percentage splits.
    """
    bump_version(split, expected_version)
    errors = _clean(split)
    if positions is not None:
        positions = list(positions)
        messages = split_position_errors(split, positions)
        if messages:
            errors.setdefault("positions", []).extend(messages)
    if members is not None:
        if split.method != SplitMethod.FIXED_PERCENT:
            members = [SplitShare(m.organisation_id, None) for m in members]
        messages = split_member_errors(split, members)
        if split.recipient_id:
            towns = {
                town.pk: town
                for town in type(split.recipient)._default_manager.filter(
                    pk__in=[m.organisation_id for m in members]
                )
            }
            for member in members:
                town = towns.get(member.organisation_id)
                message = town_of_recipient_error(split.recipient, town) if town else None
                if message:
                    messages.append(message)
        if messages:
            errors.setdefault("members", []).extend(messages)
    split = _save_with_positions(split, actor, positions, errors)

    if members is not None:
        existing = {m.organisation_id: m for m in split.members.all()}
        wanted = {m.organisation_id: m for m in members}
        for organisation_id, row in existing.items():
            if organisation_id not in wanted:
                _with_actor(row, actor).delete()
        for organisation_id, share in wanted.items():
            row = existing.get(organisation_id)
            if row is None:
                row = CostSplitMember(split=split, organisation_id=organisation_id)
            elif row.percent == share.percent:
                continue
            row.percent = share.percent
            row.full_clean(exclude=["split"], validate_unique=False)
            _with_actor(row, actor).save()
    return split
