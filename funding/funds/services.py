"""Writes of funds calls and payments (issue 15): one transaction each, every rule of the
model (``full_clean``) and the limit of the notice, the actor in the history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from funding.funds.selectors import calls_beyond_approved
from funding.models import FundsCall, FundsPayment
from kim_admin.formatting import de_money
from kim_admin.versioning import bump_version


@transaction.atomic
def save_funds_call(call: FundsCall, *, actor, expected_version: int | None = None) -> FundsCall:
    """Save a funds call; refused (German, at the amount) where the year's calls would exceed
    the funding approved for the year (``funding.funds.selectors.approved_by_block``)."""
    bump_version(call, expected_version)
    call.full_clean()
    # Calls of one recipient are checked against each other: lock the notice while counting.
    type(call.notice).objects.select_for_update().filter(pk=call.notice_id).first()
    beyond = calls_beyond_approved(call)
    if beyond is not None:
        approved, called = beyond
        raise ValidationError(
            {
                "amount": _(
                    "Der Abruf übersteigt die bewilligte Förderung für %(year)s: bewilligt "
                    "%(approved)s, schon abgerufen %(called)s, höchstens noch %(left)s."
                )
                % {
                    "year": call.period_start.year,
                    "approved": de_money(approved),
                    "called": de_money(called),
                    "left": de_money(max(approved - called, 0)),
                }
            }
        )
    call._history_user = actor
    call.save()
    return call


@transaction.atomic
def save_funds_payment(
    payment: FundsPayment, *, actor, expected_version: int | None = None
) -> FundsPayment:
    """Save a payment received on a call (the model's rules: not before the call, not more
    than the call)."""
    bump_version(payment, expected_version)
    # Payments of one call are checked against each other: lock the call while counting.
    FundsCall.objects.select_for_update().filter(pk=payment.call_id).first()
    payment.full_clean()
    payment._history_user = actor
    payment.save()
    return payment
