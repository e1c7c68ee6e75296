"""The Django admin: every model registered, scoped to the user, inline rules in German."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.forms import CheckboxInput
from django.urls import reverse
from django.utils import formats
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from carriers.models import CostSplitMember
from kim_admin.admin import ScopedAdminMixin
from staffing.models import Occupancy, Position, PositionTown
from tests.factories import (
    CarrierFactory,
    CostSplitFactory,
    CountyFactory,
    GrantNoticeBlockFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionCostFactory,
    PositionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

APPS = ("carriers", "funding", "staffing", "kim_admin")


@pytest.fixture
def plan(city, other_city):
    leverkusen, koeln = city, other_city
    caritas = CarrierFactory(name="Caritasverband Leverkusen")
    own = PositionFactory(recipient=leverkusen, title="Casemanagement KI")
    at_caritas = PositionFactory(recipient=leverkusen, employer=caritas, title="Casemanagement C")
    foreign = PositionFactory(recipient=koeln, title="Kölner Stelle")
    for position in (own, at_caritas, foreign):
        OccupancyFactory(position=position)
        PositionCostFactory(position=position)
    return {
        "leverkusen": leverkusen,
        "koeln": koeln,
        "caritas": caritas,
        "own": own,
        "at_caritas": at_caritas,
        "foreign": foreign,
    }


def staff(role, organisation, **kwargs):
    return UserFactory(role=role, organisation=organisation, is_staff=True, **kwargs)


@pytest.fixture
def admin_user(plan):
    """The administration: the one role that enters the Django admin."""
    return UserFactory(role="admin", organisation=None, is_staff=True)


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(response) -> dict:
    """What a browser would post back from an admin change page, unchanged."""
    data = {}

    def put(form):
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif getattr(field, "localize", False):
                data[key] = formats.localize_input(value)
            else:
                data[key] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    return data


def inline_prefix(response, model) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise AssertionError(f"no inline for {model}")


def add_inline_rows(data, prefix, rows, parent_field, parent_pk):
    start = int(data[f"{prefix}-TOTAL_FORMS"])
    for i, row in enumerate(rows, start):
        data[f"{prefix}-{i}-id"] = ""
        data[f"{prefix}-{i}-{parent_field}"] = str(parent_pk)
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = str(value)
    data[f"{prefix}-TOTAL_FORMS"] = str(start + len(rows))


# --- registration -----------------------------------------------------------------------------


def domain_models():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if not issubclass(model, HistoricalChanges):
                yield model


@pytest.mark.parametrize("model", list(domain_models()), ids=lambda m: m._meta.label)
def test_every_model_has_a_scoped_admin(model):
    assert admin.site.is_registered(model)
    model_admin = admin.site.get_model_admin(model)
    assert isinstance(model_admin, ScopedAdminMixin)
    if hasattr(model, "history"):
        assert isinstance(model_admin, SimpleHistoryAdmin)


def test_inlines_are_scoped_too():
    for model in domain_models():
        for inline in admin.site.get_model_admin(model).inlines:
            assert issubclass(inline, ScopedAdminMixin), inline


# Rows the admin only shows: added with their parent (members of a split, served towns) or
# through their workflow's services (forecasts and carriers' proofs with their lines and files,
# settlement statements, a scenario's steps). Their add page answers 403 even to an
# administrator.
NO_ADD_IN_ADMIN = {
    "funding.ScenarioStep",
    "carriers.CostSplitMember",
    "carriers.CostForecast",
    "carriers.ForecastLine",
    "carriers.ForecastAttachment",
    "carriers.CarrierProof",
    "carriers.ProofLine",
    "carriers.ProofAttachment",
    "carriers.SettlementStatement",
    "staffing.PositionTown",
    # The log of the reminder mails: written by send_deadline_reminders only.
    "funding.DeadlineReminder",
}


def test_admin_renders_every_list_and_add_page(client, plan):
    GrantNoticeBlockFactory(notice__recipient=plan["leverkusen"])
    client.force_login(UserFactory(role="admin", organisation=None))
    for model in domain_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == (403 if opts.label in NO_ADD_IN_ADMIN else 200), opts.label
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(change_url(obj)).status_code == 200, opts.label


# --- who enters -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["finance", "coordinator", "council", "carrier", "town"])
def test_only_the_admin_role_enters_the_django_admin(client, plan, role):
    """The Django admin is the administration's tool: every other role works in the app's
    pages and is sent to the admin's login, staff flag or not, also by the "view on site"
    shortcut that would tell which object an id is."""
    from django.contrib.contenttypes.models import ContentType

    organisation = {"carrier": plan["caritas"], "town": TownFactory()}.get(role, plan["leverkusen"])
    client.force_login(staff(role, organisation))
    foreign = plan["foreign"]
    shortcut = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Position).pk, foreign.pk]
    )
    for url in (
        reverse("admin:index"),
        reverse("admin:staffing_position_changelist"),
        change_url(plan["own"]),
        shortcut,
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("admin:login") in response["Location"], url
    assert client.post(change_url(plan["own"]), {"title": "x"}).status_code == 302
    plan["own"].refresh_from_db()
    assert plan["own"].title == "Casemanagement KI"


def test_the_admin_saves_a_position_with_history(client, admin_user, plan):
    client.force_login(admin_user)
    own = plan["own"]
    response = client.get(change_url(own))
    assert response.status_code == 200
    data = form_data(response)
    data["title"] = "Casemanagement KI (neu)"
    response = client.post(change_url(own), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    own.refresh_from_db()
    assert own.title == "Casemanagement KI (neu)"
    assert own.history.first().history_user == admin_user


def test_german_decimal_input_in_the_admin(client, admin_user, plan):
    client.force_login(admin_user)
    own = plan["own"]
    data = form_data(client.get(change_url(own)))
    assert data["fte"] == "1,000"  # not "1.000", which reads as a thousand
    assert data["costs-0-employer_gross"] == "60.000,00"
    data["occupancies-0-fte"] = "0,75"
    data["costs-0-employer_gross"] = "61.234,50"
    response = client.post(change_url(own), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert own.occupancies.get().fte == Decimal("0.75")
    assert own.costs.get().employer_gross == Decimal("61234.50")


# --- inline rules -----------------------------------------------------------------------------


def test_served_towns_must_sum_to_100_percent(client, admin_user):
    county = CountyFactory()
    town_a, town_b = TownFactory(parent=county), TownFactory(parent=county)
    client.force_login(admin_user)
    own = PositionFactory(recipient=county, title="Casemanagement KI")
    response = client.get(change_url(own))
    data = form_data(response)
    data["title"] = "Darf nicht gespeichert werden"
    prefix = inline_prefix(response, PositionTown)
    rows = [{"town": town_a.pk, "share": "60"}, {"town": town_b.pk, "share": "30"}]
    add_inline_rows(data, prefix, rows, "position", own.pk)

    response = client.post(change_url(own), data)

    assert response.status_code == 200
    message = "Die Anteile der Kommunen müssen zusammen 100 % ergeben (jetzt 90 %)."
    inline = next(
        i for i in response.context["inline_admin_formsets"] if i.formset.model is PositionTown
    )
    assert [str(e) for e in inline.formset.non_form_errors()] == [message]
    assert message in response.content.decode()
    assert PositionTown.objects.count() == 0
    own.refresh_from_db()
    assert own.title == "Casemanagement KI"


def test_served_towns_of_100_percent_are_saved(client, admin_user):
    county = CountyFactory()
    town_a, town_b = TownFactory(parent=county), TownFactory(parent=county)
    client.force_login(admin_user)
    own = PositionFactory(recipient=county)
    response = client.get(change_url(own))
    data = form_data(response)
    prefix = inline_prefix(response, PositionTown)
    rows = [{"town": town_a.pk, "share": "50"}, {"town": town_b.pk, "share": "50"}]
    add_inline_rows(data, prefix, rows, "position", own.pk)
    assert client.post(change_url(own), data).status_code == 302
    assert set(own.served_towns.values_list("share", flat=True)) == {Decimal("50")}


def test_occupancies_of_one_form_together_may_not_exceed_the_fte(client, admin_user, plan):
    client.force_login(admin_user)
    own = plan["own"]
    response = client.get(change_url(own))
    data = form_data(response)
    prefix = inline_prefix(response, Occupancy)
    add_inline_rows(data, prefix, [{"start": "01.07.2024", "fte": "0,5"}], "position", own.pk)
    response = client.post(change_url(own), data)
    assert response.status_code == 200
    assert "übersteigt den Stellenanteil" in response.content.decode()
    assert own.occupancies.count() == 1


def split_post(client, split, method, percents):
    towns = [TownFactory(parent=split.recipient) for _ in percents]
    response = client.get(change_url(split))
    data = form_data(response)
    data["method"] = method
    prefix = inline_prefix(response, CostSplitMember)
    rows = [{"organisation": t.pk, "percent": p} for t, p in zip(towns, percents, strict=True)]
    add_inline_rows(data, prefix, rows, "split", split.pk)
    return client.post(change_url(split), data)


def test_fixed_percent_split_must_sum_to_100_percent(client):
    county = CountyFactory()
    split = CostSplitFactory(recipient=county, valid_from=date(2024, 1, 1))
    client.force_login(UserFactory(role="admin", organisation=None, is_staff=True))
    response = split_post(client, split, "fixed_percent", ["40", "40"])
    assert response.status_code == 200
    assert "Die Anteile müssen zusammen 100 % ergeben (jetzt 80 %)." in response.content.decode()
    assert CostSplitMember.objects.count() == 0
    split.refresh_from_db()
    assert split.method == "equal"


def test_equal_split_ignores_percentages(client):
    county = CountyFactory()
    split = CostSplitFactory(recipient=county, valid_from=date(2024, 1, 1))
    client.force_login(UserFactory(role="admin", organisation=None, is_staff=True))
    assert split_post(client, split, "equal", ["", ""]).status_code == 302
    assert CostSplitMember.objects.filter(split=split).count() == 2


def test_fixed_percent_split_of_100_percent_is_saved(client):
    county = CountyFactory()
    split = CostSplitFactory(recipient=county, valid_from=date(2024, 1, 1))
    client.force_login(UserFactory(role="admin", organisation=None, is_staff=True))
    assert split_post(client, split, "fixed_percent", ["60", "40"]).status_code == 302
    assert CostSplitMember.objects.filter(split=split).count() == 2


# --- users ------------------------------------------------------------------------------------


def test_user_admin_shows_organisation_and_role(client, plan):
    UserFactory(username="rat-lev", role="council", organisation=plan["leverkusen"])
    client.force_login(UserFactory(role="admin", organisation=None))
    response = client.get(reverse("admin:kim_admin_user_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "rat-lev" in html
    assert "Stadt Leverkusen" in html
    assert "Rat" in html


def test_only_admins_see_users(client, plan):
    finance = staff("finance", plan["leverkusen"])
    client.force_login(finance)
    for url in (reverse("admin:kim_admin_user_changelist"), change_url(finance)):
        response = client.get(url)
        assert (response.status_code, reverse("admin:login") in response["Location"]) == (
            302,
            True,
        )


def test_admin_save_moves_the_version_on(client):
    from tests.factories import FundingRateFactory, UserFactory

    city = OrganisationFactory()
    user = UserFactory(role="admin", organisation=None)
    client.force_login(user)
    rate = FundingRateFactory(recipient=city)
    url = f"/admin/funding/fundingrate/{rate.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["amount"] = "58000,00"
    data["capped_at_cost"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rate.refresh_from_db()
    assert rate.version == 2
