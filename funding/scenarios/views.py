"""Pages of the scenarios: list, copy, a scenario with its overview and quick changes, delete,
and the comparison of the baseline with up to four scenarios.

Views check the permission and the scope (``restrict``), validate a form, call one service or
selector and render; the figures come from the cost engine through the selectors.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carriers.models import Organisation
from funding.choices import OrganisationKind
from funding.models import Scenario
from funding.overview import cost_overview
from funding.scenarios import forms, rebase, services
from funding.scenarios.selectors import (
    CHANGES_SHOWN,
    compare,
    comparison_sections,
    describe_step,
    plan_changes_list,
    plan_changes_since_copy,
    scenario_hand_edits,
    scenario_steps,
    stale_scenarios,
)
from kim_admin import navigation
from kim_admin.chart import Bar, chart_description, funding_chart
from kim_admin.generic import has_model_perm
from kim_admin.roles import Role, may_draft
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.versioning import VersionConflict

QUICK_CHANGES = {
    "verlagern": forms.MoveToRecipientForm,
    "kuerzen": forms.CutBlockForm,
    "mehrkosten": forms.LowerExtraCostForm,
    "eigene-stelle": forms.TownEmploysForm,
    "foerdersatz": forms.ChangeRateForm,
}
# Forms that need the scenario to narrow their choices.
SCENARIO_FORMS = (forms.MoveToRecipientForm, forms.LowerExtraCostForm, forms.TownEmploysForm)


def _may_change(user) -> bool:
    return has_model_perm(user, Scenario, "change") and has_model_perm(user, Scenario, "add")


def _recipients(user) -> list[Organisation]:
    """The recipients whose scenarios the user works with: admins all, others their own."""
    if user.role == Role.ADMIN:
        return list(Organisation.objects.recipients().order_by("name"))
    organisation = user.organisation
    if organisation is None or not organisation.is_recipient_kind:
        return []
    return [organisation]


def _recipient(request) -> Organisation:
    """The recipient of the page: ``?recipient=<slug>`` for admins, else one's own; 404 for
    an unknown one (never telling whether another recipient exists)."""
    recipients = _recipients(request.user)
    slug = request.GET.get("recipient") or request.POST.get("recipient")
    if slug:
        chosen = next((r for r in recipients if r.slug == slug), None)
        if chosen is None:
            raise Http404(_("Der Zuwendungsempfänger „%(slug)s“ ist unbekannt.") % {"slug": slug})
        return chosen
    if not recipients:
        raise Http404(_("Ihr Konto gehört zu keinem Zuwendungsempfänger."))
    return recipients[0]


def _scenario(request, pk, action=VIEW) -> Scenario:
    queryset = Scenario.objects.restrict(request.user, action).select_related("recipient")
    return get_object_or_404(queryset, pk=pk)


def _context(request, **extra):
    return {"tabs": navigation.FUNDING.tabs_for(request), **extra}


@login_required
def scenario_list(request):
    if not has_model_perm(request.user, Scenario, "view"):
        raise PermissionDenied
    scenarios = (
        Scenario.objects.restrict(request.user, VIEW)
        .select_related("recipient")
        .annotate(position_count=Count("positions"))
        .order_by("recipient__name", "name")
    )
    return render(
        request,
        "funding/scenario_list.html",
        _context(
            request,
            scenarios=scenarios,
            may_change=_may_change(request.user) and bool(_recipients(request.user)),
        ),
    )


@login_required
def scenario_create(request):
    if not _may_change(request.user):
        raise PermissionDenied
    recipient = _recipient(request)
    form = forms.ScenarioCopyForm(request.POST or None, recipient=recipient, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            scenario = services.scenario_copy(
                recipient=recipient,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                description=form.cleaned_data["description"],
                source=form.cleaned_data["source"],
                actor=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Szenario „%(name)s“ angelegt.") % {"name": scenario.name})
            return redirect("funding:scenario_detail", pk=scenario.pk)
    return render(
        request,
        "funding/scenario_form.html",
        _context(
            request,
            form=form,
            recipient=recipient,
            recipients=_recipients(request.user),
        ),
        status=400 if form.errors else 200,
    )


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


def _year(request) -> int:
    raw = request.GET.get("year", "")
    try:
        year = int(raw) if raw else timezone.localdate().year
    except ValueError:
        raise Http404(_("Das Jahr „%(year)s“ ist unbekannt.") % {"year": raw}) from None
    if not 2000 <= year <= 2100:
        raise Http404(_("Das Jahr „%(year)s“ ist unbekannt.") % {"year": raw})
    return year


@login_required
def scenario_detail(request, pk, bound=None, status=200):
    scenario = _scenario(request, pk)
    year = _year(request)
    may_change = (
        _may_change(request.user)
        and Scenario.objects.restrict(request.user, CHANGE).filter(pk=scenario.pk).exists()
    )
    quick_forms = {}
    if may_change:
        for action, form_class in QUICK_CHANGES.items():
            if bound is not None and bound[0] == action:
                quick_forms[action] = bound[1]
            elif form_class in SCENARIO_FORMS:
                quick_forms[action] = form_class(scenario=scenario, prefix=action)
            else:
                quick_forms[action] = form_class(
                    prefix=action,
                    initial={"effective": f"01.01.{year}", "valid_from": f"01.01.{year}"},
                )
    overview = cost_overview(scenario.recipient, year, scenario=scenario)
    compare_url = reverse("funding:scenario_compare") + f"?scenarios={scenario.slug}"
    if request.user.role == Role.ADMIN:
        compare_url += f"&recipient={scenario.recipient.slug}"
    return render(
        request,
        "funding/scenario_detail.html",
        _context(
            request,
            scenario=scenario,
            year=year,
            years=list(range(year - 3, year + 5)),
            overview=overview,
            may_change=may_change,
            quick_forms=quick_forms,
            compare_url=compare_url,
            plan_changes=plan_changes_since_copy(scenario),
            steps=scenario_steps(scenario),
            hand_edits=scenario_hand_edits(scenario),
        ),
        status=status,
    )


def _may_change_scenario(request, scenario) -> bool:
    return (
        _may_change(request.user)
        and Scenario.objects.restrict(request.user, CHANGE).filter(pk=scenario.pk).exists()
    )


@login_required
def scenario_plan_changes(request, pk):
    """The real plan's changes since the scenario's copy: which rows, when, by whom."""
    scenario = _scenario(request, pk)
    return render(
        request,
        "funding/scenario_plan_changes.html",
        _context(
            request,
            scenario=scenario,
            count=plan_changes_since_copy(scenario),
            changes=plan_changes_list(scenario),
            shown=CHANGES_SHOWN,
            may_change=_may_change_scenario(request, scenario),
        ),
    )


@login_required
def scenario_rebase(request, pk):
    """ "Aus aktuellem Plan neu aufsetzen": the confirmation page (GET) and, confirmed (POST),
    the fresh copy with the steps replayed and the result page."""
    if not _may_change(request.user):
        raise PermissionDenied
    scenario = _scenario(request, pk, CHANGE)
    stale = False
    if request.method == "POST":
        raw = request.POST.get("version")
        try:
            result = rebase.scenario_rebase(
                scenario=scenario,
                actor=request.user,
                expected_version=int(raw) if raw and raw.isdigit() else None,
            )
        except VersionConflict:
            stale = True
        else:
            return render(
                request,
                "funding/scenario_rebase_result.html",
                _context(
                    request,
                    scenario=result.scenario,
                    result=result,
                    replayed=[(step, describe_step(step)) for step in result.replayed],
                    failed=[(step, describe_step(step), reason) for step, reason in result.failed],
                ),
            )
    return render(
        request,
        "funding/scenario_confirm_rebase.html",
        _context(
            request,
            scenario=scenario,
            stale=stale,
            plan_changes=plan_changes_since_copy(scenario),
            steps=scenario_steps(scenario),
            hand_edits=scenario_hand_edits(scenario),
        ),
        status=409 if stale else 200,
    )


@login_required
@require_POST
def scenario_quick_change(request, pk, action):
    if action not in QUICK_CHANGES or not _may_change(request.user):
        raise PermissionDenied
    scenario = _scenario(request, pk, CHANGE)
    form_class = QUICK_CHANGES[action]
    kwargs = {"scenario": scenario} if form_class in SCENARIO_FORMS else {}
    form = form_class(request.POST, prefix=action, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = _apply(action, scenario, data, request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, message)
            url = reverse("funding:scenario_detail", args=[scenario.pk])
            year = request.GET.get("year")
            return redirect(f"{url}?year={year}" if year else url)
    return scenario_detail(request, pk, bound=(action, form), status=400)


def _apply(action, scenario, data, actor) -> str:
    """Run one quick change; the German confirmation."""
    if action == "verlagern":
        moved = services.move_carrier_positions_to_recipient(
            scenario=scenario, carrier=data["carrier"], actor=actor
        )
        return _("%(n)s Stelle(n) zur Stadt verlagert, zu den Kosten der Stadt.") % {
            "n": len(moved)
        }
    if action == "kuerzen":
        cut = services.cut_block(
            scenario=scenario,
            block=data["block"],
            n_positions=data["n_positions"],
            effective=data["effective"],
            actor=actor,
        )
        return _("Baustein %(block)s auf %(n)s Stellen gekürzt (%(cut)s Stellen beendet).") % {
            "block": data["block"],
            "n": data["n_positions"],
            "cut": len(cut),
        }
    if action == "mehrkosten":
        carriers = (
            [data["carrier"]]
            if data["carrier"]
            else list(forms.LowerExtraCostForm(scenario=scenario).fields["carrier"].queryset)
        )
        if not carriers:
            raise ValidationError(_("In diesem Szenario gibt es keinen Weiterleitungsvertrag."))
        for carrier in carriers:
            services.lower_carrier_extra_cost(
                scenario=scenario,
                carrier=carrier,
                percent=data["percent"],
                amount=data["amount"],
                actor=actor,
            )
        return _("Übernahme der Mehrkosten für %(n)s Trägerin(nen) geändert.") % {
            "n": len(carriers)
        }
    if action == "eigene-stelle":
        position = services.town_employs_own(
            scenario=scenario, position=data["position"], town=data["town"], actor=actor
        )
        return _("„%(position)s“ ist jetzt bei %(town)s angestellt.") % {
            "position": position,
            "town": data["town"],
        }
    rate = services.change_rate(
        scenario=scenario,
        block=data["block"],
        kind=data["kind"],
        amount=data["amount"],
        valid_from=data["valid_from"],
        actor=actor,
    )
    return _("Fördersatz im Szenario gesetzt: %(rate)s.") % {"rate": rate}


@login_required
def scenario_delete(request, pk):
    if not has_model_perm(request.user, Scenario, "delete"):
        raise PermissionDenied
    scenario = _scenario(request, pk, CHANGE)
    stale = False
    if request.method == "POST":
        raw = request.POST.get("version")
        try:
            services.scenario_delete(
                scenario=scenario,
                actor=request.user,
                expected_version=int(raw) if raw and raw.isdigit() else None,
            )
        except VersionConflict:
            stale = True
        else:
            messages.success(request, _("Szenario „%(name)s“ gelöscht.") % {"name": scenario})
            return redirect("funding:scenario_list")
    return render(
        request,
        "funding/scenario_confirm_delete.html",
        _context(request, scenario=scenario, stale=stale),
        status=409 if stale else 200,
    )


def _bearer_choices(recipient) -> list[Organisation]:
    """Who may carry a part: the county's towns and the carriers employing its positions."""
    return list(
        Organisation.objects.filter(
            Q(parent=recipient, kind=OrganisationKind.TOWN)
            | Q(
                kind=OrganisationKind.CARRIER,
                pk__in=Organisation.objects.filter(employed_positions__recipient=recipient).values(
                    "pk"
                ),
            )
        ).order_by("name")
    )


@login_required
def scenario_compare(request):
    if not has_model_perm(request.user, Scenario, "view"):
        raise PermissionDenied
    recipient = _recipient(request)
    first = timezone.localdate().year
    data = request.GET.copy()
    data.setdefault("years", f"{first}-{first + 3}")
    data.setdefault("bearer", recipient.slug)
    scenario_slugs = data.getlist("scenarios")
    if len(scenario_slugs) == 1 and "," in scenario_slugs[0]:
        data.setlist("scenarios", [s for s in scenario_slugs[0].split(",") if s])
    bearers = _bearer_choices(recipient)
    form = forms.CompareForm(data, recipient=recipient, user=request.user, bearers=bearers)
    result = None
    status = 200
    if form.is_valid():
        slugs = form.cleaned_data["scenarios"]
        chosen = {
            s.slug: s
            for s in Scenario.objects.restrict(request.user, VIEW).filter(
                recipient=recipient, slug__in=slugs
            )
        }
        bearer = next(
            (o for o in [recipient, *bearers] if o.slug == form.cleaned_data["bearer"]),
            recipient,
        )
        try:
            result = compare(
                recipient, [chosen[s] for s in slugs], form.cleaned_data["years"], bearer
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            status = 400
    else:
        status = 400
    return render(
        request,
        "funding/scenario_compare.html",
        _context(
            request,
            form=form,
            recipient=recipient,
            recipients=_recipients(request.user),
            result=result,
            sections=comparison_sections(result) if result else [],
            stale=stale_scenarios(p.scenario for p in result.scenarios) if result else [],
            **_comparison_chart(result),
            report_url=_report_url(result) if result and may_draft(request.user) else None,
        ),
        status=status,
    )


def _comparison_chart(result) -> dict:
    """The plans' totals over the chosen years as the reports' chart (only with scenarios)."""
    if not result or not result.scenarios:
        return {}
    bars = [Bar(plan.label, plan.total.funding, plan.total.own_share) for plan in result.plans]
    years = f"{result.years[0]}–{result.years[-1]}" if len(result.years) > 1 else result.years[0]
    title = _("Landesförderung und Eigenanteil je Plan, %(years)s") % {"years": years}
    return {"chart": funding_chart(bars, title, chart_description(bars)), "chart_title": title}


def _report_url(result) -> str | None:
    """The report form for this comparison (the council's PDF), None without scenarios."""
    if not result.scenarios:
        return None
    query = [
        ("kind", "scenario_comparison"),
        ("recipient", result.recipient.slug),
        ("year", result.years[0]),
        ("last_year", result.years[-1]),
    ] + [("compare_scenarios", p.scenario.slug) for p in result.scenarios]
    return f"{reverse('reports:report_form')}?{urlencode(query)}"
