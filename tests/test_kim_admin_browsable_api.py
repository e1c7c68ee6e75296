"""The browsable API in German (issue 16): DRF's templates write "Raw data", "HTML form",
"Lists are not currently supported in HTML input." and its raw form's "Media type"/"Content"
outside any translation, and its German catalogue (rest_framework/locale/de) has none of them,
so LANGUAGE_CODE = "de" with LocaleMiddleware translates only the few marked texts ("Filters",
"Extra Actions"). The app's own templates (templates/rest_framework/) and renderer
(kim_admin.rest.BrowsableAPIRenderer) carry the German words; labels DRF would make up from a
field's name ("Served towns") come from the model's verbose_name."""

from datetime import date

import pytest
from rest_framework import serializers

from staffing.api.serializers import PositionWriteSerializer
from tests.factories import BuildingBlockFactory, PositionFactory

pytestmark = pytest.mark.django_db

ENGLISH = [
    "Raw data",
    "HTML form",
    "Lists are not currently supported in HTML input",
    "Served towns",
    "Occupancies",
    "Media type",
    "Content:",
    "Django REST framework",
    ">Filters<",
    'aria-label="Close"',
    "<p>None</p>",
    'type="date"',
]


def browse(client, url):
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_the_positions_list_in_the_browser_is_german(client, finance):
    client.force_login(finance)
    html = browse(client, "/api/positions/")
    assert '<html lang="de">' in html
    for german in [
        ">Rohdaten</a>",
        ">HTML-Formular</a>",
        "Listen lassen sich hier nicht als Formular eingeben",
        "Betreute Kommunen",
        "Besetzungen",
        "Medientyp:",
        "Inhalt:",
        "Abmelden",
        'placeholder="TT.MM.JJJJ"',
    ]:
        assert german in html, german
    for english in ENGLISH:
        assert english not in html, english


def test_a_positions_form_shows_its_dates_as_the_pages_do(client, finance, city):
    position = PositionFactory(
        recipient=city, block=BuildingBlockFactory(number=2), planned_start=date(2024, 12, 16)
    )
    client.force_login(finance)
    html = browse(client, f"/api/positions/{position.pk}/")
    assert 'name="planned_start" class="form-control" type="text"' in html
    assert 'value="16.12.2024"' in html
    assert 'value="2024-12-16"' not in html
    # The JSON answer keeps ISO 8601.
    assert client.get(f"/api/positions/{position.pk}/").json()["planned_start"] == "2024-12-16"


def test_a_date_is_taken_as_typed_in_german_or_iso():
    field = serializers.DateField()
    assert field.run_validation("16.12.2024") == date(2024, 12, 16)
    assert field.run_validation("2024-12-16") == date(2024, 12, 16)
    with pytest.raises(serializers.ValidationError):
        field.run_validation("12/16/2024")


def test_labels_drf_would_make_up_in_english_come_from_the_model():
    fields = PositionWriteSerializer().fields
    assert fields["served_towns"].label == "Betreute Kommunen"
    assert fields["occupancies"].label == "Besetzungen"
    # Declared labels stay as declared.
    assert fields["recipient"].label == "Zuwendungsempfänger"
