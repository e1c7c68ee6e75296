"""Template filters for German figures, wrapping ``kim_admin.formatting``:
``{{ amount|money }}`` 962.300,00 €, ``{{ fte|fte }}`` 2,25, ``{{ day|de_date }}`` 16.12.2024."""

from django import template

from kim_admin import formatting

register = template.Library()


@register.filter
def money(value):
    return formatting.de_money(value)


@register.filter
def fte(value):
    return formatting.de_fte(value)


@register.filter
def de_date(value):
    return formatting.de_date(value)


@register.filter
def de_datetime(value):
    return formatting.de_datetime(value)


@register.filter
def signed_money(value):
    """A difference with its sign: "+1.250,00 €", "−3.000,00 €", "0,00 €"."""
    if value is None:
        return ""
    if value > 0:
        return "+" + formatting.de_money(value)
    if value < 0:
        return "−" + formatting.de_money(-value)
    return formatting.de_money(value)


@register.filter
def person(user):
    """A user as others read it: the full name, else the login; nobody: "–"."""
    if user is None:
        return "–"
    return user.get_full_name() or user.username


@register.filter
def signed_percent(value):
    """A change in per cent with its sign, as few places as it needs: "+3,0 %", "−2,5 %"."""
    if value is None:
        return ""
    places = max(1, -value.normalize().as_tuple().exponent)
    text = formatting.de_number(abs(value), places) + " %"
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text
    return text


@register.filter
def bearer_amount(figures, slug):
    """What one bearer carries in a comparison's figures (``Figures.bearer``)."""
    return figures.bearer(slug)


@register.filter
def unsigned_money(value):
    """An amount whose direction the label says ("Erstattung an …"): without its sign."""
    if value is None:
        return ""
    return formatting.de_money(abs(value))


@register.filter
def iban(value):
    return formatting.de_iban(value)
