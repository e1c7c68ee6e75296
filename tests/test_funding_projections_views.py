"""Projections in the browser's pages and against the seed data: Kreis Coesfeld without the
state's funding (seed 003: the towns then carry the cost in equal shares), creating one with
its rows, bad input next to its field with nothing saved, scope and query counts."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import Projection, ProjectionPayRise
from tests import generic
from tests.factories import (
    OrganisationFactory,
    PositionFactory,
    ProjectionFactory,
)

LIST = "/foerderung/fortschreibungen/"
NEW = "/foerderung/fortschreibungen/neu/"
CENT = D("0.01")


def form_data(recipient=None, **overrides):
    """The projection form as a browser posts it: the projection and empty row formsets."""
    data = {
        "recipient": str(recipient.pk) if recipient else "",
        "name": "Tarif bis 2028",
        "base_year": "2024",
        "last_year": "2028",
        "programme_end_year": "",
        "notes": "",
        "scenario": "",
    }
    for prefix in ("pay_rises", "rate_changes", "position_changes"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data.update(overrides)
    return data


def pay_rise_rows(*rows):
    data = {"pay_rises-TOTAL_FORMS": str(len(rows))}
    for i, (day, percent) in enumerate(rows):
        data |= {f"pay_rises-{i}-effective_from": day, f"pay_rises-{i}-percent": percent}
    return data


# --- The generic pages (tests.generic) ----------------------------------------------------


class TestProjectionPages(generic.ObjectPages):
    model = Projection

    def make(self, recipient):
        return ProjectionFactory(recipient=recipient)

    def form_data(self, recipient):
        return form_data(recipient)

    created = {"name": "Tarif bis 2028", "base_year": 2024, "last_year": 2028}
    edit_changes = {"name": "Tarif bis 2027", "last_year": "2027"}
    changed = {"name": "Tarif bis 2027", "base_year": 2024, "last_year": 2027}
    # The factory's projection runs to 2026.
    history_shows = "2026 → 2027"


# --- Creating one -------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_with_pay_rises_records_who(client, city, finance):
    client.force_login(finance)
    response = client.post(
        NEW, form_data(city, **pay_rise_rows(("01.04.2025", "3,0"), ("01.05.2026", "2,8")))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    projection = Projection.objects.get()
    assert projection.recipient == city
    rises = list(projection.pay_rises.order_by("effective_from"))
    assert [(r.effective_from, r.percent) for r in rises] == [
        (date(2025, 4, 1), D("3.000")),
        (date(2026, 5, 1), D("2.800")),
    ]
    assert projection.history.first().history_user == finance
    assert rises[0].history.first().history_user == finance


@pytest.mark.django_db
def test_editing_a_row_changes_it_through_the_service_and_its_history_says_so(
    client, city, finance
):
    """The page saves through projection_services.projection_save, like the API; a row the
    page shows again is changed in place (same row, a change in its history), not replaced."""
    client.force_login(finance)
    client.post(NEW, form_data(city, **pay_rise_rows(("01.04.2025", "3,0"))))
    projection = Projection.objects.get()
    rise = projection.pay_rises.get()
    edit = form_data(
        city,
        version=str(projection.version),
        **{
            "pay_rises-TOTAL_FORMS": "1",
            "pay_rises-INITIAL_FORMS": "1",
            "pay_rises-0-id": str(rise.pk),
            "pay_rises-0-projection": str(projection.pk),
            "pay_rises-0-effective_from": "01.04.2025",
            "pay_rises-0-percent": "3,5",
        },
    )

    response = client.post(f"{LIST}{projection.pk}/bearbeiten/", edit)

    assert response.status_code == 302, response.content.decode()[:3000]
    changed = ProjectionPayRise.objects.get()
    assert (changed.pk, changed.percent) == (rise.pk, D("3.500"))
    assert [h.history_type for h in changed.history.order_by("history_id")] == ["+", "~"]
    assert changed.history.first().history_user == finance


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            pay_rise_rows(("01.04.2025", "-150")),
            "pay_rises-0-percent",
            "Eine Tarifänderung unter −100 % ist nicht möglich",
        ),
        ({"last_year": "2022"}, "last_year", "muss nach dem Ausgangsjahr (2024) liegen"),
        ({"programme_end_year": "2030"}, "programme_end_year", "Das Ende der Förderung"),
        ({"last_year": "2050"}, "last_year", "höchstens 20 Jahre"),
    ],
)
def test_bad_input_is_named_at_its_field_and_nothing_is_saved(
    client, city, finance, overrides, field, message
):
    client.force_login(finance)
    response = client.post(NEW, form_data(city, **overrides))
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    # The message sits in the field's own block.
    block = text.split(f'name="{field}"')[1]
    block = block.split('<div class="field"')[0].split('<div class="field ')[0]
    assert "field__error" in block and message in block
    assert not Projection.objects.exists()
    assert not ProjectionPayRise.objects.exists()


@pytest.mark.django_db
def test_position_change_must_belong_to_the_plan(client, city, finance):
    client.force_login(finance)
    other = OrganisationFactory(slug="andere-stadt")
    foreign = PositionFactory(recipient=other, employer=other)
    own = PositionFactory(recipient=city, employer=city)
    rows = {
        "position_changes-TOTAL_FORMS": "1",
        "position_changes-0-action": "end",
        "position_changes-0-position": str(foreign.pk),
        "position_changes-0-on": "30.06.2026",
    }
    response = client.post(NEW, form_data(city, **rows))
    assert response.status_code == 200
    assert not Projection.objects.exists()
    rows["position_changes-0-position"] = str(own.pk)
    rows["position_changes-0-on"] = "30.06.2024"  # in the base year
    response = client.post(NEW, form_data(city, **rows))
    assert "Das Datum muss nach dem Ausgangsjahr 2024 liegen." in response.content.decode()
    assert not Projection.objects.exists()
    rows["position_changes-0-on"] = "30.06.2026"
    assert client.post(NEW, form_data(city, **rows)).status_code == 302
    assert Projection.objects.get().position_changes.get().position == own


# --- Scope: TestProjectionPages (another recipient's projection answers 404; carriers, towns
# and the council may not edit one, 403) -------------------------------------------------


@pytest.mark.django_db
def test_list_page_query_count_does_not_grow(client, city, finance):
    client.force_login(finance)

    def count(n):
        Projection.objects.all().delete()
        Projection.objects.bulk_create(
            Projection(recipient=city, name=f"F {i}", base_year=2024, last_year=2027)
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST + "?per_page=1000")
        assert response.status_code == 200
        return len(queries)

    assert count(10) == count(120)
