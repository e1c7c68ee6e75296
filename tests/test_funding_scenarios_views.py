"""The scenario pages: list, copy, a scenario with its quick changes, delete, the comparison;
each against the roles, with German messages and pinned query counts."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import Organisation
from funding.models import Scenario
from staffing.models import Position
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = "/foerderung/szenarien/"
NEW = "/foerderung/szenarien/neu/"
COMPARE = "/foerderung/szenarien/vergleich/"
NBSP = "\u00a0"


def scenario(slug, recipient="leverkusen"):
    return Scenario.objects.get(recipient__slug=recipient, slug=slug)


def test_list_shows_the_demo_scenarios_to_finance_not_the_council(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    page = client.get(LIST).content.decode()
    assert "Szenario 4: Baustein 2 auf fünf Stellen" in page
    assert "voerde-eigene-stelle" not in page  # another recipient's
    # The scenarios are the administration's negotiating positions (seed 000): the council
    # reads the comparison when it is published as a report, not the working copies.
    login_as("council", leverkusen)
    response = client.get(LIST)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Szenario 4: Baustein 2 auf fünf Stellen" not in page
    assert "Neues Szenario" not in page


@pytest.mark.parametrize("role", ["carrier", "town"])
def test_carriers_and_towns_see_no_scenarios(demo_data, client, login_as, role):
    org = Organisation.objects.get(
        slug="caritas-leverkusen" if role == "carrier" else "hueckeswagen"
    )
    login_as(role, org)
    response = client.get(LIST)
    # Scenarios are the administration's working copies: no list at all, a German refusal.
    assert response.status_code == 403
    assert "Szenario 1" not in response.content.decode()
    assert "fehlt Ihnen die Berechtigung" in response.content.decode()
    pk = scenario("szenario-1").pk
    assert client.get(f"/foerderung/szenarien/{pk}/").status_code == 404


def test_finance_copies_the_baseline_and_moves_carrier_positions(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    response = client.post(
        NEW, {"name": "Alles zur Stadt", "slug": "alles-zur-stadt", "source": ""}
    )
    assert response.status_code == 302
    created = scenario("alles-zur-stadt")
    assert response["Location"] == f"/foerderung/szenarien/{created.pk}/"
    response = client.post(f"/foerderung/szenarien/{created.pk}/verlagern/?year=2025", {})
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True).content.decode()
    assert "6 Stelle(n) zur Stadt verlagert" in page
    assert not Position.objects.filter(scenario=created, employer__kind="carrier").exists()
    # The real plan is untouched.
    assert (
        Position.objects.filter(
            scenario__isnull=True, recipient=leverkusen, employer__kind="carrier"
        ).count()
        == 6
    )
    compare = client.get(COMPARE, {"scenarios": "alles-zur-stadt", "years": "2025"})
    text = compare.content.decode()
    assert compare.status_code == 200
    # 2025: the city saves 61,627.20 (carrier forecasts against the city's own cost).
    assert f"+61.627,20{NBSP}€" in text


def test_a_duplicate_slug_is_refused_in_german_and_nothing_saved(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    before = Scenario.objects.count()
    response = client.post(NEW, {"name": "Doppelt", "slug": "szenario-1", "source": ""})
    assert response.status_code == 400
    assert "Dieses Kürzel ist beim Empfänger schon vergeben." in response.content.decode()
    assert Scenario.objects.count() == before


def test_quick_change_with_bad_input_shows_the_message(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    pk = scenario("szenario-1").pk
    response = client.post(f"/foerderung/szenarien/{pk}/mehrkosten/", {"mehrkosten-carrier": ""})
    assert response.status_code == 400
    assert (
        "Bitte entweder einen Prozentsatz oder einen Betrag angeben." in response.content.decode()
    )
    response = client.post(
        f"/foerderung/szenarien/{pk}/kuerzen/",
        {"kuerzen-block": "2", "kuerzen-n_positions": "12", "kuerzen-effective": "01.01.2025"},
    )
    assert response.status_code == 400
    assert "nichts zu kürzen" in response.content.decode()


def test_a_cut_below_the_rules_saves_and_warns(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    pk = scenario("szenario-1").pk
    response = client.post(
        f"/foerderung/szenarien/{pk}/kuerzen/?year=2025",
        {"kuerzen-block": "2", "kuerzen-n_positions": "2", "kuerzen-effective": "01.01.2025"},
        follow=True,
    )
    text = response.content.decode()
    assert "auf 2 Stellen gekürzt" in text
    assert "mindestens ein Drittel gefordert" in text
    assert "weniger als 50 %" in text


def test_lower_extra_cost_in_german_percent(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    pk = scenario("szenario-1").pk
    response = client.post(
        f"/foerderung/szenarien/{pk}/mehrkosten/", {"mehrkosten-percent": "12,5"}
    )
    assert response.status_code == 302
    agreements = scenario("szenario-1").forwarding_agreements.all()
    assert {a.coverage_percent for a in agreements} == {D("87.5")}


def test_council_cannot_change_or_delete(leverkusen, client, login_as):
    login_as("council", leverkusen)
    pk = scenario("szenario-1").pk
    assert client.post(f"/foerderung/szenarien/{pk}/verlagern/", {}).status_code == 403
    assert client.post(f"/foerderung/szenarien/{pk}/loeschen/").status_code == 403
    assert client.post(NEW, {"name": "x", "slug": "x"}).status_code == 403


def test_delete_asks_then_deletes(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    target = scenario("szenario-3")
    url = f"/foerderung/szenarien/{target.pk}/loeschen/"
    assert "Endgültig löschen" in client.get(url).content.decode()
    response = client.post(url, {"version": target.version})
    assert response.status_code == 302
    assert not Scenario.objects.filter(pk=target.pk).exists()


def test_compare_page_shows_all_four_with_differences(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    response = client.get(
        COMPARE,
        {
            "scenarios": ["szenario-1", "szenario-2", "szenario-3", "szenario-4"],
            "years": "2025-2028",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    for year in ("2025", "2026", "2027", "2028", "Gesamt 2025–2028"):
        assert f">{year}</h2>" in text or year in text
    # Scenario 4 saves the most: first in the ranking.
    ranking = text[text.index('class="ranking"') :]
    assert ranking.index("Szenario 4") < ranking.index("Szenario 2") < ranking.index("Szenario 1")


def test_compare_refuses_more_than_four_and_foreign_scenarios(leverkusen, client, login_as):
    login_as("finance", leverkusen)
    Scenario.objects.create(recipient=leverkusen, name="Fünf", slug="fuenf")
    response = client.get(
        COMPARE,
        {
            "scenarios": ["szenario-1", "szenario-2", "szenario-3", "szenario-4", "fuenf"],
            "years": "2025",
        },
    )
    assert response.status_code == 400
    assert "Bitte höchstens 4 Szenarien vergleichen (gewählt: 5)." in response.content.decode()
    response = client.get(COMPARE, {"scenarios": "voerde-eigene-stelle", "years": "2025"})
    assert response.status_code == 400
    assert (
        "keine gültige Wahl" in response.content.decode() or "Auswahl" in response.content.decode()
    )
    response = client.get(COMPARE, {"years": "2028-2025"})
    assert response.status_code == 400
    assert "aufsteigender Folge" in response.content.decode()


def test_voerde_comparison_on_the_compare_page(demo_data, client, login_as):
    login_as("admin", None)
    response = client.get(
        COMPARE,
        {
            "recipient": "kreis-wesel",
            "scenarios": "voerde-eigene-stelle",
            "years": "2022",
            "bearer": "voerde",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Einsparung für Stadt Voerde" in text or "Einsparung für Voerde" in text
    assert f"5.941,25{NBSP}€" in text
    assert f"23.414,46{NBSP}€" in text
    assert f"−17.473,21{NBSP}€" in text


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(LIST).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows(client, login_as):
    city = f.OrganisationFactory()
    login_as("finance", city)
    f.ScenarioFactory.create_batch(10, recipient=city)
    ten = _list_queries(client)
    Scenario.objects.bulk_create(
        [Scenario(recipient=city, name=f"S {i}", slug=f"bulk-{i}") for i in range(990)]
    )
    assert _list_queries(client) == ten


@pytest.mark.history
def test_the_scenario_page_says_how_often_the_plan_changed_since_the_copy(
    leverkusen, client, login_as
):
    # Issue 14: "Szenario 1: heutiges Modell" no longer equals the plan once the plan changes.
    login_as("finance", leverkusen)
    copy = scenario("szenario-1")
    url = f"/foerderung/szenarien/{copy.pk}/"
    assert "Plan seit der Kopie geändert" not in client.get(url).content.decode()

    plan_position = Position.objects.filter(recipient=leverkusen, scenario=None).first()
    cost = plan_position.costs.get(year=2026, status="planned")
    cost.employer_gross += D("1000.00")
    cost.save()
    f.OccupancyFactory(position=f.PositionFactory(recipient=leverkusen, scenario=None))
    # Changes inside the scenario are not changes of the plan.
    copied = Position.objects.filter(scenario=copy).first()
    copied.title = "Umbenannt im Szenario"
    copied.save()

    page = client.get(url).content.decode()
    # One cost row changed, one position and its occupancy added: 3 changes.
    assert "Plan seit der Kopie geändert:" in page
    assert ">3 Änderungen</a>" in page

    # The comparison says so too, and the comparison report's data state names it.
    compare_page = client.get(COMPARE, {"scenarios": "szenario-1"}).content.decode()
    assert "„Szenario 1: heutiges Modell“: Plan seit der Kopie geändert:" in compare_page
    from funding.scenarios.selectors import stale_notes

    assert stale_notes([copy]) == [
        "„Szenario 1: heutiges Modell“: Plan seit der Kopie geändert: 3 Änderung(en)."
    ]
