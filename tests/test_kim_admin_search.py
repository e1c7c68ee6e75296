"""Umlaut-insensitive search (issue 16): ä/ae, ö/oe, ü/ue, ß/ss and upper/lower case are the
same to whoever searches, in every search field (kim_admin.filters.SearchFilter), on the
database the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL)."""

import re

import pytest

from kim_admin.filters import fold_text
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostForecastFactory,
    CountyFactory,
    PositionFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_fold_text_writes_out_umlauts_and_sharp_s():
    assert fold_text("Ausländerbehörde Übergabe Straße GROẞ") == (
        "auslaenderbehoerde uebergabe strasse gross"
    )


@pytest.fixture
def positions(city):
    block = BuildingBlockFactory(number=2)
    titles = [
        "Ausländerbehörde Sachbearbeitung",
        "Einbürgerungsbehörde",
        "Straßensozialarbeit",
        "Casemanagement KI 1",
    ]
    for title in titles:
        PositionFactory(recipient=city, block=block, title=title)
    # Written out in the data, searched with umlauts: found as well.
    PositionFactory(recipient=city, block=block, title="Quartiersbuero Nord", department="KI")


def found(client, url, field="title", **query) -> list[str]:
    response = client.get(url, query)
    assert response.status_code == 200
    return sorted(getattr(row.record, field) for row in response.context["table"].rows)


@pytest.mark.parametrize(
    "query, titles",
    [
        ("auslaenderbehoerde", ["Ausländerbehörde Sachbearbeitung"]),
        ("AUSLÄNDERBEHÖRDE", ["Ausländerbehörde Sachbearbeitung"]),
        ("Ausländerbehörde", ["Ausländerbehörde Sachbearbeitung"]),
        ("einbuergerung", ["Einbürgerungsbehörde"]),
        ("behoerde", ["Ausländerbehörde Sachbearbeitung", "Einbürgerungsbehörde"]),
        ("strassen", ["Straßensozialarbeit"]),
        ("STRASSE", ["Straßensozialarbeit"]),
        ("quartiersbüro", ["Quartiersbuero Nord"]),
        # Every word must occur: in the title or the organisational unit.
        ("behörde sachbearbeitung", ["Ausländerbehörde Sachbearbeitung"]),
        ("quartier ki", ["Quartiersbuero Nord"]),
        ("behörde ki", []),
    ],
)
def test_position_search_ignores_umlaut_spelling_and_case(
    client, finance, positions, query, titles
):
    client.force_login(finance)
    assert found(client, "/stellen/", q=query) == titles


def test_organisation_search(client, city):
    county = CountyFactory(name="Oberbergischer Kreis", slug="oberberg")
    TownFactory(name="Schloss-Stadt Hückeswagen", slug="hueckeswagen", parent=county)
    TownFactory(name="Gummersbach", slug="gummersbach", parent=county)
    client.force_login(UserFactory(role="admin", organisation=city))
    assert found(client, "/traeger/organisationen/", field="name", q="hückeswagen") == [
        "Schloss-Stadt Hückeswagen"
    ]
    assert found(client, "/traeger/organisationen/", field="name", q="Hueckes") == [
        "Schloss-Stadt Hückeswagen"
    ]


def test_forecast_search_in_the_api_as_on_the_page(client, city):
    carrier = CarrierFactory(name="Caritasverband", works_for=[city])
    CostForecastFactory(recipient=city, carrier=carrier, title="Prognose Maßnahmen Süd")
    CostForecastFactory(recipient=city, carrier=carrier, title="Prognose Nord", year=2026)
    client.force_login(UserFactory(role="finance", organisation=city))
    assert found(client, "/traeger/prognosen/", q="massnahmen sued") == ["Prognose Maßnahmen Süd"]
    response = client.get("/api/forecasts/", {"q": "MASSNAHMEN"})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [row["title"] for row in rows] == ["Prognose Maßnahmen Süd"]


# --- /suche/: one search over the areas, scoped ----------------------------------------------


def test_the_search_page_finds_across_areas_within_the_users_scope(client, city, other_city):
    block = BuildingBlockFactory(number=2)
    PositionFactory(recipient=city, block=block, title="Ausländerbehörde Sachbearbeitung")
    PositionFactory(recipient=other_city, block=block, title="Ausländerbehörde Köln")
    # A scenario's copy of the position: not a second hit.
    PositionFactory(
        recipient=city,
        block=block,
        title="Ausländerbehörde Sachbearbeitung",
        scenario=ScenarioFactory(recipient=city),
    )
    carrier = CarrierFactory(name="Caritas Ausländerberatung", slug="caritas-ab", works_for=[city])
    CostForecastFactory(recipient=city, carrier=carrier, title="Prognose Ausländerberatung")
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.get("/suche/", {"q": "auslaender"})
    assert response.status_code == 200
    areas = {
        hits.area.title: [label for label, _url in hits.links]
        for hits in response.context["results"]
    }
    assert areas["Stellen"] == ["Ausländerbehörde Sachbearbeitung"]
    assert areas["Organisationen"] == ["Caritas Ausländerberatung"]
    assert [label.split(" – ")[0] for label in areas["Kostenprognosen"]] == [
        "Prognose Ausländerberatung"
    ]
    assert "Köln" not in response.content.decode()


def test_a_carrier_searches_only_what_it_may_open(client, city):
    block = BuildingBlockFactory(number=2)
    carrier = CarrierFactory(name="AWO", slug="awo", works_for=[city])
    other = CarrierFactory(name="Diakonie", slug="diakonie", works_for=[city])
    CostForecastFactory(recipient=city, carrier=carrier, title="Prognose Süd")
    CostForecastFactory(recipient=city, carrier=other, title="Prognose Süd Diakonie")
    PositionFactory(recipient=city, block=block, title="Süd Koordination")
    client.force_login(UserFactory(role="carrier", organisation=carrier))
    response = client.get("/suche/", {"q": "sued"})
    areas = {
        hits.area.title: [label for label, _url in hits.links]
        for hits in response.context["results"]
    }
    assert [label.split(" – ")[0] for label in areas["Kostenprognosen"]] == ["Prognose Süd"]
    assert "Abrechnungen" not in areas


def test_a_too_short_search_is_answered_in_german(client, finance):
    client.force_login(finance)
    response = client.get("/suche/", {"q": "ä"})
    assert response.status_code == 200
    assert "Bitte mindestens zwei Zeichen eingeben." in response.content.decode()


@pytest.mark.parametrize("n", [1, 30])
def test_search_query_count_is_the_same_for_1_and_30_hits(
    client, finance, city, n, django_assert_num_queries
):
    block = BuildingBlockFactory(number=2)
    for i in range(n):
        PositionFactory(recipient=city, block=block, title=f"Stelle Süd {i}")
    client.force_login(finance)
    # Session, user (with its role) and permissions, one query per area (five), the header: 9
    # for any number.
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/suche/", {"q": "sued"})
    assert response.status_code == 200


SEARCH_QUERIES = 9


# --- The search field in the header -----------------------------------------------------------

HEADER_FORM = re.compile(
    r'<form method="get" action="(?P<action>[^"]+)" class="site-search" role="search"'
    r'[^>]*>\s*<label for="kopf-suche"[^>]*>(?P<label>[^<]+)</label>\s*'
    r'<input type="search" name="(?P<name>[^"]+)" id="kopf-suche"'
)


def header_form(html: str) -> dict[str, str]:
    match = HEADER_FORM.search(html)
    assert match, "no labelled search field in the header"
    return match.groupdict()


@pytest.mark.parametrize("role", ["finance", "coordinator", "carrier", "town", "council", "admin"])
def test_every_role_has_the_labelled_search_field_in_the_header(client, city, role):
    organisation = {
        "carrier": lambda: CarrierFactory(name="AWO", slug="awo", works_for=[city]),
        "town": lambda: TownFactory(name="Burscheid", slug="burscheid", parent=city),
    }.get(role, lambda: city)()
    client.force_login(UserFactory(role=role, organisation=organisation))
    for url in ["/", "/suche/", "/barrierefreiheit/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        form = header_form(response.content.decode())
        assert form["action"] == "/suche/"
        assert form["name"] == "q"
        assert form["label"].startswith("Suche in Stellen")


def test_the_header_search_finds_the_auslaenderbehoerde_written_out(client, city, finance):
    PositionFactory(
        recipient=city,
        block=BuildingBlockFactory(number=2),
        title="Ausländerbehörde Sachbearbeitung",
    )
    PositionFactory(recipient=city, block=BuildingBlockFactory(number=3), title="Jobcenter")
    client.force_login(finance)
    form = header_form(client.get("/").content.decode())
    response = client.get(form["action"], {form["name"]: "auslaenderbehoerde"})
    assert response.status_code == 200
    areas = {
        hits.area.title: [label for label, _url in hits.links]
        for hits in response.context["results"]
    }
    assert areas == {"Stellen": ["Ausländerbehörde Sachbearbeitung"]}
    # The header's field keeps what was searched.
    assert (
        'id="kopf-suche" class="site-search__input" placeholder="Suchen …" maxlength="200" value="auslaenderbehoerde"'
        in response.content.decode()
    )
