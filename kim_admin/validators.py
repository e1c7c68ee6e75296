"""Field validators shared by all apps, with the German messages users see next to the field."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

END_BEFORE_START = _("Das Ende darf nicht vor dem Beginn liegen.")
NOT_NEGATIVE = _("Der Betrag darf nicht negativ sein.")
PERCENT_RANGE = _("Der Anteil muss zwischen 0 und 100 % liegen.")
FTE_RANGE = _("Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5).")

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")


def validate_fte(value):
    """An FTE share lies in (0, 1]: a position is at most one full-time post."""
    if value is not None and not (ZERO < value <= ONE):
        raise ValidationError(FTE_RANGE, code="fte_range")


def validate_non_negative(value):
    """Money is never negative here: refunds are booked as their own items."""
    if value is not None and value < ZERO:
        raise ValidationError(NOT_NEGATIVE, code="negative")


def validate_percent(value):
    """A share in percent lies in [0, 100]."""
    if value is not None and not (ZERO <= value <= HUNDRED):
        raise ValidationError(PERCENT_RANGE, code="percent_range")


def period_error(start, end, end_field="end"):
    """The one rule for periods: the end is not before the start. Returns a field error dict."""
    if start is not None and end is not None and end < start:
        return {end_field: END_BEFORE_START}
    return {}


def period_constraint(name: str, start: str, end: str) -> models.CheckConstraint:
    """The database's copy of the period rule, for writes that bypass ``clean()``."""
    return models.CheckConstraint(
        name=name,
        condition=models.Q(**{f"{end}__isnull": True})
        | models.Q(**{f"{end}__gte": models.F(start)}),
        violation_error_message=END_BEFORE_START,
    )


def validate_iban(value):
    """An IBAN as printed ("DE89 3704 0044 0532 0130 00"): country, check digits and account,
    the check digits right by ISO 13616 (mod 97 = 1). A typo in a payment instruction would
    send a town's money nowhere."""
    if not value:
        return
    compact = value.replace(" ", "").upper()
    valid_shape = 15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()
    if not valid_shape or not compact.isalnum():
        raise ValidationError(IBAN_INVALID, code="iban")
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    if int(digits) % 97 != 1:
        raise ValidationError(IBAN_INVALID, code="iban")


IBAN_INVALID = _("Bitte eine gültige IBAN angeben (z. B. DE89 3704 0044 0532 0130 00).")
