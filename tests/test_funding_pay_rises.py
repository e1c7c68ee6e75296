"""The programme's pay rises (TVöD) as data: the migration's rows, the read-only page and API,
the admin as the one place that edits them, with history."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from funding.models import PayRise
from tests.api_helpers import token_client
from tests.factories import CarrierFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/foerderung/tariferhoehungen/"


def test_the_migration_holds_the_tvoed_rises_known_today():
    # DOMAIN (public sources): +3.0 % from 01.04.2025, +2.8 % from 01.05.2026.
    assert list(PayRise.objects.values_list("effective_from", "percent")) == [
        (date(2025, 4, 1), D("3.000")),
        (date(2026, 5, 1), D("2.800")),
    ]


@pytest.mark.parametrize("role", ["finance", "coordinator", "council", "carrier", "admin"])
def test_the_page_is_read_only_for_everybody(client, login_as, city, role):
    organisation = {"admin": None, "carrier": CarrierFactory()}.get(role, city)
    login_as(role, organisation)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "01.04.2025" in html and "01.05.2026" in html
    assert "2,800" in html or "2,8" in html
    assert "Neu anlegen" not in html
    assert ("In der Verwaltung bearbeiten" in html) == (role == "admin")


@pytest.mark.parametrize("n", [10, 1000])
def test_page_query_count_is_constant(client, login_as, city, n, django_assert_num_queries):
    login_as("council", city)
    PayRise.objects.bulk_create(
        PayRise(effective_from=date(2030 + i // 12, i % 12 + 1, 1), percent=D("1.0"))
        for i in range(n)
    )
    # session, user with its role, permissions (1), organisation (page header), count, page rows.
    with django_assert_num_queries(6):
        response = client.get(PAGE)
    assert response.status_code == 200


def test_api_lists_filters_and_refuses_writes(finance):
    api = token_client(finance)
    url = reverse("api:payrise-list")
    data = api.get(url, {"year": 2026}).json()
    assert [(r["effective_from"], r["percent"]) for r in data["results"]] == [
        ("2026-05-01", "2.800")
    ]
    response = api.post(url, {"effective_from": "2027-04-01", "percent": "2.0"}, format="json")
    assert response.status_code == 405
    assert PayRise.objects.count() == 2


@pytest.mark.parametrize("year", ["10000", "99999999999999999999", "2026.5", "-1"])
def test_a_year_outside_the_plan_is_refused_in_german_not_a_server_error(finance, year):
    # Schemathesis found these as a 500 (a year beyond Python's dates, a float overflow).
    response = token_client(finance).get(reverse("api:payrise-list"), {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()


@pytest.mark.parametrize("n", [10, 1000])
def test_api_query_count_is_constant(n, django_assert_num_queries):
    PayRise.objects.bulk_create(
        PayRise(effective_from=date(2030 + i // 12, i % 12 + 1, 1), percent=D("1.0"))
        for i in range(n)
    )
    client = token_client(UserFactory(role="admin"))
    # token + user, count, page.
    with django_assert_num_queries(3):
        response = client.get(reverse("api:payrise-list"), {"limit": 1000})
    assert response.data["count"] == n + 2


def test_an_admin_adds_a_rise_in_the_admin_and_the_history_names_him(client):
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:funding_payrise_add"),
        {"effective_from": "01.03.2027", "percent": "2,5", "note": "Tarifeinigung 2027"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rise = PayRise.objects.get(effective_from=date(2027, 3, 1))
    assert rise.percent == D("2.5")
    assert rise.history.get().history_user == admin_user


def test_the_admin_refuses_a_second_rise_on_the_same_day_in_german(client):
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:funding_payrise_add"),
        {"effective_from": "01.05.2026", "percent": "1,0"},
    )
    assert response.status_code == 200
    assert "Wirksam ab" in response.content.decode()
    assert PayRise.objects.count() == 2


def test_only_admins_may_change_them(finance):
    assert not PayRise.objects.restrict(finance, "change").exists()
