"""The API's description: /api/schema/ (OpenAPI 3, drf-spectacular) and /api/docs/ (Swagger UI
from the app's own static files), in German where a user reads them, with every operation's
German error answers; and what the schema promises for hostile input (huge ids, ids outside
the user's scope) holds."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.api_helpers import token_client
from tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_schema_generates_without_a_warning_or_error(tmp_path):
    # --fail-on-warn turns every warning and error of the generator into a failure; the
    # command is the one `make lint` runs.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]
    # Every router endpoint, the overview, the token and the jobs (the three views the
    # first attempt missed are among them).
    paths = set(schema["paths"])
    assert {"/api/overview/", "/api/jobs/{id}/", "/api/carrier-actuals/"} <= paths
    assert "/api/forecast-inbox/" in paths
    assert len(operations) > 120, len(operations)
    assert schema["info"]["title"] == "KIM-Verwaltung: Schnittstelle"


@pytest.fixture
def schema(city):
    user = UserFactory(role="finance", organisation=city)
    response = token_client(user).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_every_operation_has_a_german_summary_a_tag_and_its_errors(schema):
    error_ref = "#/components/schemas/Fehler"
    assert set(schema["components"]["schemas"]["Fehler"]["properties"]) == {"detail"}
    tags = {tag["name"] for tag in schema["tags"]}
    assert "Stellen" in tags and "Kostenprognosen" in tags
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert op["tags"][0] in tags, where
            assert op.get("summary"), where
            # No English docstring leaks into what a user reads.
            assert not re.search(r"\b(the|and|with|of)\b", op.get("description", "")), where
            for code in ("403", "404", "429"):
                content = op["responses"][code]["content"]["application/json"]
                assert content["schema"]["$ref"] == error_ref, (where, code)
            if method in ("post", "put", "patch"):
                assert "400" in op["responses"], where
            if method == "delete":
                assert "409" in op["responses"], where
            if "{id}" in path and method in ("put", "patch", "delete"):
                assert "412" in op["responses"], where
    positions = schema["paths"]["/api/positions/"]["get"]
    assert positions["summary"] == "Stellen auflisten"
    assert schema["paths"]["/api/positions/{id}/"]["patch"]["summary"] == (
        "Stelle ändern (einzelne Felder)"
    )


def test_the_documentation_page_uses_only_the_apps_own_static_files(city, client):
    client.force_login(UserFactory(role="council", organisation=city))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>KIM-Verwaltung: Schnittstelle</title>" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3, assets  # style sheet, two scripts (and the icon)
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
    # No address outside the app anywhere in the page (scripts included).
    assert not re.search(r"https?://", html)
    # The page loads the schema from the app itself.
    assert '"/api/schema/"' in html


def test_schema_and_documentation_are_for_api_users_only(client):
    assert client.get("/api/schema/").status_code == 403
    assert client.get("/api/docs/").status_code == 403
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert answer["detail"].startswith("Anmeldedaten"), answer


def test_a_huge_id_in_a_filter_is_refused_not_a_server_error(city):
    client = token_client(UserFactory(role="finance", organisation=city))
    huge = "99999999999999999999"
    for path in (
        f"/api/funding-rates/?block={huge}",
        f"/api/forecast-attachments/?forecast={huge}",
        f"/api/occupancies/?position={huge}",
        f"/api/position-costs/?position={huge}",
    ):
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
        (messages,) = response.json().values()
        assert "kleiner oder gleich" in messages[0], messages
    assert client.get(f"/api/positions/{huge}/").status_code == 404


def test_an_id_outside_the_scope_answers_a_german_404(city, other_city):
    foreign = PositionFactory(recipient=other_city)
    client = token_client(UserFactory(role="finance", organisation=city))
    response = client.get(f"/api/positions/{foreign.pk}/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Diese Seite gibt es nicht, oder der Datensatz liegt außerhalb Ihres "
        "Zuständigkeitsbereichs."
    }
