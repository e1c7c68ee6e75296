"""The generic pages, through the funding rates: scope, permissions, German input, stale
forms, history, exports and pinned query counts."""

import itertools
from datetime import date, timedelta
from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import load_workbook

from funding.models import FundingRate
from tests import generic
from tests.factories import (
    BuildingBlockFactory,
    FundingRateFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/foerderung/saetze/"
# Rates of one recipient and kind need distinct start dates.
_days = itertools.count()


class TestFundingRatePages(generic.ObjectPages):
    """The generic pages of a recipient's own rates (tests.generic). Roles without the rates'
    permissions (council, carrier, town) get 403 on every write: PermissionPages."""

    model = FundingRate

    def make(self, recipient):
        return FundingRateFactory(
            recipient=recipient, valid_from=date(2000, 1, 1) + timedelta(days=next(_days))
        )

    def form_data(self, recipient):
        return form_data(BuildingBlockFactory(number=2), recipient)

    created = {"amount": D("58500.00"), "valid_from": date(2026, 4, 1), "capped_at_cost": True}
    edit_changes = {"amount": "59.000,00"}
    changed = {"amount": D("59000.00"), "valid_from": date(2026, 4, 1)}
    history_shows = "57.000,00 → 59.000,00"
    # 6 for the page itself (session, user with its role, permissions, count, rows, ...), +2 for
    # the filter selects (programme, block): test_list_query_count_is_constant.
    list_queries = 8


def form_data(block, city, **overrides):
    data = {
        "programme": block.programme_id,
        "block": block.id,
        "kind": "case_management",
        "amount": "58.500,00",
        "valid_from": "01.04.2026",
        "recipient": city.id,
        "capped_at_cost": "on",
    }
    data.update(overrides)
    return data


def test_finance_creates_a_rate_with_german_input(client, login_as, city):
    user = login_as("finance", city)
    block = BuildingBlockFactory(number=2)
    response = client.post(f"{LIST}neu/", form_data(block, city))
    rate = FundingRate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{rate.pk}/"
    assert (rate.amount, rate.valid_from, rate.recipient, rate.version) == (
        D("58500.00"),
        date(2026, 4, 1),
        city,
        1,
    )
    assert rate.history.get().history_user == user


def test_bad_input_is_answered_next_to_the_field_and_nothing_saved(client, login_as, city):
    login_as("finance", city)
    block = BuildingBlockFactory(number=2)
    response = client.post(
        f"{LIST}neu/", form_data(block, city, valid_from="31.02.2026", amount="-5,00")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["valid_from"] == ["Bitte ein gültiges Datum eingeben."]
    assert errors["amount"] == ["Der Betrag darf nicht negativ sein."]
    assert not FundingRate.objects.exists()


def test_finance_may_not_create_programme_wide_rates(client, login_as, city):
    login_as("finance", city)
    block = BuildingBlockFactory(number=2)
    response = client.post(f"{LIST}neu/", form_data(block, city, recipient=""))
    assert response.status_code == 200
    assert "recipient" in response.context["form"].errors
    assert not FundingRate.objects.exists()


def test_list_shows_programme_and_own_rates_only(client, login_as, city):
    login_as("finance", city)
    common = FundingRateFactory(valid_from=date(2023, 1, 1))
    own = FundingRateFactory(recipient=city, valid_from=date(2023, 1, 1))
    foreign = FundingRateFactory(recipient=OrganisationFactory(), valid_from=date(2023, 1, 1))
    response = client.get(LIST)
    shown = {row.record.pk for row in response.context["table"].rows}
    assert shown == {common.pk, own.pk}
    assert client.get(f"{LIST}{foreign.pk}/").status_code == 404
    assert client.get(f"{LIST}{foreign.pk}/bearbeiten/").status_code == 404


def test_programme_wide_rate_is_read_only_for_finance(client, login_as, city):
    login_as("finance", city)
    common = FundingRateFactory()
    assert client.get(f"{LIST}{common.pk}/").context["can_change"] is False
    assert client.get(f"{LIST}{common.pk}/bearbeiten/").status_code == 404
    assert client.post(f"{LIST}{common.pk}/loeschen/").status_code == 404
    assert FundingRate.objects.filter(pk=common.pk).exists()


def test_second_save_of_a_stale_form_is_refused(client, login_as, city):
    login_as("finance", city)
    rate = FundingRateFactory(recipient=city, amount=D("57000.00"))
    block = rate.block
    url = f"{LIST}{rate.pk}/bearbeiten/"
    # Both editors opened the form at version 1; the first saves.
    first = client.post(url, form_data(block, city, amount="58.000,00", version="1"))
    assert first.status_code == 302
    second = client.post(url, form_data(block, city, amount="59.000,00", version="1"))
    assert second.status_code == 409
    assert "Jemand anderes hat diesen Datensatz gespeichert" in second.content.decode()
    assert f"{LIST}{rate.pk}/verlauf/" in second.content.decode()
    rate.refresh_from_db()
    assert (rate.amount, rate.version) == (D("58000.00"), 2)


@pytest.mark.history
def test_history_names_who_changed_which_field(client, login_as, city):
    user = login_as("finance", city)
    user.first_name = "Frieda Finanz"
    user.save()
    rate = FundingRateFactory(recipient=city, amount=D("57000.00"))
    client.post(
        f"{LIST}{rate.pk}/bearbeiten/", form_data(rate.block, city, amount="58.000,00", version="1")
    )
    page = client.get(f"{LIST}{rate.pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page
    assert "57.000,00 → 58.000,00" in page


def test_exports_have_the_filtered_rows_with_numbers_as_numbers(client, login_as, city):
    login_as("finance", city)
    FundingRateFactory(recipient=city, amount=D("58500.00"), valid_from=date(2026, 4, 1))
    other_block = BuildingBlockFactory(number=3)
    FundingRateFactory(
        block=other_block, programme=other_block.programme, kind="immigration_office"
    )
    csv = client.get(LIST, {"block": 2, "export": "csv"})
    assert csv["Content-Disposition"].startswith('attachment; filename="fordersatze-')
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:4] == ["Art", "Baustein", "Betrag je VZ bzw. Jahr", "Gültig ab"]
    assert lines[1].split(";")[:4] == ["Casemanagement", "2", "58500,00", "01.04.2026"]
    assert len(lines) == 2

    xlsx = client.get(LIST, {"block": 2, "export": "xlsx"})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:3] == ["Art", "Baustein", "Betrag je VZ bzw. Jahr"]
    assert sheet["C2"].value == 58500
    assert sheet["C2"].number_format == "#,##0.00"
    assert sheet["D2"].value.date() == date(2026, 4, 1)
    assert sheet.max_row == 2


@pytest.mark.parametrize("n", [10, 1000])
def test_list_query_count_is_constant(client, login_as, city, n, django_assert_num_queries):
    login_as("finance", city)
    block = BuildingBlockFactory(number=2)
    FundingRate.objects.bulk_create(
        FundingRate(
            programme=block.programme,
            block=block,
            kind="case_management",
            amount=D("57000"),
            valid_from=date(2000, 1, 1) + (date(2000, 1, 2) - date(2000, 1, 1)) * i,
            recipient=city,
        )
        for i in range(n)
    )
    # 6 for the page itself (session, user with its role, permissions, count, rows, ...), +2 for
    # the filter selects (programme, block), one query each per page.
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200


def test_new_form_preselects_the_only_programme_and_shows_numbers_the_german_way(
    client, login_as, city
):
    login_as("finance", city)
    rate = FundingRateFactory(recipient=city, amount=D("58500.00"))
    form = client.get(f"{LIST}neu/").context["form"]
    assert form["programme"].value() == rate.programme_id
    assert form["recipient"].value() == city.id
    page = client.get(f"{LIST}{rate.pk}/bearbeiten/").content.decode()
    assert 'value="58.500,00"' in page


def test_csv_numbers_do_not_depend_on_the_database_scale():
    from kim_admin.exports import _csv_value

    # PostgreSQL returns a sum of FTE as 9.000, SQLite as 9: both are written "9".
    assert _csv_value(D("9.000")) == "9"
    assert _csv_value(D("0.750")) == "0,75"
    assert _csv_value(D("20.0000")) == "20"
    assert _csv_value(D("58500.00")) == "58500,00"
    assert _csv_value(D("9")) == "9"
