"""The start page of each role.

Finance, coordinator and council users see their own organisation's programme (a county or a
county-free city): the year's cost overview for the council's questions, with the waiting
forecasts (KI coordination, finance) or the latest published reports (council) on top;
administrators choose any recipient with ``?recipient=<slug>``, which the session remembers
(the guided setup sets it to the recipient it has just created). A carrier sees its positions,
what it has to do and its year's figures with each recipient; a town its share, its settlement
statements and what it paid. Every figure comes from a selector; the view only picks them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Max, Min
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.forecasts import selectors as forecast_selectors
from carriers.models import Organisation
from carriers.proofs import selectors as proof_selectors
from carriers.settlements import selectors as settlement_selectors
from funding.choices import CostSource, DeadlineKind, OrganisationKind
from funding.deadlines import selectors as deadline_selectors
from funding.funds.selectors import idle_funds_alert
from funding.overview import cost_overview, cost_overviews
from kim_admin.chart import Bar, chart_description, funding_chart
from kim_admin.roles import PLANNING_ROLES, Role
from staffing.models import Position

# The recipient an administrator looks at (set by ?recipient= and by the guided setup).
RECIPIENT_SESSION_KEY = "kim_recipient"
# Years the page accepts at all; anything else is "unknown", not an error of the engine.
FIRST_YEAR, LAST_YEAR = 2000, 2100
KIND_LABELS = dict(OrganisationKind.choices)


@login_required
def home(request):
    user = request.user
    role = user.role
    context = {"role": role}

    if role is None:
        return _note(
            request,
            context,
            _(
                "Ihrem Konto ist noch keine Rolle zugeordnet. Bitte wenden Sie sich an die "
                "Administration."
            ),
        )
    if role == Role.CARRIER:
        return _carrier_home(request, context)
    if role == Role.TOWN:
        return _town_home(request, context)

    recipient, problem, recipients = _recipient(request, role)
    context.update(recipient=recipient, recipients=recipients)
    if problem:
        # An unknown ?recipient= is "not found"; an account without a recipient is not.
        status = 404 if request.GET.get("recipient") else 200
        return _note(request, context, problem, status=status)

    years, default_year = _years(recipient)
    raw_year = request.GET.get("year", "").strip()
    year = default_year
    if raw_year:
        try:
            year = int(raw_year)
        except ValueError:
            year = None
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            context.update(years=years, year=default_year)
            return _note(
                request,
                context,
                _(
                    "Das Jahr „%(year)s“ ist unbekannt. Bitte ein Jahr zwischen %(first)s und "
                    "%(last)s wählen."
                )
                % {"year": raw_year, "first": FIRST_YEAR, "last": LAST_YEAR},
                status=404,
            )
        if year not in years:
            years = sorted({*years, year})

    chart = {}
    if role in PLANNING_ROLES:
        # The chart's years and the year shown in one multi-year load (the same selector).
        chart_years = sorted(years)[-CHART_YEARS:]
        overviews = cost_overviews(recipient, {*chart_years, year})
        overview = overviews[year]
        chart = _years_chart(chart_years, overviews)
    else:
        overview = cost_overview(recipient, year)
    totals = overview.totals
    context.update(
        year=year,
        years=years,
        overview=overview,
        totals=totals,
        total_rows=_total_rows(overview),
        bearers=[
            (share, KIND_LABELS.get(share.organisation.kind, "")) for share in overview.by_bearer
        ],
        is_empty=not overview.positions and not totals.total_cost,
        cost_sources=[
            (CostSource(source).label, detail, n) for source, detail, n in overview.cost_sources()
        ],
    )
    context.update(chart)
    if user.has_perm("carriers.view_costforecast"):
        # KI coordination: its inbox; finance: where the carriers' statements stand.
        context["review"] = forecast_selectors.review_counts(user, recipient)
        context["reviewer"] = user.has_perm("carriers.review_costforecast")
    if role in (Role.COORDINATOR, Role.FINANCE) and user.has_perm("funding.view_fundscall"):
        # Funds called and left idle beyond two months: a line with the possible interest.
        context["idle_funds"] = idle_funds_alert(recipient, timezone.localdate())
    if role == Role.COUNCIL:
        context["reports"] = _latest_reports(user, recipient)
    else:
        # Finance, coordination (and an administrator for the chosen recipient): what falls
        # due within 14 days or is overdue.
        context["deadlines_due"] = deadline_selectors.pressing(
            deadline_selectors.deadlines_for(user, timezone.localdate(), recipient)
        )
    return render(request, "home.html", context)


LATEST_REPORTS = 5
# The start page's chart shows at most this many of the plan's years (the latest).
CHART_YEARS = 10


def _years_chart(shown: list[int], overviews: dict) -> dict:
    """Cost and funding over the plan's years as the reports' chart (kim_admin.chart), with
    the same figures as a table (its alternative); nothing where no year has a cost."""
    rows = [(year, overviews[year].totals) for year in shown]
    if not any(totals.total_cost for _year, totals in rows):
        return {}
    bars = [Bar(str(year), totals.funding, totals.own_share) for year, totals in rows]
    title = _("Landesförderung und Eigenanteil %(first)s–%(last)s") % {
        "first": shown[0],
        "last": shown[-1],
    }
    return {
        "chart": funding_chart(bars, title, chart_description(bars)),
        "chart_title": title,
        "chart_rows": rows,
    }


def _latest_reports(user, recipient):
    from reports.models import PublishedReport

    return list(
        PublishedReport.objects.restrict(user)
        .without_pdf()
        .filter(recipient=recipient)
        .order_by("-published_at", "-pk")[:LATEST_REPORTS]
    )


def _total_rows(overview) -> list[dict]:
    """Positions (the council's "personnel") and the programme's own material costs."""
    totals = overview.totals
    rows = [
        {
            "label": _("Stellen (Personal einschl. Sachkosten der Arbeitsplätze)"),
            "cost": totals.personnel_cost,
            "funding": overview.position_funding,
            "own_share": totals.personnel_cost - overview.position_funding,
        }
    ]
    if totals.material_cost or overview.programme_funding:
        rows.append(
            {
                "label": _("Sachkosten des Programms (Veranstaltungen, Maßnahmen, Begleitung)"),
                "cost": totals.material_cost,
                "funding": overview.programme_funding,
                "own_share": totals.material_cost - overview.programme_funding,
            }
        )
    return rows


def _recipient(request, role):
    """(recipient shown or None, German message why there is none, choices for admins)."""
    slug = request.GET.get("recipient", "").strip()
    user = request.user
    if role == Role.ADMIN:
        recipients = list(Organisation.objects.recipients().order_by("name"))
        if slug:
            chosen = next((r for r in recipients if r.slug == slug), None)
            if chosen is None:
                return None, _unknown_recipient(slug), recipients
            # The recipient chosen stays the start page's until another is chosen.
            request.session[RECIPIENT_SESSION_KEY] = chosen.slug
            return chosen, None, recipients
        # The last one chosen, or the one just set up (kim_admin.onboarding).
        remembered = request.session.get(RECIPIENT_SESSION_KEY)
        chosen = next((r for r in recipients if r.slug == remembered), None)
        if chosen is not None:
            return chosen, None, recipients
        own = next((r for r in recipients if r.pk == user.organisation_id), None)
        if own or recipients:
            return own or recipients[0], None, recipients
        message = _("Es ist noch kein Zuwendungsempfänger (Kreis oder kreisfreie Stadt) erfasst.")
        return None, message, recipients
    organisation = user.organisation
    if organisation is None or not organisation.is_recipient_kind:
        message = _(
            "Ihr Konto gehört zu keinem Zuwendungsempfänger (Kreis oder kreisfreie Stadt). "
            "Bitte wenden Sie sich an die Administration."
        )
        return None, message, None
    if slug and slug != organisation.slug:
        # Never tell whether another recipient exists.
        return None, _unknown_recipient(slug), None
    return organisation, None, None


def _unknown_recipient(slug: str) -> str:
    return _("Der Zuwendungsempfänger „%(slug)s“ ist unbekannt.") % {"slug": slug}


def _years(recipient: Organisation) -> tuple[list[int], int]:
    """Years to offer and the default: this year, capped to the latest year with data."""
    current = timezone.localdate().year
    span = Position.objects.filter(recipient=recipient, scenario__isnull=True).aggregate(
        first=Min("planned_start"), last_cost=Max("costs__year")
    )
    first = span["first"].year if span["first"] else None
    last = span["last_cost"] or first
    if last is None:
        return [current], current
    default = min(current, last)
    start = min(first or default, default)
    return list(range(start, max(current + 1, last) + 1)), default


def _note(request, context, message, status=200):
    context["message"] = message
    return render(request, "home.html", context, status=status)


def _requested_year(request, default: int):
    """``?year=`` if it is a year the pages know, else the default; None for rubbish."""
    raw = request.GET.get("year", "").strip()
    if not raw:
        return default
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return None


def _unknown_year(request, context):
    message = _(
        "Das Jahr „%(year)s“ ist unbekannt. Bitte ein Jahr zwischen %(first)s und %(last)s wählen."
    ) % {"year": request.GET.get("year", ""), "first": FIRST_YEAR, "last": LAST_YEAR}
    return _note(request, context, message, status=404)


def _carrier_home(request, context):
    """A carrier: its positions, what is due, its agreements and its year with each recipient."""
    organisation = request.user.organisation
    if organisation is None:
        return _note(
            request,
            context,
            _("Ihr Konto gehört zu keiner Trägerin. Bitte wenden Sie sich an die Administration."),
        )
    year = _requested_year(request, timezone.localdate().year)
    if year is None:
        return _unknown_year(request, context)
    home = forecast_selectors.carrier_home(request.user, year)
    context.update(organisation=organisation, year=year, home=home, api_url=_api_root())
    # Its own proofs and forecasts due within 14 days or overdue; a forecast or proof that the
    # task lists below name shows its deadline there, so each duty is listed once.
    pressing = deadline_selectors.pressing(
        deadline_selectors.deadlines_for(request.user, timezone.localdate())
    )
    deadline_of = {(d.kind, d.recipient_id, d.year): d for d in pressing}
    context["due"] = [
        (item, deadline_of.pop((DeadlineKind.FORECAST, *item.duty), None)) for item in home.due
    ]
    # The proofs of use the carrier owes ("Verwendungsnachweis 2025 fällig").
    context["proofs_due"] = [
        (item, deadline_of.pop((DeadlineKind.CARRIER_PROOF, *item.duty), None))
        for item in proof_selectors.carrier_proofs_due(request.user)
    ]
    context["deadlines_due"] = list(deadline_of.values())
    return render(request, "home_carrier.html", context)


def _town_home(request, context):
    """A town: its share of the recipient's own share, its statements, what it paid."""
    organisation = request.user.organisation
    if organisation is None:
        return _note(
            request,
            context,
            _("Ihr Konto gehört zu keiner Kommune. Bitte wenden Sie sich an die Administration."),
        )
    parent = organisation.parent
    recipient = parent if parent is not None and parent.is_recipient_kind else None
    years, default_year = _years(recipient) if recipient else ([], timezone.localdate().year)
    year = _requested_year(request, default_year)
    if year is None:
        return _unknown_year(request, context)
    if years and year not in years:
        years = sorted({*years, year})
    home = settlement_selectors.town_home(request.user, recipient, year)
    context.update(organisation=organisation, year=year, years=years, home=home)
    return render(request, "home_town.html", context)


def _api_root() -> str | None:
    """The API's root, if the API already answers there."""
    try:
        resolve("/api/")
    except Resolver404:
        return None
    return "/api/"
