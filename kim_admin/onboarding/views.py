"""The guided setup's pages: one URL per step, for administrators only. A step's input is kept
in the session once it is valid (so "Zurück" and a reload lose nothing); the last step checks
every step again and saves all of it in one transaction. Passwords are never kept in the
session: they are typed on the last step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from funding.choices import CoveragePolicy, SplitMethod
from kim_admin.onboarding import forms as steps
from kim_admin.onboarding.services import (
    CarrierSetup,
    LoginSetup,
    NoticeBlock,
    PositionSetup,
    RecipientSetup,
    SetupRefused,
    SplitSetup,
    TownSetup,
    UnitSetup,
    recipient_setup,
)
from kim_admin.roles import Role
from kim_admin.views import RECIPIENT_SESSION_KEY
from staffing.models import UnitKind

SESSION_KEY = "kim_onboarding"

STEPS = (
    ("empfaenger", "Zuwendungsempfänger"),
    ("einheiten", "Organisationseinheiten und Kommunen"),
    ("bescheid", "Bescheid und Fördersätze"),
    ("traeger", "Trägerinnen und Weiterleitung"),
    ("stellen", "Erste Stellen"),
    ("anmeldungen", "Anmeldungen und Abschluss"),
)
STEP_NAMES = [name for name, _label in STEPS]


def _stored(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _as_querydict(data: dict | None) -> QueryDict | None:
    if data is None:
        return None
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


def _employers(bound: dict) -> list[tuple[str, str]]:
    """The employer choices of a position: the recipient in each of its units, its towns,
    the carriers (``unit-0``, ``town-1``, ``carrier-0``)."""
    recipient, units, carriers = bound["empfaenger"], bound["einheiten"], bound["traeger"]
    if not (recipient.is_valid() and units.is_valid() and carriers.is_valid()):
        return []
    name = recipient.cleaned_data["name"]
    choices = [(f"unit-{i}", f"{name} – {u['name']}") for i, u in enumerate(units.unit_rows())]
    choices += [(f"town-{i}", t["name"]) for i, t in enumerate(units.town_rows())]
    choices += [(f"carrier-{i}", row.label()) for i, row in enumerate(carriers.rows())]
    return choices


def _own_rates(bound: dict) -> list:
    notice = bound.get("bescheid")
    return notice.own_rates() if notice is not None and notice.is_valid() else []


def _bind(name: str, data, bound: dict, initial: dict | None = None):
    if name == "empfaenger":
        return steps.RecipientStepForm(data=data)
    if name == "einheiten":
        recipient = bound["empfaenger"]
        kind = recipient.cleaned_data["kind"] if recipient.is_valid() else ""
        return steps.UnitsTownsStep(data=data, recipient_kind=kind)
    if name == "bescheid":
        return steps.NoticeStepForm(data=data)
    if name == "traeger":
        formset = steps.carrier_formset(data=data)
        if data is None and initial:
            for form in formset.forms:
                form.initial.setdefault("valid_from", initial.get("period_start"))
        return formset
    if name == "stellen":
        formset = steps.position_formset(
            data=data, employers=_employers(bound), own_rates=_own_rates(bound)
        )
        if data is None and initial:
            for form in formset.forms:
                form.initial.setdefault("planned_start", initial.get("period_start"))
        return formset
    return steps.LoginsStepForm(data=data)


def _bind_stored(request, upto: str) -> tuple[dict, str | None]:
    """The steps before ``upto`` bound to their stored input, and the first of them that is
    missing or no longer valid (None: all are fine)."""
    stored = _stored(request)
    bound: dict = {}
    for name in STEP_NAMES[: STEP_NAMES.index(upto)]:
        bound[name] = _bind(name, _as_querydict(stored.get(name)), bound)
        if name not in stored or not bound[name].is_valid():
            return bound, name
    return bound, None


@login_required
def wizard(request, step: str = "empfaenger"):
    if request.user.role != Role.ADMIN:
        raise PermissionDenied(_("Zuwendungsempfänger richtet die Administration ein."))
    if step not in STEP_NAMES:
        raise Http404
    if request.method == "GET" and request.GET.get("neu"):
        request.session.pop(SESSION_KEY, None)
        return redirect("onboarding:step", step=STEP_NAMES[0])

    bound, missing = _bind_stored(request, step)
    if missing:
        return redirect("onboarding:step", step=missing)
    notice = bound.get("bescheid")
    initial = notice.cleaned_data if notice is not None and notice.is_valid() else None
    stored = _stored(request)
    refused = None

    if request.method == "POST":
        data = {k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"}
        current = _bind(step, _as_querydict(data), bound)
        if current.is_valid():
            if step != STEP_NAMES[-1]:
                stored = {**stored, step: data}
                request.session[SESSION_KEY] = stored
                return redirect("onboarding:step", step=STEP_NAMES[STEP_NAMES.index(step) + 1])
            try:
                recipient = recipient_setup(setup=_setup(bound, current), actor=request.user)
            except SetupRefused as error:
                refused = {"step": error.step, "messages": error.messages}
            else:
                request.session.pop(SESSION_KEY, None)
                request.session[RECIPIENT_SESSION_KEY] = recipient.slug
                messages.success(
                    request,
                    _("%(name)s ist eingerichtet. Hier ist die Übersicht des Empfängers.")
                    % {"name": recipient.name},
                )
                return redirect(reverse("home"))
    else:
        # Passwords are never stored: the last step always starts empty.
        data = stored.get(step) if step != STEP_NAMES[-1] else None
        current = _bind(step, _as_querydict(data), bound, initial=initial)

    index = STEP_NAMES.index(step)
    context = {
        "steps": [
            {"name": n, "label": label, "number": i + 1, "done": n in stored}
            for i, (n, label) in enumerate(STEPS)
        ],
        "step": step,
        "step_label": STEPS[index][1],
        "step_number": index + 1,
        "step_count": len(STEPS),
        "previous": STEP_NAMES[index - 1] if index else None,
        "form": current,
        "refused": refused,
        "summary": _summary(bound) if step == STEP_NAMES[-1] else None,
    }
    return render(request, f"onboarding/{step}.html", context)


def _summary(bound: dict) -> dict:
    recipient = bound["empfaenger"].cleaned_data
    units = bound["einheiten"]
    notice = bound["bescheid"]
    employers = dict(_employers(bound))
    split = units.split.cleaned_data
    return {
        "recipient": recipient,
        "kind_label": steps.recipient_kind_label(recipient["kind"]),
        "units": [row | {"kind_label": UnitKind(row["kind"]).label} for row in units.unit_rows()],
        "towns": units.town_rows(),
        "split": split | {"method_label": SplitMethod(split["split_method"]).label}
        if split.get("split_method")
        else None,
        "notice": notice.cleaned_data,
        "notice_blocks": notice.notice_blocks(),
        "own_rates": notice.own_rates(),
        "carriers": [
            row.cleaned_data
            | {
                "label": row.label(),
                "coverage_policy_label": CoveragePolicy(row.cleaned_data["coverage_policy"]).label,
            }
            for row in bound["traeger"].rows()
        ],
        "positions": [
            row.cleaned_data | {"employer_label": employers.get(row.cleaned_data["employer"], "")}
            for row in bound["stellen"].rows()
        ],
    }


def _setup(bound: dict, logins: steps.LoginsStepForm) -> RecipientSetup:
    """The wizard's steps as the setup document the service takes (the API builds the same
    from JSON)."""
    recipient = bound["empfaenger"].cleaned_data
    units = bound["einheiten"]
    notice = bound["bescheid"]
    data = notice.cleaned_data
    towns = units.town_rows()
    split = units.split.cleaned_data
    employer_town = next((i for i, t in enumerate(towns) if t.get("employer_town")), None)
    carriers = [
        CarrierSetup(
            existing=row.cleaned_data.get("existing"),
            name=row.cleaned_data.get("name", ""),
            slug=row.cleaned_data.get("slug", ""),
            valid_from=row.cleaned_data["valid_from"],
            coverage_policy=row.cleaned_data["coverage_policy"],
            coverage_percent=row.cleaned_data.get("coverage_percent"),
            coverage_flat_per_fte=row.cleaned_data.get("coverage_flat_per_fte"),
        )
        for row in bound["traeger"].rows()
    ]
    positions = []
    for row in bound["stellen"].rows():
        p = row.cleaned_data
        positions.append(
            PositionSetup(
                title=p["title"],
                block=p["block"],
                funding_kind=p["funding_kind"],
                pay_grade=p.get("pay_grade"),
                fte=p["fte"],
                planned_start=p["planned_start"],
                occupied_from=p.get("occupied_from"),
                **row.employer(),
            )
        )
    return RecipientSetup(
        name=recipient["name"],
        slug=recipient["slug"],
        kind=recipient["kind"],
        units=[UnitSetup(u["name"], u["kind"]) for u in units.unit_rows()],
        towns=[
            TownSetup(t["name"], t["slug"], t.get("levy_share"), t.get("split_percent"))
            for t in towns
        ],
        split=SplitSetup(
            split["split_name"], split["split_method"], split["split_valid_from"], employer_town
        )
        if split.get("split_method")
        else None,
        programme=data["programme"],
        notice_reference=data.get("reference", ""),
        issued_on=data["issued_on"],
        period_start=data["period_start"],
        period_end=data.get("period_end"),
        notice_blocks=[NoticeBlock(b, fte, cap) for b, fte, cap in notice.notice_blocks()],
        rates=notice.own_rates(),
        carriers=carriers,
        positions=positions,
        logins=[LoginSetup(role, name, pw, email) for role, name, pw, email in logins.logins()],
    )
