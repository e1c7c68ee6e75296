"""Rules about positions that hold across rows, as pure functions (no ORM).

Model ``clean()``, the plan validation, the API and the cost engine all call these.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from funding.calculations import max_concurrent_fte
from kim_admin.formatting import de_date, de_fte

HUNDRED = Decimal("100")


def occupancy_above_fte_error(position_fte: Decimal, periods) -> str | None:
    """Occupancy may never exceed the position's FTE at any date."""
    peak = max_concurrent_fte(periods)
    if peak > position_fte:
        return _(
            "Die Besetzung (%(peak)s VZ) übersteigt den Stellenanteil der Stelle (%(fte)s VZ)."
        ) % {"peak": de_fte(peak), "fte": de_fte(position_fte)}
    return None


def occupancy_outside_position_errors(
    position_start: date, position_end: date | None, start: date, end: date | None
) -> dict[str, str]:
    """An occupancy lies within its position's life: not before it starts, not after it ends
    (an open occupancy of a position that ends reaches beyond it). Errors by field."""
    errors = {}
    if start < position_start:
        errors["start"] = _("Die Besetzung beginnt vor dem Beginn der Stelle (%(d)s).") % {
            "d": de_date(position_start)
        }
    if position_end and (end is None or end > position_end):
        errors["end"] = _("Die Besetzung reicht über das Ende der Stelle (%(d)s) hinaus.") % {
            "d": de_date(position_end)
        }
    return errors


def served_shares_error(shares: Iterable[Decimal]) -> str | None:
    """The towns a position serves: none, or shares summing to exactly 100 %."""
    shares = list(shares)
    if not shares:
        return None
    total = sum(shares, Decimal("0"))
    if total != HUNDRED:
        return _(
            "Die Anteile der Kommunen müssen zusammen 100 %% ergeben (jetzt %(total)s %%)."
        ) % {"total": de_fte(total)}
    return None


def split_percents_error(percents: Iterable[Decimal | None]) -> str | None:
    """Fixed-percentage splits: every member has a percentage and together they make 100 %."""
    percents = list(percents)
    if any(p is None for p in percents):
        return _("Bei fester Aufteilung braucht jede beteiligte Kommune einen Anteil in Prozent.")
    total = sum(percents, Decimal("0"))
    if percents and total != HUNDRED:
        return _("Die Anteile müssen zusammen 100 %% ergeben (jetzt %(total)s %%).") % {
            "total": de_fte(total)
        }
    return None
