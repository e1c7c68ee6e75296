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
