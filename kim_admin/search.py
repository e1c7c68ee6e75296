"""One search over the app (issue 16): positions, organisations, forecasts, council reports
and settlement statements whose text matches, each within what the user may see
(``Model.objects.restrict(user, "view")`` and the model's view permission), umlaut-insensitive
like every list's search (``kim_admin.filters.text_search``). A page of links, no figures:
each hit opens its own page, where the rules of that page apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from carriers.models import CostForecast, Organisation, SettlementStatement
from kim_admin.filters import text_search
from reports.models import PublishedReport
from staffing.models import Position

# Hits shown per area; the area's list (linked) has the rest.
LIMIT = 20
# Shorter texts match too much to be useful ("e", "KI" stays allowed).
MIN_LENGTH = 2


@dataclass(frozen=True)
class Area:
    title: str
    model: type
    fields: tuple[str, ...]
    list_url: str
    related: tuple[str, ...] = ()
    # Rows of the real plan only (as the lists show by default): a scenario's copies of a
    # position would repeat it once per scenario.
    real_plan_only: bool = False


AREAS = (
    Area(
        "Stellen",
        Position,
        ("title", "unit__name", "department"),
        "staffing:position_list",
        ("recipient",),
        real_plan_only=True,
    ),
    Area("Organisationen", Organisation, ("name", "slug"), "carriers:organisation_list"),
    Area(
        "Kostenprognosen",
        CostForecast,
        ("title", "note"),
        "carriers:costforecast_list",
        ("carrier",),
    ),
    Area(
        "Berichte",
        PublishedReport,
        ("title", "subject", "file_number"),
        "reports:publishedreport_list",
    ),
    Area(
        "Abrechnungen",
        SettlementStatement,
        ("town__name", "split__name"),
        "carriers:settlementstatement_list",
        ("town", "split"),
    ),
)


@dataclass
class Hits:
    area: Area
    rows: list
    more: bool
    list_url: str


def hit_url(row) -> str:
    if isinstance(row, Organisation):
        return reverse("carriers:organisation_list") + "?" + urlencode({"q": row.slug})
    return row.get_absolute_url()


def search_everything(user, text: str) -> list[Hits]:
    """Per area the first ``LIMIT`` rows the user may see that match ``text`` (one query
    each); areas the user may not open are left out."""
    results = []
    for area in AREAS:
        meta = area.model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            continue
        queryset = area.model.objects.restrict(user, "view").filter(text_search(area.fields, text))
        if area.real_plan_only:
            queryset = queryset.filter(scenario__isnull=True)
        if area.related:
            queryset = queryset.select_related(*area.related)
        if area.model is SettlementStatement:
            queryset = queryset.without_pdf()
        rows = list(queryset[: LIMIT + 1])
        if rows:
            list_url = reverse(area.list_url) + "?" + urlencode({"q": text})
            results.append(Hits(area, rows[:LIMIT], len(rows) > LIMIT, list_url))
    return results


@login_required
def search(request):
    text = request.GET.get("q", "").strip()[:200]
    error = ""
    results = []
    if text and len(text.replace(" ", "")) < MIN_LENGTH:
        error = "Bitte mindestens zwei Zeichen eingeben."
    elif text:
        results = search_everything(request.user, text)
    for hits in results:
        hits.links = [(str(row), hit_url(row)) for row in hits.rows]
    return render(
        request,
        "search.html",
        {"q": text, "results": results, "error": error, "searched": bool(text)},
    )
