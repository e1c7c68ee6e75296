"""Scenarios know their base (issue 14): quick changes recorded as steps, hand edits listed,
the plan's changes since the copy listed, and "Aus aktuellem Plan neu aufsetzen" (a fresh
copy of the plan with the steps replayed) through the service, the pages and the API.

Figures of the demo Leverkusen 2026 (seed 001 as entered in fixtures/01_leverkusen.json):
total cost 1,495,081.00 (personnel 1,446,081.00 + events budget 49,000.00); each position of
block 2 at a carrier 72,560.00 + 12,500.00 material + 20,316.80 overhead = 105,376.80;
"Koordination KIM 1" 81,338.00 + 9,700.00 material + 20 % overhead 16,267.60 = 107,305.60.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import Organisation
from funding.choices import ScenarioStepKind
from funding.models import BuildingBlock, Scenario, ScenarioStep, validate_step_parameters
from funding.overview import cost_overview
from funding.scenarios.rebase import scenario_rebase
from funding.scenarios.selectors import (
    plan_changes_list,
    plan_changes_since_copy,
    scenario_hand_edits,
)
from funding.scenarios.services import (
    change_rate,
    cut_block,
    lower_carrier_extra_cost,
    move_carrier_positions_to_recipient,
    scenario_copy,
)
from kim_admin.scoping import VIEW
from staffing.models import Occupancy, Position, PositionCost
from staffing.services import position_delete
from tests import factories as f
from tests.api_helpers import token_client

pytestmark = pytest.mark.django_db

YEAR = 2026
CUT_FROM = date(2026, 1, 1)


def total_cost(recipient, scenario, year=YEAR) -> D:
    return cost_overview(recipient, year, scenario=scenario).totals.total_cost


def figures(recipient, scenario, year=YEAR):
    """The cost overview's figures of a plan: totals and what each bearer carries."""
    overview = cost_overview(recipient, year, scenario=scenario)
    totals = overview.totals
    return (
        totals.total_cost,
        totals.funding,
        totals.own_share,
        sorted((s.organisation.slug, s.amount) for s in overview.by_bearer),
    )


@pytest.fixture
def actor(leverkusen):
    return f.UserFactory(role="finance", organisation=leverkusen)


def halve_from_july(position: Position) -> None:
    """The plan changes: the position's occupancy is halved from 01.07.2026 (a clerk's edit:
    the running period ends on 30.06., a new one at half the FTE follows)."""
    running = position.occupancies.get(end=None)
    running.end = date(2026, 6, 30)
    running.save()
    Occupancy.objects.create(position=position, start=date(2026, 7, 1), end=None, fte=D("0.5"))


# --- steps ------------------------------------------------------------------------------------


def test_every_quick_change_records_its_step_in_order(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Schritte", slug="schritte", actor=actor)
    caritas = Organisation.objects.get(slug="caritas-leverkusen")
    block = BuildingBlock.objects.get(number=2)
    lower_carrier_extra_cost(scenario=scenario, carrier=caritas, percent=D("30"), actor=actor)
    change_rate(
        scenario=scenario,
        block=block,
        kind="case_management",
        amount=D("60000.00"),
        valid_from=date(2026, 1, 1),
        actor=actor,
    )
    cut_block(scenario=scenario, block=2, n_positions=5, effective=CUT_FROM, actor=actor)
    move_carrier_positions_to_recipient(scenario=scenario, actor=actor)

    steps = list(scenario.steps.order_by("order"))
    assert [(s.order, s.kind) for s in steps] == [
        (1, ScenarioStepKind.LOWER_EXTRA_COST),
        (2, ScenarioStepKind.CHANGE_RATE),
        (3, ScenarioStepKind.CUT_BLOCK),
        (4, ScenarioStepKind.MOVE_TO_RECIPIENT),
    ]
    assert steps[0].parameters == {
        "carrier": caritas.pk,
        "carrier_name": caritas.name,
        "percent": "30",
        "amount": None,
    }
    assert steps[2].parameters == {
        "block": 2,
        "n_positions": 5,
        "effective": "2026-01-01",
        "keep": None,
    }
    assert all(s.created_by == actor for s in steps)
    # Audited like every row, and the rows a step wrote name it in their history.
    assert ScenarioStep.history.filter(scenario_id=scenario.pk).count() == 4
    assert Position.history.filter(
        scenario_id=scenario.pk, history_change_reason__startswith="Szenario-Schritt 3: "
    ).exists()
    # Quick changes are steps, not hand edits.
    assert scenario_hand_edits(scenario) == []


def test_a_refused_quick_change_records_no_step(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Nichts", slug="nichts", actor=actor)
    with pytest.raises(ValidationError):
        cut_block(scenario=scenario, block=2, n_positions=99, effective=CUT_FROM, actor=actor)
    assert not scenario.steps.exists()


def test_step_parameters_are_validated_per_kind():
    validate_step_parameters(
        ScenarioStepKind.CUT_BLOCK,
        {"block": 2, "n_positions": 5, "effective": "2026-01-01", "keep": None},
    )
    with pytest.raises(ValidationError) as error:
        validate_step_parameters(
            ScenarioStepKind.CUT_BLOCK,
            {"block": "zwei", "n_positions": 5, "effective": "01.01.2026", "extra": 1},
        )
    assert error.value.message_dict["parameters"] == [
        "Ungültige Angaben für „Baustein kürzen“: keep, extra, block, effective."
    ]
    with pytest.raises(ValidationError) as error:
        validate_step_parameters(
            ScenarioStepKind.CHANGE_RATE,
            {"block": 2, "kind": "case_management", "amount": "viel", "valid_from": "2026-01-01"},
        )
    assert "amount" in error.value.message_dict["parameters"][0]


def test_hand_edits_of_a_scenario_are_listed_not_stepped(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Hand", slug="hand", actor=actor)
    cut_block(scenario=scenario, block=2, n_positions=5, effective=CUT_FROM, actor=actor)
    position = Position.objects.filter(scenario=scenario, title="Assistenz KIM").get()
    position.title = "Assistenz KIM (umbenannt)"
    position._history_user = actor
    position.save()

    edits = scenario_hand_edits(scenario)
    assert [(e.model, e.row, e.action) for e in edits] == [
        ("Stelle", "„Assistenz KIM (umbenannt)“", "geändert")
    ]
    assert scenario.steps.count() == 1


# --- the plan's changes since the copy --------------------------------------------------------


def test_the_plan_changes_are_listed_with_row_time_and_user(leverkusen, actor):
    scenario = Scenario.objects.get(recipient=leverkusen, slug="szenario-1")
    position = Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    cost = position.costs.get(year=YEAR, status="planned")
    cost.employer_gross += D("1000.00")
    cost._history_user = actor
    cost.save()

    assert plan_changes_since_copy(scenario) == 1
    (change,) = plan_changes_list(scenario)
    assert change.model == str(PositionCost._meta.verbose_name)
    assert change.row == "„Koordination KIM 1“ 2026 (Plan): 82.338,00\u00a0€ Arbeitgeberbrutto"
    assert change.action == "geändert"
    assert change.by == (actor.get_full_name() or actor.username)


# --- rebase -----------------------------------------------------------------------------------


def test_rebase_equals_a_fresh_copy_of_the_new_plan_cut_the_same_way(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Gekürzt", slug="gekuerzt", actor=actor)
    cut_block(scenario=scenario, block=2, n_positions=5, effective=CUT_FROM, actor=actor)
    # The cut keeps the three positions at the KI and AWO 1 and 2 (the municipality's first,
    # then by title); Caritas 1 and 2 and Diakonie 1 and 2 end on 31.12.2025:
    # 1,495,081.00 - 4 × 105,376.80 (= 421,507.20) = 1,073,573.80.
    assert total_cost(leverkusen, scenario) == D("1073573.80")

    halve_from_july(
        Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    )
    # The position's 2026 plan cost follows the occupancy: 6 months at 1.0 and 6 at 0.5 are
    # 9 of 12 FTE-months: 107,305.60 × 9 / 12 = 80,479.20, 26,826.40 less.
    assert total_cost(leverkusen, None) == D("1495081.00") - D("26826.40")
    assert plan_changes_since_copy(scenario) == 2  # the period changed, one added
    # The scenario still shows the state of its copy.
    assert total_cost(leverkusen, scenario) == D("1073573.80")
    pk, slug, version = scenario.pk, scenario.slug, scenario.version

    result = scenario_rebase(scenario=scenario, actor=actor)

    scenario.refresh_from_db()
    assert (scenario.pk, scenario.slug) == (pk, slug)
    assert scenario.version == version + 1
    assert [s.kind for s in result.replayed] == [ScenarioStepKind.CUT_BLOCK]
    assert result.failed == ()
    assert plan_changes_since_copy(scenario) == 0
    # 1,073,573.80 - 26,826.40 = 1,046,747.40
    assert total_cost(leverkusen, scenario) == D("1046747.40")

    # The same as a scenario newly copied from the changed plan and cut the same way.
    fresh = scenario_copy(recipient=leverkusen, name="Frisch", slug="frisch", actor=actor)
    cut_block(scenario=fresh, block=2, n_positions=5, effective=CUT_FROM, actor=actor)
    for year in (2025, 2026, 2027):
        assert figures(leverkusen, scenario, year) == figures(leverkusen, fresh, year), year
    # One copy of each real position, none of the old rows left.
    assert (
        Position.objects.filter(scenario=scenario).count()
        == Position.objects.filter(recipient=leverkusen, scenario=None).count()
    )
    assert scenario.steps.count() == 1


def test_a_step_that_cannot_be_replayed_is_reported_and_changes_nothing(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Behalten", slug="behalten", actor=actor)
    keep = list(
        Position.objects.filter(scenario=scenario, block__number=2, employer=leverkusen).order_by(
            "title"
        )
    )
    assert [p.title for p in keep] == [
        "Casemanagement Fachbereich Soziales",
        "Casemanagement KI 1",
        "Casemanagement KI 2",
        "Casemanagement KI 3",
    ]
    keep = keep[1:]  # the three at the KI (the Fachbereich's ended in 2022)
    cut_block(scenario=scenario, block=2, n_positions=3, keep=keep, effective=CUT_FROM, actor=actor)
    change_rate(
        scenario=scenario,
        block=BuildingBlock.objects.get(number=2),
        kind="case_management",
        amount=D("60000.00"),
        valid_from=date(2026, 1, 1),
        actor=actor,
    )
    # The plan loses "Casemanagement KI 2": the cut that keeps it cannot be replayed.
    position_delete(
        position=Position.objects.get(
            recipient=leverkusen, scenario=None, title="Casemanagement KI 2"
        ),
        actor=actor,
    )

    result = scenario_rebase(scenario=scenario, actor=actor)

    ((failed, reason),) = result.failed
    assert failed.kind == ScenarioStepKind.CUT_BLOCK
    assert reason == "Die Stelle „Casemanagement KI 2“ gibt es im aktuellen Plan nicht mehr."
    assert [s.kind for s in result.replayed] == [ScenarioStepKind.CHANGE_RATE]
    # Nothing of the cut is left: every carrier position runs on, as in a fresh copy with
    # only the rate changed.
    assert not Position.objects.filter(scenario=scenario, end_date=date(2025, 12, 31)).exists()
    fresh = scenario_copy(recipient=leverkusen, name="Frisch", slug="frisch", actor=actor)
    change_rate(
        scenario=fresh,
        block=BuildingBlock.objects.get(number=2),
        kind="case_management",
        amount=D("60000.00"),
        valid_from=date(2026, 1, 1),
        actor=actor,
    )
    assert figures(leverkusen, scenario) == figures(leverkusen, fresh)
    # The failed step left the scenario's steps; its history keeps it.
    assert list(scenario.steps.values_list("kind", flat=True)) == [ScenarioStepKind.CHANGE_RATE]
    assert ScenarioStep.history.filter(
        scenario_id=scenario.pk, kind=ScenarioStepKind.CUT_BLOCK, history_type="-"
    ).exists()


def test_rebase_lists_the_hand_edits_it_does_not_replay(leverkusen, actor):
    scenario = scenario_copy(recipient=leverkusen, name="Hand", slug="hand", actor=actor)
    cost = PositionCost.objects.get(
        position__scenario=scenario, position__title="Assistenz KIM", year=YEAR
    )
    cost.employer_gross = D("1.00")
    cost._history_user = actor
    cost.save()

    result = scenario_rebase(scenario=scenario, actor=actor)

    assert [(e.row, e.action) for e in result.hand_edits] == [
        ("„Assistenz KIM“ 2026 (Plan): 1,00\u00a0€ Arbeitgeberbrutto", "geändert")
    ]
    # Not replayed: the scenario equals the plan again.
    assert figures(leverkusen, scenario) == figures(leverkusen, None)
    assert scenario_hand_edits(scenario) == []


def test_a_copy_of_a_scenario_carries_its_steps_and_base(leverkusen, actor):
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    copy = scenario_copy(
        recipient=leverkusen, name="Kopie von 4", slug="kopie-4", source=four, actor=actor
    )
    assert copy.copied_at == four.copied_at
    assert list(copy.steps.values_list("order", "kind", "parameters")) == list(
        four.steps.values_list("order", "kind", "parameters")
    )
    result = scenario_rebase(scenario=copy, actor=actor)
    assert result.failed == ()
    assert figures(leverkusen, copy, 2025) == figures(leverkusen, four, 2025)


def test_a_stale_version_is_refused(leverkusen, actor):
    from kim_admin.versioning import VersionConflict

    scenario = Scenario.objects.get(recipient=leverkusen, slug="szenario-1")
    with pytest.raises(VersionConflict):
        scenario_rebase(scenario=scenario, actor=actor, expected_version=scenario.version + 5)


# --- pages ------------------------------------------------------------------------------------


def test_the_scenario_page_shows_steps_and_links_the_plan_changes(leverkusen, client, login_as):
    login_as("coordinator", leverkusen)
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    url = f"/foerderung/szenarien/{four.pk}/"
    page = client.get(url).content.decode()
    assert "Schritte des Szenarios" in page
    assert "Baustein 2 ab 01.01.2025 auf 5 Stellen gekürzt" in page
    assert "Aus aktuellem Plan neu aufsetzen" in page

    halve_from_july(
        Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    )
    page = client.get(url).content.decode()
    changes_url = f"/foerderung/szenarien/{four.pk}/planaenderungen/"
    assert f'<a href="{changes_url}">2 Änderungen</a>' in page
    changes = client.get(changes_url)
    assert changes.status_code == 200
    text = changes.content.decode()
    assert "„Koordination KIM 1“: 01.07.2026 – offen, 0,5 VZ" in text
    assert "„Koordination KIM 1“: 01.10.2021 – 30.06.2026, 1 VZ" in text


def test_rebase_in_the_browser_confirms_then_shows_the_result(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    halve_from_july(
        Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    )
    url = f"/foerderung/szenarien/{four.pk}/neu-aufsetzen/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "seit der Kopie 2 Änderungen" in text
    assert "Neu aufsetzen" in text

    result = client.post(url, {"version": four.version})
    assert result.status_code == 200
    text = result.content.decode()
    assert "Wiederholt (1)" in text
    assert "Baustein 2 ab 01.01.2025 auf 5 Stellen gekürzt" in text
    assert "Nicht wiederholbar (0)" in text
    four.refresh_from_db()
    assert plan_changes_since_copy(four) == 0
    assert (
        "Plan seit der Kopie geändert"
        not in client.get(f"/foerderung/szenarien/{four.pk}/").content.decode()
    )


def test_a_stale_confirmation_answers_409(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    response = client.post(
        f"/foerderung/szenarien/{four.pk}/neu-aufsetzen/", {"version": four.version - 1}
    )
    assert response.status_code == 409
    assert "nicht neu aufgesetzt" in response.content.decode()
    assert four.steps.count() == 1


@pytest.mark.parametrize("role", ["council", "carrier", "town"])
def test_rebase_is_for_the_planning_roles_only(leverkusen, client, login_as, role):
    organisation = {
        "council": leverkusen,
        "carrier": Organisation.objects.get(slug="caritas-leverkusen"),
        "town": Organisation.objects.get(slug="voerde"),
    }[role]
    login_as(role, organisation)
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    # The rebase needs the planning roles' permission to change scenarios (refused, 403); the
    # plan's changes are a page of the scenario, which is not there for them at all (404).
    for path, refused in (
        (f"/foerderung/szenarien/{four.pk}/neu-aufsetzen/", 403),
        (f"/foerderung/szenarien/{four.pk}/planaenderungen/", 404),
    ):
        assert client.get(path).status_code == refused
        assert client.post(path, {"version": four.version}).status_code == refused
    assert not ScenarioStep.objects.restrict(login_as(role, organisation), VIEW).exists()
    four.refresh_from_db()
    assert four.steps.count() == 1


def test_another_recipients_scenario_answers_404(leverkusen, client, login_as):
    login_as("finance", Organisation.objects.get(slug="kreis-wesel"))
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    version = four.version
    assert client.get(f"/foerderung/szenarien/{four.pk}/neu-aufsetzen/").status_code == 404
    response = client.post(f"/foerderung/szenarien/{four.pk}/neu-aufsetzen/", {"version": 1})
    assert response.status_code == 404
    assert client.get(f"/foerderung/szenarien/{four.pk}/planaenderungen/").status_code == 404
    four.refresh_from_db()
    assert four.version == version


def _changes_page_queries(client, scenario) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/foerderung/szenarien/{scenario.pk}/planaenderungen/")
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_plan_changes_page_queries_do_not_grow_with_the_changes(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    scenario = Scenario.objects.get(recipient=leverkusen, slug="szenario-1")
    cost = PositionCost.objects.filter(position__recipient=leverkusen, position__scenario=None)[0]
    PositionCost.history.bulk_history_create([cost] * 10)
    ten = _changes_page_queries(client, scenario)
    PositionCost.history.bulk_history_create([cost] * 990)
    assert plan_changes_since_copy(scenario) == 1000
    assert _changes_page_queries(client, scenario) == ten


def _detail_queries(client, scenario) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/foerderung/szenarien/{scenario.pk}/").status_code == 200
    return len(ctx.captured_queries)


def test_the_scenario_page_queries_do_not_grow_with_hand_edits(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    scenario = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    position = Position.objects.filter(scenario=scenario)[0]
    Position.history.bulk_history_create([position] * 10)
    ten = _detail_queries(client, scenario)
    Position.history.bulk_history_create([position] * 990)
    assert len(scenario_hand_edits(scenario)) == 500  # the newest shown
    assert _detail_queries(client, scenario) == ten


# --- API --------------------------------------------------------------------------------------


def test_the_api_rebases_through_the_same_service(leverkusen):
    api = token_client(f.UserFactory(role="coordinator", organisation=leverkusen))
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    halve_from_july(
        Position.objects.get(recipient=leverkusen, scenario=None, title="Koordination KIM 1")
    )
    response = api.post(f"/api/scenarios/{four.pk}/rebase/", {}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["id"] == four.pk
    assert response.data["slug"] == "szenario-4"
    assert response.data["replayed"] == [
        {
            "order": 1,
            "kind": "cut_block",
            "description": "Baustein 2 ab 01.01.2025 auf 5 Stellen gekürzt",
        }
    ]
    assert response.data["failed"] == []
    assert response["ETag"]
    four.refresh_from_db()
    assert plan_changes_since_copy(four) == 0
    # The scenario's read shows the plan's new state.
    read = api.get(f"/api/scenarios/{four.pk}/")
    assert read.data["copied_at"] == response.data["copied_at"]
    assert read.data["copied_at"] is not None
    # A stale If-Match: 412, nothing done.
    stale = api.post(
        f"/api/scenarios/{four.pk}/rebase/", {}, format="json", HTTP_IF_MATCH='"x-1-v1"'
    )
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("role", "slug"),
    [("finance", "kreis-wesel"), ("council", "leverkusen"), ("carrier", "caritas-leverkusen")],
)
def test_the_api_refuses_others(leverkusen, role, slug):
    # Another recipient's finance: not in its scope (404); council and carriers may not see
    # scenarios at all (403).
    expected = 404 if role == "finance" else 403
    api = token_client(f.UserFactory(role=role, organisation=Organisation.objects.get(slug=slug)))
    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    version = four.version
    response = api.post(f"/api/scenarios/{four.pk}/rebase/", {}, format="json")
    assert response.status_code == expected
    four.refresh_from_db()
    assert four.version == version


def test_projections_on_the_scenario_still_point_at_it_and_its_positions(leverkusen, actor):
    from funding.models import Projection, ProjectionPositionChange

    four = Scenario.objects.get(recipient=leverkusen, slug="szenario-4")
    ki_1 = Position.objects.get(scenario=four, title="Casemanagement KI 1")
    projection = Projection.objects.create(
        recipient=leverkusen,
        scenario=four,
        name="Vier fortgeschrieben",
        base_year=2026,
        last_year=2028,
    )
    change = ProjectionPositionChange.objects.create(
        projection=projection, action="end", position=ki_1, on=date(2027, 12, 31)
    )

    scenario_rebase(scenario=four, actor=actor)

    change.refresh_from_db()
    projection.refresh_from_db()
    assert projection.scenario_id == four.pk
    # The new copy of the same real position, not the deleted old one.
    assert change.position_id != ki_1.pk
    assert change.position.scenario_id == four.pk
    assert change.position.origin_id == ki_1.origin_id
    assert not Position.objects.filter(pk=ki_1.pk).exists()


def test_the_result_page_names_a_step_that_could_not_be_replayed(leverkusen, client, login_as):
    user = login_as("coordinator", leverkusen)
    scenario = scenario_copy(recipient=leverkusen, name="Eigene", slug="eigene", actor=user)
    keep = Position.objects.filter(
        scenario=scenario, title__in=["Casemanagement KI 1", "Casemanagement KI 3"]
    )
    cut_block(scenario=scenario, block=2, n_positions=2, keep=keep, effective=CUT_FROM, actor=user)
    position_delete(
        position=Position.objects.get(
            recipient=leverkusen, scenario=None, title="Casemanagement KI 3"
        ),
        actor=user,
    )
    response = client.post(
        f"/foerderung/szenarien/{scenario.pk}/neu-aufsetzen/", {"version": scenario.version}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Wiederholt (0)" in text
    assert "Nicht wiederholbar (1)" in text
    assert (
        "Schritt 1: Baustein 2 ab 01.01.2026 auf 2 Stellen gekürzt (behalten: "
        "„Casemanagement KI 1“, „Casemanagement KI 3“) – <strong>Die Stelle "
        "„Casemanagement KI 3“ gibt es im aktuellen Plan nicht mehr.</strong>"
    ) in text
