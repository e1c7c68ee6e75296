"""German number, money and date formats for everything users read: 962.300,00 €, 16.12.2024.

Pure functions, used by templates (``kim_format`` filters), messages of the cost engine and
the reports alike.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone


def de_number(value: Decimal | int | None, places: int = 2) -> str:
    """1234567.8 -> '1.234.567,80' (places=2); None -> ''."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def de_money(value: Decimal | int | None) -> str:
    """962300 -> '962.300,00 €'."""
    if value is None:
        return ""
    return f"{de_number(value, 2)}\u00a0€"


def de_fte(value: Decimal | None) -> str:
    """FTE without trailing zeros: 0.750 -> '0,75', 1.000 -> '1', 2.25 -> '2,25'."""
    if value is None:
        return ""
    value = Decimal(value)
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)
    return de_number(value, places)


def de_date(value: date | None) -> str:
    """date(2024, 12, 16) -> '16.12.2024'; a moment is shown as the local day."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d.%m.%Y") if value else ""


def de_datetime(value: datetime | None) -> str:
    """A moment in local time: '28.11.2024, 14:05'."""
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d.%m.%Y, %H:%M")


def de_iban(value: str | None) -> str:
    """An IBAN as printed on paper: in groups of four ("DE89 3704 0044 0532 0130 00")."""
    compact = (value or "").replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
