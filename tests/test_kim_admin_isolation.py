"""The isolation matrix: every route × every non-admin role × objects that are not the role's.

Generated from the URL resolver, so a new route is covered without writing a test: a route
with an object in its path gets an object of another recipient (Kreis Coesfeld) of the
route's model (from the view's ``model``/``queryset``, else ``MODEL_OF_ROUTE``), and, for the
roles that must not read a recipient's planning (carrier, town, council), a row of their own
recipient's scenarios. Every method answers 403, 404 or 405, the body names neither the
object nor its recipient, and nothing of the other recipient changes. Every list and export
without an object in its path shows no other recipient's name and, for those roles, no
scenario.

A route whose model cannot be told fails ``test_every_route_with_an_object_is_mapped``: add
it to ``MODEL_OF_ROUTE`` (or, with a reason, to ``NOT_AN_OBJECT``).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CarrierProof,
    CostForecast,
    CostSplit,
    CostSplitMember,
    ForecastAttachment,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
    ProofAttachment,
    ProofLine,
    SettlementStatement,
)
from funding.models import (
    DeadlineReminder,
    DeadlineSubmission,
    FundingRate,
    FundsCall,
    FundsPayment,
    GrantNotice,
    ProgrammeCost,
    Projection,
    ProofOfUse,
    RevenueAccount,
    Scenario,
    ScenarioStep,
    YearClosing,
)
from kim_admin.jobqueue.models import Job
from reports.models import PublishedReport
from staffing.models import Occupancy, OrganisationalUnit, Position, PositionCost, PositionTown
from tests import demo_snapshot
from tests.api_helpers import token_client
from tests.factories import (
    PDF_BYTES,
    CarrierFactory,
    CarrierPaymentFactory,
    CostForecastFactory,
    ForecastAttachmentFactory,
    ForecastLineFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    PositionCostFactory,
    PositionFactory,
    ProgrammeCostFactory,
    RevenueAccountFactory,
    UserFactory,
)

FOREIGN = "kreis-coesfeld"
# The user of each non-admin role: (organisation slug, the recipient whose data are its own).
ROLES = {
    "finance": "leverkusen",
    "coordinator": "leverkusen",
    "council": "leverkusen",
    "carrier": "caritas-leverkusen",
    "town": "voerde",
}
# Roles that must not read their recipient's scenarios, and which recipient's those are.
NO_PLANNING = {"council": "leverkusen", "carrier": "leverkusen", "town": "kreis-wesel"}

# Routes whose view names no model: the model of the object in their path.
MODEL_OF_ROUTE = {
    "funding:scenario_detail": Scenario,
    "funding:scenario_delete": Scenario,
    "funding:scenario_quick_change": Scenario,
    "funding:scenario_plan_changes": Scenario,
    "funding:scenario_rebase": Scenario,
    "carriers:costforecast_detail": CostForecast,
    "carriers:costforecast_edit": CostForecast,
    "carriers:costforecast_action": CostForecast,
    "carriers:forecastattachment_add": CostForecast,
    "carriers:forecastattachment_download": ForecastAttachment,
    "carriers:forecastattachment_delete": ForecastAttachment,
    "carriers:carrierproof_detail": CarrierProof,
    "carriers:carrierproof_edit": CarrierProof,
    "carriers:carrierproof_action": CarrierProof,
    "carriers:proofattachment_add": CarrierProof,
    "carriers:proofattachment_download": ProofAttachment,
    "carriers:proofattachment_delete": ProofAttachment,
    "carriers:settlementstatement_pdf": SettlementStatement,
    "reports:publishedreport_download": PublishedReport,
    "jobs:detail": Job,
    "jobs:status": Job,
    "jobs:result": Job,
    "jobs:retry": Job,
    "api-job-detail": Job,
    "funding:proofofuse_xlsx": ProofOfUse,
}
# Routes with a path parameter that is no object, and why they are not in the matrix.
NOT_AN_OBJECT = {
    # An import's token is the random name of the user's own uploaded file in its session;
    # another user's token is refused by the session check (tests/test_staffing_imports.py).
    "imports:preview": "session token",
    "imports:apply": "session token",
    "imports:discard": "session token",
    "imports:done": "session token",
    # The guided setup's steps: administrators only (tests/test_kim_admin_onboarding.py).
    "onboarding:step": "wizard step",
}
# Values of path parameters that are no id.
SLUGS = {"action": "submit", "token": "x" * 32}
API_METHODS = ("get", "post", "put", "patch", "delete")
PAGE_METHODS = ("get", "post")
REFUSED = {403, 404, 405}
SKIPPED_PREFIXES = ("admin/", "static/", "healthz", "api/schema", "api/docs")


# --- the routes -------------------------------------------------------------------------------


def _routes(patterns=None, prefix="", namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern


def routes():
    """(route, name, pattern) of every page and endpoint but the Django admin's."""
    return [
        (route, name, pattern)
        for route, name, pattern in _routes()
        if not route.lstrip("^").startswith(SKIPPED_PREFIXES) and "format" not in route
    ]


def parameters(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route) and [
        a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    ]


def model_of(name: str, pattern) -> type | None:
    if name in MODEL_OF_ROUTE:
        return MODEL_OF_ROUTE[name]
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    if view is None:
        return None
    model = getattr(view, "model", None)
    queryset = getattr(view, "queryset", None)
    return model or (queryset.model if queryset is not None else None)


def path_of(route: str, values: dict) -> str:
    """The route with its parameters filled in ("api/^positions/(?P<pk>[0-9]+)/$" too). The
    router's regex groups go first: the plain form's pattern would match their ``<pk>``."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


OBJECT_ROUTES = [(route, name, pattern) for route, name, pattern in routes() if parameters(route)]
LIST_ROUTES = [(route, name, pattern) for route, name, pattern in routes() if not parameters(route)]


def test_every_filled_in_path_reaches_its_own_route():
    """The matrix asks the route it means: a path that reached another view (or none) would
    answer 404 and pass for refused."""
    wrong = []
    for route, name, _pattern in OBJECT_ROUTES + LIST_ROUTES:
        if name in NOT_AN_OBJECT:
            continue
        path = path_of(route, {**SLUGS, "pk": 7, "id": 7, "position_pk": 7})
        try:
            reached = resolve(path).view_name
        except Resolver404:
            reached = None
        if reached != name:
            wrong.append((name, path, reached))
    assert wrong == []


def test_every_route_with_an_object_is_mapped():
    unmapped = [
        name
        for route, name, pattern in OBJECT_ROUTES
        if name not in NOT_AN_OBJECT and model_of(name, pattern) is None
    ]
    assert unmapped == [], "add these routes to MODEL_OF_ROUTE or NOT_AN_OBJECT"
    assert len(OBJECT_ROUTES) > 100


# --- the world --------------------------------------------------------------------------------


def _foreign_extras(coesfeld: Organisation) -> None:
    """What Kreis Coesfeld's demo data lack, so that every model has a row there: a carrier
    working for it with a forwarded position, a statement with a line and an attachment, a
    payment, a programme cost, an account, a rate of its own, a published report, a job and
    an issued settlement statement."""
    from carriers.settlements.services import statement_issue
    from reports.registry import CouncilHeader, ReportRequest
    from reports.services import report_publish

    admin = UserFactory(role="admin", organisation=None)
    carrier = CarrierFactory(
        name="Caritasverband für das Dekanat Coesfeld", slug="caritas-coesfeld"
    )
    template = Position.objects.filter(recipient=coesfeld, scenario=None).first()
    position = PositionFactory(
        recipient=coesfeld,
        employer=carrier,
        block=template.block,
        title="Casemanagement Caritas Coesfeld",
    )
    PositionCostFactory(position=position, year=2025, employer_gross=Decimal("47111.00"))
    ForwardingAgreementFactory(recipient=coesfeld, carrier=carrier).positions.add(position)
    forecast = CostForecastFactory(recipient=coesfeld, carrier=carrier, year=2025)
    ForecastLineFactory(forecast=forecast, position=position)
    ForecastAttachmentFactory(forecast=forecast, content=PDF_BYTES)
    CarrierPaymentFactory(recipient=coesfeld, carrier=carrier, year=2025)
    _foreign_proof(coesfeld, carrier, position)
    ProgrammeCostFactory(recipient=coesfeld, block=template.block, year=2025)
    RevenueAccountFactory(recipient=coesfeld)
    FundingRateFactory(recipient=coesfeld, block=template.block, valid_from=date(2030, 1, 1))
    split = CostSplit.objects.filter(recipient=coesfeld, scenario=None).order_by("pk").first()
    town = CostSplitMember.objects.filter(split=split).order_by("pk").first().organisation
    statement_issue(split=split, town=town, year=2023, actor=admin)
    header = CouncilHeader(
        body="Kreis Coesfeld", file_number="2023/1", paper_date=date(2023, 9, 29), subject="KIM"
    )
    report_publish(
        request=ReportRequest(kind="cost_overview", recipient=coesfeld, year=2023, header=header),
        actor=admin,
    )
    Job.objects.create(kind="export", title="Export Coesfeld", created_by=admin)
    # The funder's year (issue 15): a funds call with its payment and a proof of use of the
    # closed year 2023.
    notice = GrantNotice.objects.filter(recipient=coesfeld).order_by("pk").first()
    funds_call = FundsCall.objects.create(
        notice=notice,
        called_on=date(2023, 1, 10),
        period_start=date(2023, 1, 1),
        period_end=date(2023, 2, 28),
        amount=Decimal("55000.00"),
    )
    FundsPayment.objects.create(
        call=funds_call, received_on=date(2023, 1, 20), amount=Decimal("55000.00")
    )
    ProofOfUse.objects.create(recipient=coesfeld, year=2023, factual_report="Sachbericht")
    # Its deadlines (issue 15): an application marked submitted, a reminder sent.
    DeadlineSubmission.objects.create(
        recipient=coesfeld, kind="application", year=2027, submitted_on=date(2026, 10, 1)
    )
    DeadlineReminder.objects.create(
        recipient=coesfeld,
        key=f"application:{coesfeld.pk}:2027",
        threshold="before",
        due_on=date(2026, 10, 30),
        sent_on=date(2026, 10, 16),
    )


def _foreign_proof(coesfeld, carrier, position) -> None:
    """A submitted proof of use of Coesfeld's carrier with a line and an attachment."""
    from carriers.proofs import services as proof_services

    agreement = ForwardingAgreement.objects.get(recipient=coesfeld, carrier=carrier)
    user = UserFactory(role="carrier", organisation=carrier)
    proof = proof_services.proof_create(
        agreement=agreement,
        year=2025,
        actor=user,
        lines=[proof_services.ProofLineInput(position.pk, Decimal("47111.00"))],
    )
    proof_services.proof_attachment_add(proof=proof, actor=user, name="n.pdf", content=PDF_BYTES)
    proof_services.proof_submit(proof=proof, actor=user)


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_snapshot.load()
        _foreign_extras(Organisation.objects.get(slug=FOREIGN))
        yield
        transaction.set_rollback(True)


@pytest.fixture
def world(_world, db):
    return Organisation.objects.get(slug=FOREIGN)


# Each model's path to its recipient.
RECIPIENT = {
    Position: "recipient",
    OrganisationalUnit: "recipient",
    PositionTown: "position__recipient",
    Occupancy: "position__recipient",
    PositionCost: "position__recipient",
    ForwardingAgreement: "recipient",
    CostSplit: "recipient",
    CostForecast: "recipient",
    ForecastLine: "forecast__recipient",
    ForecastAttachment: "forecast__recipient",
    CarrierProof: "recipient",
    ProofLine: "proof__recipient",
    ProofAttachment: "proof__recipient",
    CarrierPayment: "recipient",
    SettlementStatement: "recipient",
    AdvancePayment: "recipient",
    FundingRate: "recipient",
    GrantNotice: "recipient",
    ProgrammeCost: "recipient",
    RevenueAccount: "recipient",
    YearClosing: "recipient",
    Scenario: "recipient",
    ScenarioStep: "scenario__recipient",
    Projection: "recipient",
    PublishedReport: "recipient",
    FundsCall: "notice__recipient",
    FundsPayment: "call__notice__recipient",
    ProofOfUse: "recipient",
    DeadlineSubmission: "recipient",
    DeadlineReminder: "recipient",
}


def foreign_object(model, recipient: Organisation, scenario: bool = False):
    """A row of ``model`` of ``recipient`` (of one of its scenarios where ``scenario``)."""
    if model is Organisation:
        return recipient.members.order_by("pk").first() if not scenario else None
    if model is Job:
        return Job.objects.order_by("pk").first() if not scenario else None
    path = RECIPIENT.get(model)
    if path is None:
        return None
    rows = model.objects.filter(**{path: recipient})
    scenario_path = model.scenario_path if model is not Scenario else "pk"
    if scenario:
        if not scenario_path or model is Scenario:
            return rows.order_by("pk").first() if model is Scenario else None
        rows = rows.filter(**{f"{scenario_path}__isnull": False})
    elif scenario_path and model is not Scenario:
        rows = rows.filter(**{f"{scenario_path}__isnull": True})
    return rows.order_by("pk").first()


class Clients:
    """A role's user: the API with its token, the pages with its session."""

    def __init__(self, role: str):
        from django.test import Client

        user = UserFactory(role=role, organisation=Organisation.objects.get(slug=ROLES[role]))
        self.api = token_client(user)
        self.pages = Client()
        self.pages.force_login(user)

    def request(self, method: str, path: str, data=None):
        if path.startswith("/api/"):
            return getattr(self.api, method)(path, data or {}, format="json")
        return getattr(self.pages, method)(path, data or {})


def snapshot(recipient: Organisation) -> dict:
    """Every row of the recipient, with its version where it has one."""
    state = {}
    for model, path in RECIPIENT.items():
        fields = ["pk", "version"] if hasattr(model, "version") else ["pk"]
        state[model.__name__] = sorted(
            model.objects.filter(**{path: recipient}).values_list(*fields)
        )
    return state


def names_of(obj) -> list[str]:
    """What the body must not show: the object, and its recipient where it is another's."""
    names = [str(obj)]
    recipient = getattr(obj, "recipient", None)
    if recipient is not None and recipient.slug == FOREIGN:
        names.append(recipient.name)
    return [n for n in names if len(n) > 3]


def values_for(route: str, obj) -> dict:
    values = dict(SLUGS)
    for name in parameters(route):
        if name in ("pk", "id"):
            values[name] = obj.pk
        elif name == "position_pk":
            values[name] = obj.position_id
    return values


def case_list(role: str, recipient: Organisation) -> list:
    """(path, methods, object) of every object route with a foreign object of its model."""
    cases = []
    for route, name, pattern in OBJECT_ROUTES:
        if name in NOT_AN_OBJECT:
            continue
        model = model_of(name, pattern)
        methods = (
            API_METHODS
            if "api" in name.split(":")[0] or route.startswith("api/")
            else (PAGE_METHODS)
        )
        for scenario in (False, True):
            if scenario and role not in NO_PLANNING:
                continue
            owner = Organisation.objects.get(slug=NO_PLANNING[role]) if scenario else recipient
            obj = foreign_object(model, owner, scenario=scenario)
            if obj is None:
                continue
            if "position_pk" in parameters(route) and not hasattr(obj, "position_id"):
                continue
            cases.append((path_of(route, values_for(route, obj)), methods, obj))
    return cases


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_object_of_another_organisation_is_read_or_written(role, world):
    clients = Clients(role)
    before = snapshot(world)
    cases = case_list(role, world)
    assert len(cases) > 100, len(cases)
    leaks = []
    for path, methods, obj in cases:
        for method in methods:
            response = clients.request(method, path)
            body = response.content.decode("utf-8", "replace")
            shown = [name for name in names_of(obj) if name in body]
            if response.status_code not in REFUSED or shown:
                leaks.append((method.upper(), path, response.status_code, shown))
    assert leaks == []
    assert snapshot(world) == before


def foreign_names(role: str) -> list[str]:
    """Names that no list of ``role`` may show: Kreis Coesfeld's and its towns' and
    carriers', and, for roles that do not read the planning, their recipient's scenarios."""
    names = [
        o.name
        for o in Organisation.objects.filter(slug=FOREIGN)
        | Organisation.objects.filter(parent__slug=FOREIGN)
        | Organisation.objects.filter(slug="caritas-coesfeld")
    ]
    if role in NO_PLANNING:
        names += list(
            Scenario.objects.filter(recipient__slug=NO_PLANNING[role]).values_list(
                "name", flat=True
            )
        )
        names += list(
            Position.objects.filter(scenario__recipient__slug=NO_PLANNING[role])
            .exclude(title__in=Position.objects.filter(scenario=None).values("title"))
            .values_list("title", flat=True)
        )
    return sorted(set(names))


@pytest.mark.parametrize("role", sorted(ROLES))
def test_lists_and_exports_show_only_the_roles_own_rows(role, world):
    clients = Clients(role)
    names = foreign_names(role)
    seen = []
    checked = 0
    for route, _name, _pattern in LIST_ROUTES:
        path = path_of(route, {})
        # Asking for the other recipient by name (``?recipient=``, as admins choose one on
        # the funds overview and the proofs of use, whose API then carries the figures).
        foreign = {"recipient": FOREIGN, "year": "2023", "jahr": "2023"}
        queries = [{}, foreign]
        if not route.startswith("api/"):
            queries += [{"export": "csv"}, {"scenario": "szenario-2"}]
        else:
            queries += [{"scenario": "szenario-2"}, {"limit": 1000}]
        for query in queries:
            response = clients.request("get", path, query)
            if (
                response.status_code != 200
                or "attachment" in response.get("Content-Disposition", "")
                and not response["Content-Type"].startswith("text/")
            ):
                continue
            checked += 1
            body = response.content.decode("utf-8", "replace")
            seen += [(path, query, n) for n in names if n in body]
    assert checked > 40, checked
    assert seen == []


@pytest.mark.parametrize("role", sorted(ROLES))
def test_scenario_steps_are_read_by_the_own_planning_roles_only(role, world):
    """A scenario's recorded quick changes are as confidential as the scenario: carriers,
    towns and the council see none, finance and coordination only their recipient's."""
    from kim_admin.scoping import CHANGE, VIEW

    user = UserFactory(role=role, organisation=Organisation.objects.get(slug=ROLES[role]))
    assert ScenarioStep.objects.filter(scenario__recipient__slug="leverkusen").exists()
    seen = ScenarioStep.objects.restrict(user, VIEW)
    if role in NO_PLANNING:
        assert not seen.exists()
    else:
        assert seen.exists()
        assert set(seen.values_list("scenario__recipient__slug", flat=True)) == {ROLES[role]}
    assert (
        not ScenarioStep.objects.restrict(user, CHANGE)
        .exclude(scenario__recipient__slug=ROLES[role])
        .exists()
    )
