"""Field validators shared by all apps, with the German messages users see next to the field."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")


def validate_fte(value):
    """An FTE share lies in (0, 1]: a position is at most one full-time post."""
    if value is not None and not (ZERO < value <= ONE):
        raise ValidationError(
            _("Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."),
            code="fte_range",
        )


def validate_non_negative(value):
    """Money is never negative here: refunds are booked as their own items."""
    if value is not None and value < ZERO:
        raise ValidationError(_("Der Betrag darf nicht negativ sein."), code="negative")


def validate_percent(value):
    """A share in percent lies in [0, 100]."""
    if value is not None and not (ZERO <= value <= HUNDRED):
        raise ValidationError(
            _("Der Anteil muss zwischen 0 und 100 % liegen."), code="percent_range"
        )


def period_error(start, end, end_field="end"):
    """The one rule for periods: the end is not before the start. Returns a field error dict."""
    if start is not None and end is not None and end < start:
        return {end_field: _("Das Ende darf nicht vor dem Beginn liegen.")}
    return {}
