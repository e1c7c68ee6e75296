"""The carriers' pages: forwarding agreements with their coverage policy and positions, cost
splits with their towns, and the organisations (read only). Each page against each role,
German input and messages, stale forms, the history, exports and query counts."""

from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from carriers import services
from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CostSplit,
    CostSplitMember,
    ForwardingAgreement,
    Organisation,
)
from staffing.models import Position
from tests import generic
from tests.factories import (
    AdvancePaymentFactory,
    BuildingBlockFactory,
    CarrierFactory,
    CarrierPaymentFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    OrganisationFactory,
    PositionFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

AGREEMENTS = "/traeger/weiterleitungen/"
SPLITS = "/traeger/aufteilungen/"
ORGANISATIONS = "/traeger/organisationen/"
NBSP = "\u00a0"


@pytest.fixture
def caritas(city):
    return CarrierFactory(name="Caritasverband Leverkusen e. V.", slug="caritas", works_for=[city])


@pytest.fixture
def awo(city):
    return CarrierFactory(name="Arbeiterwohlfahrt Leverkusen", slug="awo", works_for=[city])


@pytest.fixture
def county():
    return CountyFactory(name="Kreis Coesfeld", slug="kreis-coesfeld")


@pytest.fixture
def towns(county):
    return [
        TownFactory(name=name, slug=name.lower(), parent=county)
        for name in ("Coesfeld", "Billerbeck", "Havixbeck", "Rosendahl")
    ]


def agreement_data(city, carrier, positions=(), **overrides):
    data = {
        "recipient": city.id,
        "carrier": carrier.id,
        "valid_from": "01.07.2023",
        "valid_to": "",
        "coverage_policy": "all",
        "coverage_percent": "",
        "coverage_flat_per_fte": "",
        "payer": "",
        "positions": [p.id for p in positions],
        "notes": "",
    }
    data.update(overrides)
    return data


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def split_data(county, members=(), positions=(), initial=0, **overrides):
    """A split's form; each member row is (town, percent, [member id], [delete])."""
    data = {
        "recipient": county.id,
        "name": "Region Nord",
        "employer_town": "",
        "method": "equal",
        "valid_from": "01.01.2023",
        "valid_to": "",
        "positions": [p.id for p in positions],
        "notes": "",
        **management("members", len(members), initial),
    }
    for i, (town, percent, *rest) in enumerate(members):
        data[f"members-{i}-organisation"] = town.id
        data[f"members-{i}-percent"] = percent
        if rest:
            data[f"members-{i}-id"] = rest[0]
        if len(rest) > 1 and rest[1]:
            data[f"members-{i}-DELETE"] = "on"
    data.update(overrides)
    return data


# --- the generic pages (tests.generic) ----------------------------------------------------------


class TestForwardingAgreementPages(generic.ObjectPages):
    model = ForwardingAgreement

    def make(self, recipient):
        return ForwardingAgreementFactory(recipient=recipient)

    def form_data(self, recipient):
        return agreement_data(
            recipient,
            CarrierFactory(works_for=[recipient]),
            coverage_policy="percent",
            coverage_percent="50,5",
            signed_on="16.12.2022",
        )

    created = {
        "valid_from": date(2023, 7, 1),
        "signed_on": date(2022, 12, 16),
        "coverage_policy": "percent",
        "coverage_percent": D("50.5"),
        "payer": None,
    }
    edit_changes = {"coverage_percent": "75"}
    changed = {"coverage_percent": D("75"), "valid_from": date(2023, 7, 1)}
    # The factory's agreement runs from 01.01.2022.
    history_shows = "01.01.2022 → 01.07.2023"


class TestCostSplitPages(generic.ObjectPages):
    """Splits are a county's: its finance and coordination edit them, its council reads."""

    model = CostSplit
    recipient_factory = CountyFactory

    def make(self, recipient):
        return CostSplitFactory(recipient=recipient)

    def form_data(self, recipient):
        towns = [TownFactory(parent=recipient) for _ in range(2)]
        return split_data(recipient, members=[(town, "") for town in towns])

    created = {"name": "Region Nord", "method": "equal", "valid_from": date(2023, 1, 1)}
    edit_changes = {"name": "Region Süd"}
    changed = {"name": "Region Süd", "valid_from": date(2023, 1, 1)}
    # The factory's split runs from 01.01.2022.
    history_shows = "01.01.2022 → 01.01.2023"


class TestCarrierPaymentPages(generic.ObjectPages):
    """Payments to carriers (tests.generic): the recipient's finance and coordination record
    them; the council sees none (nor does a town); a carrier sees its own, read only."""

    model = CarrierPayment
    readers = ()

    def make(self, recipient):
        return CarrierPaymentFactory(recipient=recipient)

    def form_data(self, recipient):
        return {
            "recipient": recipient.pk,
            "carrier": CarrierFactory(works_for=[recipient]).pk,
            "year": "2025",
            "position": "",
            "paid_on": "30.06.2025",
            "amount": "15.000,00",
            "purpose": "Abschlag Mehrkosten 2025",
        }

    created = {
        "year": 2025,
        "paid_on": date(2025, 6, 30),
        "amount": D("15000.00"),
        "purpose": "Abschlag Mehrkosten 2025",
        "position": None,
    }
    edit_changes = {"amount": "12.345,67"}
    changed = {"amount": D("12345.67"), "year": 2025}
    # The factory's payment is 10,000.00.
    history_shows = "10.000,00 → 12.345,67"


class TestAdvancePaymentPages(generic.ObjectPages):
    """Advances of member towns (tests.generic): a county's finance and coordination record
    them, its council reads them; a town sees only its own (not a town of its own here)."""

    model = AdvancePayment
    recipient_factory = CountyFactory

    def make(self, recipient):
        return AdvancePaymentFactory(split__recipient=recipient)

    def form_data(self, recipient):
        split = CostSplitFactory(recipient=recipient, employer_town=TownFactory(parent=recipient))
        member = CostSplitMemberFactory(split=split, organisation=TownFactory(parent=recipient))
        return {
            "split": split.pk,
            "town": member.organisation.pk,
            "year": "2023",
            "paid_on": "01.07.2023",
            "amount": "2.500,00",
            "note": "",
        }

    created = {"year": 2023, "paid_on": date(2023, 7, 1), "amount": D("2500.00")}
    edit_changes = {"amount": "2.600,50"}
    changed = {"amount": D("2600.50"), "year": 2023}
    # The factory's advance is 2,000.00.
    history_shows = "2.000,00 → 2.600,50"


# --- roles against pages ----------------------------------------------------------------------

ROLES = ["finance", "coordinator", "council", "carrier", "town", "other_carrier", "other"]


@pytest.fixture
def plan(city, caritas, county, towns):
    """An agreement of the city with Caritas (Hückeswagen-like town as payer) and a split of
    the county with two of its towns."""
    payer = towns[0]
    agreement = ForwardingAgreementFactory(recipient=city, carrier=caritas, payer=payer)
    split = CostSplitFactory(recipient=county, employer_town=towns[0])
    CostSplitMemberFactory(split=split, organisation=towns[0])
    CostSplitMemberFactory(split=split, organisation=towns[1])
    return {"agreement": agreement, "split": split, "payer": payer}


def role_user(login_as, role, city, caritas, county, towns):
    organisation = {
        "finance": city,
        "coordinator": county,  # the county's coordination edits the split
        "council": city,
        "carrier": caritas,
        "town": towns[0],  # payer of the agreement, member of the split
        "other_carrier": CarrierFactory(),
        "other": OrganisationFactory(),
    }[role]
    user_role = {"other_carrier": "carrier", "other": "finance"}.get(role, role)
    return login_as(user_role, organisation)


# Statuses (detail, history, add, edit, delete, end) per role for the agreement and the split.
AGREEMENT_EXPECTED = {
    "finance": (200, 200, 200, 200, 200, 200),
    "coordinator": (404, 404, 200, 404, 404, 404),
    "council": (200, 200, 403, 403, 403, 403),
    "carrier": (200, 200, 403, 403, 403, 403),
    "town": (200, 200, 403, 403, 403, 403),
    "other_carrier": (404, 404, 403, 403, 403, 403),
    "other": (404, 404, 200, 404, 404, 404),
}
SPLIT_EXPECTED = {
    "finance": (404, 404, 200, 404, 404, 404),
    "coordinator": (200, 200, 200, 200, 200, 200),
    "council": (404, 404, 403, 403, 403, 403),
    "carrier": (404, 404, 403, 403, 403, 403),
    "town": (200, 200, 403, 403, 403, 403),
    "other_carrier": (404, 404, 403, 403, 403, 403),
    "other": (404, 404, 200, 404, 404, 404),
}


def statuses(client, base, pk):
    urls = ["", "verlauf/", None, "bearbeiten/", "loeschen/", "beenden/"]
    return tuple(
        client.get(f"{base}neu/" if url is None else f"{base}{pk}/{url}").status_code
        for url in urls
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_answer_on_each_page(
    client, login_as, city, caritas, county, towns, plan, role
):
    role_user(login_as, role, city, caritas, county, towns)
    agreement, split = plan["agreement"], plan["split"]
    assert client.get(AGREEMENTS).status_code == 200
    assert client.get(SPLITS).status_code == 200
    assert client.get(ORGANISATIONS).status_code == 200
    assert statuses(client, AGREEMENTS, agreement.pk) == AGREEMENT_EXPECTED[role]
    assert statuses(client, SPLITS, split.pk) == SPLIT_EXPECTED[role]
    listed = {r.record.pk for r in client.get(AGREEMENTS).context["table"].rows}
    assert listed == ({agreement.pk} if AGREEMENT_EXPECTED[role][0] == 200 else set())
    listed = {r.record.pk for r in client.get(SPLITS).context["table"].rows}
    assert listed == ({split.pk} if SPLIT_EXPECTED[role][0] == 200 else set())


@pytest.mark.parametrize("role", ["council", "carrier", "town", "other"])
def test_refused_writes_change_nothing(client, login_as, city, caritas, county, towns, plan, role):
    role_user(login_as, role, city, caritas, county, towns)
    agreement, split = plan["agreement"], plan["split"]
    refused = 404 if role == "other" else 403
    data = agreement_data(city, caritas, coverage_policy="none", version="1")
    assert client.post(f"{AGREEMENTS}{agreement.pk}/bearbeiten/", data).status_code == refused
    assert (
        client.post(f"{AGREEMENTS}{agreement.pk}/beenden/", {"valid_to": "31.12.2030"}).status_code
        == refused
    )
    assert client.post(f"{AGREEMENTS}{agreement.pk}/loeschen/").status_code == refused
    sdata = split_data(county, members=[(towns[2], "")], version="1")
    assert client.post(f"{SPLITS}{split.pk}/bearbeiten/", sdata).status_code == refused
    assert (
        client.post(f"{SPLITS}{split.pk}/beenden/", {"valid_to": "31.12.2030"}).status_code
        == refused
    )
    assert client.post(f"{SPLITS}{split.pk}/loeschen/").status_code == refused
    if role != "other":
        assert client.post(f"{AGREEMENTS}neu/", data).status_code == 403
        assert client.post(f"{SPLITS}neu/", sdata).status_code == 403
    agreement.refresh_from_db()
    split.refresh_from_db()
    assert (agreement.coverage_policy, agreement.valid_to, agreement.version) == ("all", None, 1)
    assert (split.valid_to, split.version) == (None, 1)
    assert set(split.members.values_list("organisation", flat=True)) == {towns[0].pk, towns[1].pk}
    assert ForwardingAgreement.objects.count() == CostSplit.objects.count() == 1


def test_carrier_reads_its_agreement_without_edit_buttons(client, login_as, city, caritas, plan):
    login_as("carrier", caritas)
    agreement = plan["agreement"]
    position = PositionFactory(recipient=city, employer=caritas, title="Casemanagement Caritas 1")
    agreement.positions.add(position)
    page = client.get(f"{AGREEMENTS}{agreement.pk}/")
    html = page.content.decode()
    assert page.context["can_change"] is False
    assert "Casemanagement Caritas 1" in html
    assert "/bearbeiten/" not in html and "/loeschen/" not in html and "/beenden/" not in html
    assert "Neu anlegen" not in client.get(AGREEMENTS).content.decode()


# --- forwarding agreements --------------------------------------------------------------------


def test_finance_creates_an_agreement_with_german_input(client, login_as, city, caritas):
    user = login_as("finance", city)
    mine = PositionFactory(recipient=city, employer=caritas, title="Casemanagement Caritas 1")
    data = agreement_data(
        city,
        caritas,
        [mine],
        coverage_policy="percent",
        coverage_percent="50,5",
        signed_on="16.12.2022",
        reference="WV 2023/1",
    )
    response = client.post(f"{AGREEMENTS}neu/", data)
    agreement = ForwardingAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{AGREEMENTS}{agreement.pk}/"
    assert (
        agreement.valid_from,
        agreement.signed_on,
        agreement.coverage_percent,
        agreement.payer,
        agreement.version,
    ) == (date(2023, 7, 1), date(2022, 12, 16), D("50.5"), None, 1)
    assert list(agreement.positions.all()) == [mine]
    record = agreement.history.get()
    assert record.history_user == user
    detail = client.get(response["Location"]).content.decode()
    assert "50,5000" in detail or "50,5" in detail
    assert "Casemanagement Caritas 1" in detail


@pytest.mark.parametrize(
    ("policy", "field", "message"),
    [
        ("percent", "coverage_percent", "Bitte den übernommenen Anteil in Prozent angeben."),
        ("flat_per_fte", "coverage_flat_per_fte", "Bitte die Pauschale je Vollzeitstelle angeben."),
    ],
)
def test_the_figure_of_the_policy_is_required_next_to_its_field(
    client, login_as, city, caritas, policy, field, message
):
    login_as("finance", city)
    response = client.post(
        f"{AGREEMENTS}neu/", agreement_data(city, caritas, coverage_policy=policy)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not ForwardingAgreement.objects.exists()


def test_a_flat_amount_per_fte_in_german(client, login_as, city, caritas):
    login_as("finance", city)
    data = agreement_data(
        city, caritas, coverage_policy="flat_per_fte", coverage_flat_per_fte="5.000,00"
    )
    assert client.post(f"{AGREEMENTS}neu/", data).status_code == 302
    agreement = ForwardingAgreement.objects.get()
    assert (agreement.coverage_flat_per_fte, agreement.coverage_percent) == (D("5000.00"), None)
    html = client.get(AGREEMENTS).content.decode()
    assert f"Pauschale je Vollzeitstelle: 5.000,00{NBSP}€ je VZ" in html


def test_the_figure_of_another_policy_is_not_kept(client, login_as, city, caritas):
    login_as("finance", city)
    data = agreement_data(city, caritas, coverage_policy="all", coverage_percent="50")
    assert client.post(f"{AGREEMENTS}neu/", data).status_code == 302
    assert ForwardingAgreement.objects.get().coverage_percent is None


def test_bad_percent_and_period_are_answered_in_german(client, login_as, city, caritas):
    login_as("finance", city)
    data = agreement_data(
        city,
        caritas,
        coverage_policy="percent",
        coverage_percent="150",
        valid_from="01.07.2023",
        valid_to="30.06.2023",
    )
    errors = client.post(f"{AGREEMENTS}neu/", data).context["form"].errors
    assert errors["coverage_percent"] == ["Der Anteil muss zwischen 0 und 100 % liegen."]
    assert errors["valid_to"] == ["Das Ende darf nicht vor dem Beginn liegen."]
    assert not ForwardingAgreement.objects.exists()


def test_a_position_of_another_carrier_is_refused(client, login_as, city, caritas, awo):
    login_as("finance", city)
    theirs = PositionFactory(recipient=city, employer=awo, title="Casemanagement AWO 1")
    response = client.post(f"{AGREEMENTS}neu/", agreement_data(city, caritas, [theirs]))
    assert response.status_code == 200
    assert response.context["form"].errors["positions"] == [
        "Die Stelle „Casemanagement AWO 1“ ist nicht bei Caritasverband Leverkusen e. V. "
        "angestellt."
    ]
    assert not ForwardingAgreement.objects.exists()


def test_a_position_of_another_recipient_or_the_city_is_no_choice(client, login_as, city, caritas):
    login_as("finance", city)
    foreign = PositionFactory(recipient=OrganisationFactory(), employer=caritas)
    own_staff = PositionFactory(recipient=city, employer=city)
    for position in (foreign, own_staff):
        response = client.post(f"{AGREEMENTS}neu/", agreement_data(city, caritas, [position]))
        assert response.context["form"].errors["positions"] == [
            f"Bitte eine gültige Auswahl treffen. {position.pk} ist keine gültige Auswahl."
        ]
    assert not ForwardingAgreement.objects.exists()


def test_a_position_of_another_plan_is_refused(client, login_as, city, caritas):
    login_as("finance", city)
    copy = PositionFactory(
        recipient=city, employer=caritas, scenario=ScenarioFactory(recipient=city), title="Kopie"
    )
    response = client.post(f"{AGREEMENTS}neu/", agreement_data(city, caritas, [copy]))
    assert response.context["form"].errors["positions"] == [
        "Die Stelle „Kopie“ gehört zu einem anderen Plan (Szenario)."
    ]


def test_choices_are_carriers_and_the_recipients_positions_of_carriers(
    client, login_as, city, caritas, awo, county
):
    login_as("finance", city)
    mine = PositionFactory(recipient=city, employer=caritas)
    theirs = PositionFactory(recipient=city, employer=awo)
    PositionFactory(recipient=city, employer=city)
    PositionFactory(recipient=OrganisationFactory(), employer=caritas)
    town = TownFactory(parent=city if city.kind == "county" else county)
    form = client.get(f"{AGREEMENTS}neu/").context["form"]
    assert set(form.fields["carrier"].queryset) == {caritas, awo}
    assert set(form.fields["positions"].queryset) == {mine, theirs}
    assert set(form.fields["payer"].queryset) == {city}
    assert town not in form.fields["payer"].queryset
    assert list(form.fields["recipient"].queryset) == [city]


def test_stale_agreement_is_refused_with_a_way_to_the_change(client, login_as, city, caritas):
    login_as("finance", city)
    agreement = ForwardingAgreementFactory(recipient=city, carrier=caritas)
    url = f"{AGREEMENTS}{agreement.pk}/bearbeiten/"
    first = client.post(url, agreement_data(city, caritas, coverage_policy="none", version="1"))
    assert first.status_code == 302
    second = client.post(
        url,
        agreement_data(
            city, caritas, coverage_policy="percent", coverage_percent="10", version="1"
        ),
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Jemand anderes hat diesen Datensatz gespeichert" in html
    assert f"{AGREEMENTS}{agreement.pk}/verlauf/" in html
    agreement.refresh_from_db()
    assert (agreement.coverage_policy, agreement.coverage_percent, agreement.version) == (
        "none",
        None,
        2,
    )


@pytest.mark.history
def test_history_names_who_changed_the_policy_and_the_positions(client, login_as, city, caritas):
    login_as("finance", city, first_name="Frieda Finanz")
    one = PositionFactory(recipient=city, employer=caritas, title="CM 1")
    two = PositionFactory(recipient=city, employer=caritas, title="CM 2")
    agreement = ForwardingAgreementFactory(recipient=city, carrier=caritas)
    agreement.positions.add(one)
    url = f"{AGREEMENTS}{agreement.pk}/bearbeiten/"
    data = agreement_data(
        city, caritas, [one, two], coverage_policy="percent", coverage_percent="25", version="1"
    )
    assert client.post(url, data).status_code == 302
    page = client.get(f"{AGREEMENTS}{agreement.pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page
    assert (
        "Übernahme der Mehrkosten</strong>: Vollständige Übernahme der Mehrkosten → "
        "Übernahme eines Prozentsatzes" in page
    )
    assert "– → 25,0000" in page
    assert "Stellen</strong>: CM 1 → CM 1, CM 2" in page
    assert set(agreement.positions.all()) == {one, two}


def test_ending_and_deleting_an_agreement(client, login_as, city, caritas):
    user = login_as("coordinator", city)
    position = PositionFactory(recipient=city, employer=caritas)
    agreement = ForwardingAgreementFactory(recipient=city, carrier=caritas)
    agreement.positions.add(position)
    assert client.get(f"{AGREEMENTS}{agreement.pk}/").context["can_end"] is True
    end = client.post(
        f"{AGREEMENTS}{agreement.pk}/beenden/", {"valid_to": "30.06.2023", "version": "1"}
    )
    assert end.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.valid_to, agreement.version) == (date(2023, 6, 30), 2)
    assert client.get(f"{AGREEMENTS}{agreement.pk}/").context["can_end"] is False
    deleted = client.post(f"{AGREEMENTS}{agreement.pk}/loeschen/", {"version": "2"})
    assert deleted.status_code == 302
    assert deleted["Location"] == AGREEMENTS
    assert not ForwardingAgreement.objects.exists()
    assert Position.objects.filter(pk=position.pk).exists()
    assert ForwardingAgreement.history.filter(history_type="-").get().history_user == user


def test_agreement_list_totals_filters_and_export(client, login_as, city, caritas, awo):
    login_as("finance", city)
    first = ForwardingAgreementFactory(recipient=city, carrier=caritas)
    first.positions.add(
        PositionFactory(recipient=city, employer=caritas, fte=D("1")),
        PositionFactory(recipient=city, employer=caritas, fte=D("0.5")),
    )
    second = ForwardingAgreementFactory(
        recipient=city, carrier=awo, coverage_policy="percent", coverage_percent=D("50")
    )
    second.positions.add(PositionFactory(recipient=city, employer=awo, fte=D("0.75")))
    page = client.get(AGREEMENTS)
    assert page.context["table"].totals == {"positions_fte": D("2.25")}
    assert client.get(AGREEMENTS, {"carrier": "awo"}).context["table"].totals == {
        "positions_fte": D("0.75")
    }
    csv = client.get(AGREEMENTS, {"carrier": "awo", "export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["Trägerin", "Aktenzeichen", "Gültig ab"]
    row = lines[1].split(";")
    assert row[0] == "Arbeiterwohlfahrt Leverkusen"
    assert row[2] == "01.01.2022"
    assert "Übernahme eines Prozentsatzes: 50 %" in row
    sheet = load_workbook(BytesIO(client.get(AGREEMENTS, {"export": "xlsx"}).content)).active
    assert sheet.max_row == 4  # header, two agreements, the totals row
    header = [c.value for c in sheet[1]]
    fte = header.index("Stellenanteile (VZ)") + 1
    assert sorted(sheet.cell(row=r, column=fte).value for r in (2, 3)) == [0.75, 1.5]


# --- cost splits ------------------------------------------------------------------------------


def test_coordinator_creates_a_split_with_its_towns(client, login_as, county, towns):
    user = login_as("coordinator", county)
    position = PositionFactory(recipient=county, employer=towns[0], title="CM Nord 1")
    data = split_data(
        county,
        members=[(towns[0], ""), (towns[1], ""), (towns[2], "")],
        positions=[position],
        employer_town=towns[0].id,
    )
    response = client.post(f"{SPLITS}neu/", data)
    split = CostSplit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{SPLITS}{split.pk}/"
    assert (split.valid_from, split.employer_town, split.method) == (
        date(2023, 1, 1),
        towns[0],
        "equal",
    )
    assert set(split.members.values_list("organisation", "percent")) == {
        (towns[0].pk, None),
        (towns[1].pk, None),
        (towns[2].pk, None),
    }
    assert list(split.positions.all()) == [position]
    assert split.history.get().history_user == user
    assert {r.history_user for r in CostSplitMember.history.all()} == {user}


def test_fixed_percentages_must_make_100_and_nothing_is_saved(client, login_as, county, towns):
    login_as("finance", county)
    data = split_data(county, members=[(towns[0], "50"), (towns[1], "30")], method="fixed_percent")
    response = client.post(f"{SPLITS}neu/", data)
    assert response.status_code == 200
    message = "Die Anteile müssen zusammen 100 % ergeben (jetzt 80 %)."
    assert response.context["formset"].non_form_errors() == [message]
    html = response.content.decode()
    # The sum message stands above the rows.
    assert html.index(message) < html.index('id="id_members-0-organisation"')
    assert not CostSplit.objects.exists() and not CostSplitMember.objects.exists()


def test_a_missing_fixed_percentage_is_named(client, login_as, county, towns):
    login_as("finance", county)
    data = split_data(county, members=[(towns[0], "100"), (towns[1], "")], method="fixed_percent")
    response = client.post(f"{SPLITS}neu/", data)
    assert response.context["formset"].non_form_errors() == [
        "Bei fester Aufteilung braucht jede beteiligte Kommune einen Anteil in Prozent."
    ]
    assert not CostSplit.objects.exists()


def test_fixed_percentages_in_german_are_saved(client, login_as, county, towns):
    login_as("finance", county)
    data = split_data(
        county, members=[(towns[0], "60,5"), (towns[1], "39,5")], method="fixed_percent"
    )
    assert client.post(f"{SPLITS}neu/", data).status_code == 302
    split = CostSplit.objects.get()
    assert dict(split.members.values_list("organisation", "percent")) == {
        towns[0].pk: D("60.5"),
        towns[1].pk: D("39.5"),
    }
    html = client.get(f"{SPLITS}{split.pk}/").content.decode()
    assert "60,5 %" in html and "39,5 %" in html


def test_percentages_of_other_methods_are_not_kept(client, login_as, county, towns):
    login_as("finance", county)
    data = split_data(county, members=[(towns[0], "70"), (towns[1], "10")], method="equal")
    assert client.post(f"{SPLITS}neu/", data).status_code == 302
    assert set(CostSplitMember.objects.values_list("percent", flat=True)) == {None}


def test_towns_twice_foreign_or_none_are_refused(client, login_as, county, towns):
    login_as("admin", None)
    other_town = TownFactory(name="Voerde")
    twice = client.post(
        f"{SPLITS}neu/", split_data(county, members=[(towns[0], ""), (towns[0], "")])
    )
    assert twice.context["formset"].forms[1].errors["organisation"] == [
        "Diese Kommune ist an der Aufteilung bereits beteiligt."
    ]
    foreign = client.post(f"{SPLITS}neu/", split_data(county, members=[(other_town, "")]))
    assert foreign.context["formset"].forms[0].errors["organisation"] == [
        "„Voerde“ ist keine Kommune des Kreises Kreis Coesfeld."
    ]
    none = client.post(f"{SPLITS}neu/", split_data(county, members=[]))
    assert none.context["formset"].non_form_errors() == [
        "Bitte mindestens eine beteiligte Kommune angeben."
    ]
    employer = client.post(
        f"{SPLITS}neu/",
        split_data(county, members=[(towns[0], "")], employer_town=other_town.id),
    )
    assert employer.context["form"].errors["employer_town"] == [
        "„Voerde“ ist keine Kommune des Kreises Kreis Coesfeld."
    ]
    assert not CostSplit.objects.exists()


def test_finance_is_offered_the_towns_of_its_county_only(client, login_as, county, towns):
    login_as("finance", county)
    TownFactory(name="Voerde")
    form = client.get(f"{SPLITS}neu/").context["form"]
    assert set(form.fields["employer_town"].queryset) == set(towns)
    assert set(form.formset.forms[0].fields["organisation"].queryset) == set(towns)


@pytest.mark.history
def test_changing_the_towns_keeps_the_rows_and_the_history_shows_them(
    client, login_as, county, towns
):
    login_as("finance", county, first_name="Frieda Finanz")
    split = CostSplitFactory(recipient=county, method="fixed_percent")
    keep = CostSplitMemberFactory(split=split, organisation=towns[0], percent=D("50"))
    drop = CostSplitMemberFactory(split=split, organisation=towns[1], percent=D("50"))
    data = split_data(
        county,
        members=[(towns[0], "40", keep.pk), (towns[1], "50", drop.pk, True), (towns[2], "60")],
        initial=2,
        method="fixed_percent",
        name=split.name,
        version="1",
    )
    response = client.post(f"{SPLITS}{split.pk}/bearbeiten/", data)
    assert response.status_code == 302
    assert dict(split.members.values_list("organisation", "percent")) == {
        towns[0].pk: D("40"),
        towns[2].pk: D("60"),
    }
    keep.refresh_from_db()
    assert keep.percent == D("40")  # the same row, changed
    page = client.get(f"{SPLITS}{split.pk}/verlauf/").content.decode()
    assert "Frieda Finanz" in page
    assert "Fester Anteil (%)</strong>: 50,0000 → 40,0000" in page
    assert "Billerbeck, Fester Anteil (%) 50,0000 → –" in page
    assert "– → Havixbeck, Fester Anteil (%) 60,0000" in page


def test_stale_split_is_refused(client, login_as, county, towns):
    login_as("coordinator", county)
    split = CostSplitFactory(recipient=county)
    member = CostSplitMemberFactory(split=split, organisation=towns[0])
    url = f"{SPLITS}{split.pk}/bearbeiten/"
    first = split_data(
        county, members=[(towns[0], "", member.pk)], initial=1, name="A", version="1"
    )
    assert client.post(url, first).status_code == 302
    second = split_data(
        county,
        members=[(towns[0], "", member.pk), (towns[1], "")],
        initial=1,
        name="B",
        version="1",
    )
    response = client.post(url, second)
    assert response.status_code == 409
    assert f"{SPLITS}{split.pk}/verlauf/" in response.content.decode()
    split.refresh_from_db()
    assert (split.name, split.members.count(), split.version) == ("A", 1, 2)


def test_town_reads_the_split_it_takes_part_in(client, login_as, county, towns):
    login_as("town", towns[1])
    mine = CostSplitFactory(recipient=county, name="Region Nord")
    CostSplitMemberFactory(split=mine, organisation=towns[1])
    other = CostSplitFactory(recipient=county, name="Region Süd")
    CostSplitMemberFactory(split=other, organisation=towns[2])
    assert [r.record for r in client.get(SPLITS).context["table"].rows] == [mine]
    page = client.get(f"{SPLITS}{mine.pk}/")
    assert page.status_code == 200 and page.context["can_change"] is False
    assert "/bearbeiten/" not in page.content.decode()
    assert client.get(f"{SPLITS}{other.pk}/").status_code == 404


def test_split_list_shows_towns_and_totals(client, login_as, county, towns):
    login_as("finance", county)
    split = CostSplitFactory(recipient=county, name="Region Nord", employer_town=towns[0])
    CostSplitMemberFactory(split=split, organisation=towns[0])
    CostSplitMemberFactory(split=split, organisation=towns[1])
    split.positions.add(
        PositionFactory(recipient=county, fte=D("1")),
        PositionFactory(recipient=county, fte=D("0.5")),
    )
    page = client.get(SPLITS)
    assert page.context["table"].totals == {"positions_fte": D("1.5")}
    assert "Billerbeck, Coesfeld" in page.content.decode()
    csv = client.get(SPLITS, {"member": "billerbeck", "export": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[1].split(";")[:4] == [
        "Region Nord",
        "Coesfeld",
        "Zu gleichen Teilen",
        "Billerbeck, Coesfeld",
    ]
    assert client.get(SPLITS, {"member": "rosendahl"}).context["result_count"] == 0


# --- services (also used outside requests) ----------------------------------------------------


def test_services_record_the_actor_and_refuse_broken_rows(county, towns):
    actor = UserFactory(role="finance", organisation=county)
    split = CostSplit(
        recipient=county, name="Region", method="fixed_percent", valid_from=date(2023, 1, 1)
    )
    with pytest.raises(ValidationError) as refused:
        services.split_save(
            split=split,
            actor=actor,
            members=[services.SplitShare(towns[0].pk, D("50"))],
        )
    assert refused.value.message_dict["members"] == [
        "Die Anteile müssen zusammen 100 % ergeben (jetzt 50 %)."
    ]
    assert not CostSplit.objects.exists()
    saved = services.split_save(
        split=CostSplit(
            recipient=county, name="Region", method="fixed_percent", valid_from=date(2023, 1, 1)
        ),
        actor=actor,
        members=[services.SplitShare(towns[0].pk, D("100"))],
    )
    assert saved.history.get().history_user == actor
    assert CostSplitMember.history.get().history_user == actor


def test_agreement_service_refuses_a_position_of_another_carrier(city, caritas, awo):
    actor = UserFactory(role="finance", organisation=city)
    position = PositionFactory(recipient=city, employer=awo, title="CM AWO")
    agreement = ForwardingAgreement(
        recipient=city, carrier=caritas, valid_from=date(2023, 1, 1), coverage_policy="all"
    )
    with pytest.raises(ValidationError) as refused:
        services.agreement_save(agreement=agreement, actor=actor, positions=[position])
    assert refused.value.message_dict["positions"] == [
        "Die Stelle „CM AWO“ ist nicht bei Caritasverband Leverkusen e. V. angestellt."
    ]
    assert not ForwardingAgreement.objects.exists()


# --- organisations (read only) ----------------------------------------------------------------


def test_organisations_are_listed_read_only_with_filters(client, login_as, city, county, towns):
    # A recipient's users see their circle: the county, its towns (and its carriers).
    login_as("council", county)
    towns[0].levy_share = D("12.5")
    towns[0].save()
    page = client.get(ORGANISATIONS, {"kind": "town"})
    assert page.status_code == 200
    assert page.context["result_count"] == 4
    html = page.content.decode()
    assert "12,5 %" in html and "Neu anlegen" not in html
    assert client.get(ORGANISATIONS, {"q": "billerb"}).context["result_count"] == 1
    assert client.get(f"{ORGANISATIONS}neu/").status_code == 404


# --- query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_agreement_list_query_count_is_constant(
    client, login_as, city, caritas, n, django_assert_num_queries
):
    login_as("finance", city)
    block = BuildingBlockFactory(number=2)
    positions = Position.objects.bulk_create(
        Position(
            recipient=city,
            block=block,
            funding_kind="case_management",
            title=f"CM {i}",
            fte=D("1"),
            employer=caritas,
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )
    agreements = ForwardingAgreement.objects.bulk_create(
        ForwardingAgreement(
            recipient=city, carrier=caritas, valid_from=date(2023, 1, 1), coverage_policy="all"
        )
        for _ in range(n)
    )
    through = ForwardingAgreement.positions.through
    through.objects.bulk_create(
        through(forwardingagreement=a, position=p)
        for a, p in zip(agreements, positions, strict=True)
    )
    # session, user with its role, permissions (1), organisation (page header), count, totals, page
    # rows with their carriers, payers and position figures.
    # +2 for the filter selects (carrier, payer), queried once per page.
    with django_assert_num_queries(9):
        response = client.get(AGREEMENTS)
    assert response.context["table"].totals == {"positions_fte": D(n)}


@pytest.mark.parametrize("n", [10, 1000])
def test_split_list_query_count_is_constant(client, login_as, county, n, django_assert_num_queries):
    login_as("coordinator", county)
    towns = Organisation.objects.bulk_create(
        Organisation(name=f"Gemeinde {i}", slug=f"g-{i}", kind="town", parent=county)
        for i in range(n)
    )
    splits = CostSplit.objects.bulk_create(
        CostSplit(recipient=county, name=f"Region {i}", method="equal", valid_from=date(2023, 1, 1))
        for i in range(n)
    )
    CostSplitMember.objects.bulk_create(
        CostSplitMember(split=s, organisation=t) for s, t in zip(splits, towns, strict=True)
    )
    # session, user with its role, permissions (1), organisation (page header), count, totals, page
    # rows, their towns, the forecasts waiting for the coordinator (navigation).
    # +2 for the filter selects (employer town, member town), queried once per page.
    with django_assert_num_queries(11):
        response = client.get(SPLITS)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_organisation_list_query_count_is_constant(
    client, login_as, city, n, django_assert_num_queries
):
    login_as("town", city)
    county = CountyFactory()
    Organisation.objects.bulk_create(
        Organisation(name=f"Gemeinde {i}", slug=f"g-{i}", kind="town", parent=county)
        for i in range(n)
    )
    # session, user with its role, permissions (1), organisation (page header), count, page rows with
    # their counties.
    # +1 for the filter selects (county), queried once per page.
    with django_assert_num_queries(7):
        response = client.get(ORGANISATIONS)
    assert response.status_code == 200


def test_an_agreement_filter_value_not_offered_is_named_next_to_its_select(
    client, login_as, city, caritas, awo, county, towns, plan
):
    """The lists' selects of known values (here the agreements' carrier) accept what they
    offer and name anything else next to the select (kim_admin.generic.OfferedChoice); the
    carrier AWO works for the city but has no agreement, so it is not offered."""
    login_as("finance", city)
    offered = client.get(AGREEMENTS, {"carrier": "caritas"})
    assert offered.context["filter"].form.errors == {}
    assert {r.record.pk for r in offered.context["table"].rows} == {plan["agreement"].pk}
    for value in ("awo", "gibt-es-nicht"):
        refused = client.get(AGREEMENTS, {"carrier": value})
        assert refused.status_code == 200
        assert refused.context["filter"].form.errors == {
            "carrier": [f"„{value}“ steht hier nicht zur Auswahl."]
        }
        assert list(refused.context["table"].rows) == []
