"""The guided setup of a new recipient (issue 16): an administrator walks through the steps in
the app's own pages; each step refuses bad input in German at the field; nothing is saved
before the last step and then everything at once; the new recipient's overview shows the
figures a hand calculation gives, and the administrator lands on its start page."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from carriers.models import CostSplit, ForwardingAgreement, Organisation
from funding.models import BuildingBlock, FundingRate, GrantNotice, Programme
from funding.overview import cost_overview
from kim_admin.models import User
from kim_admin.onboarding.services import (
    CarrierSetup,
    NoticeBlock,
    PositionSetup,
    RecipientSetup,
    SetupRefused,
    recipient_setup,
)
from staffing.models import OrganisationalUnit, Position
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def step(name):
    return reverse("onboarding:step", args=[name])


def formset(prefix, rows, total=None):
    data = {
        f"{prefix}-TOTAL_FORMS": str(total or max(len(rows), 1)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


RECIPIENT = {"name": "Kreis Musterland", "kind": "county", "slug": "kreis-musterland"}
UNITS = {
    **formset(
        "einheiten",
        [
            {"name": "Kommunales Integrationszentrum Musterland", "kind": "integration_centre"},
            {"name": "Ausländerbehörde", "kind": "foreigners_authority"},
        ],
    ),
    **formset("kommunen", [{"name": "Stadt Musterdorf", "slug": "musterdorf"}]),
    "split_method": "equal",
    "split_name": "Eigenanteil KIM Musterland",
    "split_valid_from": "01.01.2026",
}


def notice(blocks):
    """Seed 00_programme: blocks 1, 2, 3 have pks 1, 2, 3."""
    data = {
        "programme": "1",
        "reference": "51.07-KIM-2026",
        "issued_on": "15.02.2026",
        "period_start": "01.01.2026",
        "period_end": "31.12.2026",
    }
    for pk, (fte, maximum) in blocks.items():
        data[f"block_{pk}_fte"] = fte
        data[f"block_{pk}_max"] = maximum
    return data


NOTICE = {
    **notice({1: ("1", "160.000,00"), 2: ("1", ""), 3: ("0,5", "")}),
    # The notice grants 56,000 EUR per case management post instead of the programme's 57,000.
    "rate_2_case_management": "56.000,00",
}
CARRIERS = formset(
    "traeger",
    [
        {
            "existing": "",
            "name": "Caritasverband Musterland",
            "slug": "caritas-musterland",
            "valid_from": "01.01.2026",
            "coverage_policy": "all",
        }
    ],
)
E12, E11 = "6", "5"  # pay grade pks of the seed (00_programme.json)
POSITIONS = formset(
    "stellen",
    [
        {
            "title": "Koordination KI",
            "block": "1",
            "funding_kind": "coordination",
            "pay_grade": E12,
            "fte": "1",
            "employer": "unit-0",
            "planned_start": "01.01.2026",
            "occupied_from": "01.01.2026",
        },
        {
            "title": "Sachbearbeitung Ausländerbehörde",
            "block": "3",
            "funding_kind": "immigration_office",
            "pay_grade": E11,
            "fte": "0,5",
            "employer": "unit-1",
            "planned_start": "01.01.2026",
            "occupied_from": "01.01.2026",
        },
        {
            "title": "Casemanagement Caritas",
            "block": "2",
            "funding_kind": "case_management",
            "pay_grade": E11,
            "fte": "1",
            "employer": "carrier-0",
            "planned_start": "01.01.2026",
            "occupied_from": "01.07.2026",
        },
    ],
)
LOGINS = {
    "finance_username": "finanzen-musterland",
    "finance_email": "finanzen@musterland.example",
    "finance_password": "Kaemmerei-2026!x",
    "coordinator_username": "ki-musterland",
    "coordinator_email": "",
    "coordinator_password": "Integration-2026!y",
}


@pytest.fixture
def admin_client(client, demo_data):
    client.force_login(User.objects.create_superuser("chef", password="x"))
    return client


def walk(client, *, positions=POSITIONS, logins=LOGINS):
    for name, data in (
        ("empfaenger", RECIPIENT),
        ("einheiten", UNITS),
        ("bescheid", NOTICE),
        ("traeger", CARRIERS),
        ("stellen", positions),
    ):
        response = client.post(step(name), data)
        assert response.status_code == 302, (
            name,
            response.context and response.context["form"].errors,
        )
    return client.post(step("anmeldungen"), logins)


def assert_the_setup_and_its_hand_calculation(kreis):
    """What the wizard's walk and the API's document (tests/test_kim_admin_onboarding_api.py)
    both set up, and the overview a hand calculation gives for it."""
    caritas = Organisation.objects.get(slug="caritas-musterland")
    assert list(caritas.partner_recipients.all()) == [kreis]
    agreement = ForwardingAgreement.objects.get(recipient=kreis)
    assert (agreement.carrier, agreement.coverage_policy) == (caritas, "all")
    assert [p.title for p in agreement.positions.all()] == ["Casemanagement Caritas"]
    units = {u.name: u.kind for u in OrganisationalUnit.objects.filter(recipient=kreis)}
    assert units == {
        "Kommunales Integrationszentrum Musterland": "integration_centre",
        "Ausländerbehörde": "foreigners_authority",
    }
    own = Position.objects.get(title="Koordination KI", recipient=kreis)
    assert (own.employer, own.unit.name) == (kreis, "Kommunales Integrationszentrum Musterland")
    abh = Position.objects.get(title="Sachbearbeitung Ausländerbehörde", recipient=kreis)
    assert (abh.employer, abh.unit.name) == (kreis, "Ausländerbehörde")
    assert Position.objects.get(title="Casemanagement Caritas").unit is None
    town = Organisation.objects.get(slug="musterdorf")
    assert (town.kind, town.parent) == ("town", kreis)
    split = CostSplit.objects.get(recipient=kreis)
    assert (split.name, split.method) == ("Eigenanteil KIM Musterland", "equal")
    assert [m.organisation for m in split.members.all()] == [town]
    # The carrier's position is settled with the carrier, not shared by the towns.
    assert {p.title for p in split.positions.all()} == {
        "Koordination KI",
        "Sachbearbeitung Ausländerbehörde",
    }
    rate = FundingRate.objects.get(recipient=kreis)
    assert (rate.block.number, rate.kind, rate.amount, rate.valid_from) == (
        2,
        "case_management",
        Decimal("56000.00"),
        date(2026, 1, 1),
    )
    notice = GrantNotice.objects.get(recipient=kreis)
    assert {
        (b.block.number, b.approved_fte, b.max_personnel_funding) for b in notice.blocks.all()
    } == {
        (1, Decimal("1.000"), Decimal("160000.00")),
        (2, Decimal("1.000"), None),
        (3, Decimal("0.500"), None),
    }
    finance = User.objects.get(username="finanzen-musterland")
    assert (finance.role, finance.organisation) == ("finance", kreis)
    assert User.objects.get(username="ki-musterland").role == "coordinator"
    # The audit history names the administrator who set it up.
    assert kreis.history.first().history_user.username == "chef"
    assert own.history.first().history_user.username == "chef"
    assert (
        OrganisationalUnit.objects.get(name="Ausländerbehörde", recipient=kreis)
        .history.first()
        .history_user.username
        == "chef"
    )

    overview = cost_overview(kreis, 2026)
    # Hand calculation, 2026, seed 00_programme (rates and pay-grade costs):
    # Koordination KI: E 12 costs 81,338.00 a full-time year, filled 12 months at 1.0 FTE
    #   -> cost 81,338.00; coordination rate 55,000 x 12/12 = 55,000.00 < cost -> funding 55,000.00
    #   (workplace allowance 9,700/FTE is "up to" the material cost, which is 0 -> 0).
    # Sachbearbeitung Ausländerbehörde: E 11 costs 74,901.00 a full-time year, 0.5 FTE filled
    #   12 months -> 37,450.50; immigration office rate 50,000 x 0.5 = 25,000.00 -> funding
    #   25,000.00.
    # Casemanagement Caritas: E 11, filled 6 months (from 01.07.) -> 74,901 x 6/12 = 37,450.50;
    #   the notice's own rate 56,000 (not the programme's 57,000) x 6/12 = 28,000.00 -> funding
    #   28,000.00; own share 9,450.50, all of it carried by the county (coverage policy "all").
    # Totals: cost 81,338.00 + 37,450.50 + 37,450.50 = 156,239.00;
    # funding 55,000 + 25,000 + 28,000 = 108,000.00; own share 156,239.00 - 108,000.00
    # = 48,239.00.
    assert overview.totals.total_cost == Decimal("156239.00")
    assert overview.totals.funding == Decimal("108000.00")
    assert overview.totals.own_share == Decimal("48239.00")
    by_title = {r.position.title: r for r in overview.positions}
    assert by_title["Koordination KI"].amounts.funding == Decimal("55000.00")
    assert by_title["Sachbearbeitung Ausländerbehörde"].amounts.funding == Decimal("25000.00")
    assert by_title["Casemanagement Caritas"].amounts.total_cost == Decimal("37450.50")
    assert by_title["Casemanagement Caritas"].amounts.funding == Decimal("28000.00")


def test_the_new_recipients_overview_matches_the_hand_calculation(admin_client):
    response = walk(admin_client)
    assert response.status_code == 302
    assert response.url == reverse("home")

    kreis = Organisation.objects.get(slug="kreis-musterland")
    assert_the_setup_and_its_hand_calculation(kreis)

    # The administrator lands on the new recipient's start page without ?recipient=.
    home = admin_client.get(reverse("home"))
    assert home.context["recipient"] == kreis
    page = home.content.decode()
    assert "Kreis Musterland ist eingerichtet" in page
    assert "156.239,00" in page and "108.000,00" in page


def test_a_step_refuses_in_german_at_the_field_and_nothing_is_saved(admin_client):
    taken = admin_client.post(step("empfaenger"), {**RECIPIENT, "slug": "leverkusen"})
    assert taken.status_code == 200
    assert taken.context["form"].errors == {
        "slug": ["Dieses Kürzel ist schon vergeben. Bitte ein anderes wählen."]
    }
    # A later step cannot be reached before the earlier ones are done.
    assert admin_client.get(step("stellen")).url == step("empfaenger")

    assert admin_client.post(step("empfaenger"), RECIPIENT).status_code == 302
    no_ki = {
        **formset("einheiten", []),
        **formset("kommunen", [{"name": "Leverkusen", "slug": "leverkusen"}]),
        "split_method": "fixed_percent",
    }
    refused = admin_client.post(step("einheiten"), no_ki).context["form"]
    assert refused.units.non_form_errors() == [
        "Bitte mindestens eine Organisationseinheit angeben (das KI)."
    ]
    assert refused.towns.forms[0].errors == {
        "slug": ["Dieses Kürzel ist schon vergeben. Bitte ein anderes wählen."]
    }
    assert refused.split.errors == {
        "split_name": ["Bitte ausfüllen."],
        "split_valid_from": ["Bitte ausfüllen."],
    }
    assert admin_client.post(step("einheiten"), UNITS).status_code == 302
    backwards = admin_client.post(
        step("bescheid"), {**NOTICE, "period_start": "01.01.2026", "period_end": "31.12.2025"}
    )
    assert "period_end" in backwards.context["form"].errors
    nothing = admin_client.post(step("bescheid"), notice({1: ("", ""), 2: ("", "")}))
    assert nothing.context["form"].non_field_errors() == [
        "Bitte für mindestens einen Baustein bewilligte Stellen angeben."
    ]
    assert admin_client.post(step("bescheid"), NOTICE).status_code == 302

    percent_missing = formset(
        "traeger",
        [
            {
                "name": "AWO Musterland",
                "slug": "awo-musterland",
                "valid_from": "01.01.2026",
                "coverage_policy": "percent",
            }
        ],
    )
    refused = admin_client.post(step("traeger"), percent_missing)
    assert refused.context["form"].forms[0].errors == {
        "coverage_percent": ["Bitte den übernommenen Anteil in Prozent angeben."]
    }
    assert admin_client.post(step("traeger"), CARRIERS).status_code == 302

    wrong = formset(
        "stellen",
        [
            {
                "title": "Koordination",
                "block": "2",
                "funding_kind": "coordination",
                "pay_grade": E12,
                "fte": "1,5",
                "employer": "unit-0",
                "planned_start": "01.01.2026",
                "occupied_from": "01.12.2025",
            }
        ],
    )
    errors = admin_client.post(step("stellen"), wrong).context["form"].forms[0].errors
    assert {field: [str(m) for m in texts] for field, texts in errors.items()} == {
        "funding_kind": ["Für „Koordination“ gibt es in Baustein 2 keinen Fördersatz."],
        "fte": ["Der Stellenanteil muss größer als 0 und höchstens 1 sein (z. B. 0,5)."],
        "occupied_from": ["Die Besetzung beginnt vor dem Beginn der Stelle."],
    }
    assert admin_client.post(step("stellen"), POSITIONS).status_code == 302

    weak = admin_client.post(
        step("anmeldungen"), {**LOGINS, "finance_username": "CHEF", "finance_password": "123"}
    )
    errors = weak.context["form"].errors
    assert errors["finance_username"] == ["Diesen Benutzernamen gibt es schon."]
    # Django's password validators, in German (too short, entirely numeric, ...).
    assert any("Passwort" in message for message in errors["finance_password"])
    # Nothing of the four steps before was saved.
    assert not Organisation.objects.filter(
        slug__in=["kreis-musterland", "caritas-musterland"]
    ).exists()


def test_a_step_that_no_longer_holds_sends_the_admin_back_to_it(admin_client):
    """A slug taken by someone else between the carriers' step and the last one: every step is
    checked again, nothing is saved, and the administrator is sent to the step to correct."""
    for name, data in (
        ("empfaenger", RECIPIENT),
        ("einheiten", UNITS),
        ("bescheid", NOTICE),
        ("traeger", CARRIERS),
        ("stellen", POSITIONS),
    ):
        admin_client.post(step(name), data)
    Organisation.objects.create(name="Zuvorgekommen", slug="caritas-musterland", kind="carrier")

    response = admin_client.post(step("anmeldungen"), LOGINS)

    assert response.url == step("traeger")
    again = admin_client.get(step("traeger"))
    assert again.context["form"].forms[0].errors["slug"] == [
        "Dieses Kürzel ist schon vergeben. Bitte ein anderes wählen."
    ]
    assert not Organisation.objects.filter(slug="kreis-musterland").exists()
    assert not User.objects.filter(username="finanzen-musterland").exists()


def test_the_service_saves_all_or_nothing(demo_data):
    """A carrier position that starts before its forwarding agreement is refused by
    position_save (staffing.services.forwarding_agreement_error): the recipient, its notice and
    its carrier, saved before it in the same transaction, are gone too."""
    admin = User.objects.create_superuser("chef", password="x")
    setup = RecipientSetup(
        name="Kreis Musterland",
        slug="kreis-musterland",
        kind="county",
        programme=Programme.objects.get(pk=1),
        notice_reference="",
        issued_on=date(2026, 2, 15),
        period_start=date(2026, 1, 1),
        period_end=None,
        notice_blocks=[NoticeBlock(BuildingBlock.objects.get(pk=2), Decimal("1"))],
        carriers=[
            CarrierSetup(None, "Caritas Musterland", "caritas-musterland", date(2026, 7, 1), "all")
        ],
        positions=[
            PositionSetup(
                title="Casemanagement",
                block=BuildingBlock.objects.get(pk=2),
                funding_kind="case_management",
                pay_grade=None,
                fte=Decimal("1"),
                planned_start=date(2026, 1, 1),
                carrier=0,
            )
        ],
    )

    with pytest.raises(SetupRefused) as refused:
        recipient_setup(setup=setup, actor=admin)

    assert refused.value.step == "stellen"
    assert "Weiterleitungsvertrag" in refused.value.messages[0]
    assert not Organisation.objects.filter(
        slug__in=["kreis-musterland", "caritas-musterland"]
    ).exists()
    assert not GrantNotice.objects.filter(recipient__slug="kreis-musterland").exists()


@pytest.mark.parametrize("role", ["finance", "coordinator", "carrier", "town", "council"])
def test_only_administrators_set_up_recipients(client, leverkusen, role):
    organisation = {
        "carrier": Organisation.objects.get(slug="caritas-leverkusen"),
        "town": Organisation.objects.get(slug="hueckeswagen"),
    }.get(role, leverkusen)
    client.force_login(UserFactory(role=role, organisation=organisation))
    assert client.get(step("empfaenger")).status_code == 403
    assert client.post(step("empfaenger"), RECIPIENT).status_code == 403
    assert not Organisation.objects.filter(slug="kreis-musterland").exists()


def test_the_pages_are_german_in_the_layout(admin_client):
    page = admin_client.get(reverse("onboarding:start"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Neuen Zuwendungsempfänger einrichten" in html
    assert 'aria-current="step"' in html
    assert "Einrichtung</a>" in html  # the administrator's menu entry
