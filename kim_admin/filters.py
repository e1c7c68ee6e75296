"""Filter building blocks shared by the apps' FilterSets (HTML lists and API alike).

Organisations, programmes and scenarios are named by their slug, building blocks by their
number, so that a script reads like the council paper: ``?recipient=leverkusen&block=2``.
"""

from collections.abc import Sequence
from datetime import date
from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Lower, Replace
from django.db.models.lookups import Contains
from django.utils.translation import gettext_lazy as _

from kim_admin.fields import FIRST_YEAR, LAST_YEAR

# German letters and how they are written without them: "Auslaenderbehoerde" and
# "Ausländerbehörde" are the same word to whoever searches. Upper case is listed as well:
# SQLite's LOWER() folds ASCII letters only.
UMLAUT_SPELLINGS = (
    ("ä", "ae"),
    ("ö", "oe"),
    ("ü", "ue"),
    ("Ä", "ae"),
    ("Ö", "oe"),
    ("Ü", "ue"),
    ("ß", "ss"),
    ("ẞ", "ss"),
)


def fold_text(text: str) -> str:
    """What a search compares, in Python: lower case, umlauts and ß written out."""
    for letter, spelling in UMLAUT_SPELLINGS:
        text = text.replace(letter, spelling)
    return text.lower()


def folded(field: str):
    """The same folding as a database expression over ``field`` (SQLite and PostgreSQL)."""
    expression = F(field)
    for letter, spelling in UMLAUT_SPELLINGS:
        expression = Replace(expression, Value(letter), Value(spelling), output_field=TextField())
    return Lower(expression, output_field=TextField())


def text_search(fields: Sequence[str], text: str) -> Q:
    """Rows where every word of ``text`` occurs in one of ``fields``, whatever the case and
    however umlauts and ß are written ("auslaenderbehoerde" finds "Ausländerbehörde")."""
    condition = Q()
    for word in fold_text(text).split():
        condition &= reduce(or_, (Q(Contains(folded(field), Value(word))) for field in fields))
    return condition


class SearchFilter(django_filters.CharFilter):
    """The search field of a list and its API (``?q=``): ``text_search`` over ``fields``.
    Every free-text search of the app is one of these."""

    def __init__(self, *args, fields: Sequence[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.search_fields = tuple(fields)

    def filter(self, queryset, value):
        if not value or not value.strip():
            return queryset
        return queryset.filter(text_search(self.search_fields, value))


# ``?scenario=none``: the real plan (rows without a scenario).
REAL_PLAN = "none"


BIGINT_LIMIT = 2**63


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (block numbers, years, ids): "2.5" is refused, not silently unmatched."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        # Ids are 64-bit in the database: a larger number is refused with the form's German
        # message ("kleiner oder gleich …"), not handed to the database (SQLite's
        # OverflowError, PostgreSQL's "bigint out of range": a 500).
        kwargs.setdefault("min_value", -BIGINT_LIMIT)
        kwargs.setdefault("max_value", BIGINT_LIMIT - 1)
        super().__init__(*args, **kwargs)


class YearFilter(IntegerFilter):
    """A calendar year (the plan's years lie between 1990 and 2100)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


def overlaps_year(start_field: str, end_field: str, year: int) -> Q:
    """Rows whose period [start, end] (open end: none) touches some day of ``year``."""
    return Q(**{f"{start_field}__lte": date(year, 12, 31)}) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": date(year, 1, 1)})
    )


class PlanFilterSet(django_filters.FilterSet):
    """Base for rows of a recipient's plan, which belong to the real plan or to a scenario.

    ``?scenario=<slug>`` gives a scenario's rows, ``?scenario=none`` the real plan; without the
    parameter the list shows the real plan only, so sums over a list never mix a plan with its
    scenario copies. ``scenario_field`` is the path to the scenario key; a filter named in
    ``scenario_implied_by`` (e.g. one position) already decides the plan, so the default is
    not applied when it is given. The default applies to a bound FilterSet, as views build it
    (``data=request.GET``, possibly empty).
    """

    scenario_field = "scenario"
    scenario_implied_by: tuple[str, ...] = ()

    scenario = django_filters.CharFilter(
        method="filter_scenario",
        label=_("Szenario (Kürzel; leer: der echte Plan)"),
    )

    def filter_scenario(self, queryset, name, value):
        if value == REAL_PLAN:
            return queryset.filter(**{f"{self.scenario_field}__isnull": True})
        return queryset.filter(**{f"{self.scenario_field}__slug": value})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("scenario") and not any(
            data.get(name) not in (None, "") for name in self.scenario_implied_by
        ):
            queryset = queryset.filter(**{f"{self.scenario_field}__isnull": True})
        return queryset
