"""The endpoints of reference data and of the plan around the positions: organisations,
programmes, building blocks, funding rates, grant notices, scenarios, programme costs,
revenue accounts, pay grades and their costs, forwarding agreements, cost splits.

Content, filters, and the pinned number of queries of each list (the same for 10 and 1,000 rows).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    Programme,
    ProgrammeCost,
    RevenueAccount,
    Scenario,
)
from staffing.models import PayGrade, PayGradeCost, Position
from tests.api_helpers import ids, token_client
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    CostSplitFactory,
    CostSplitMemberFactory,
    CountyFactory,
    ForwardingAgreementFactory,
    FundingRateFactory,
    GrantNoticeBlockFactory,
    GrantNoticeFactory,
    OrganisationFactory,
    PayGradeCostFactory,
    PayGradeFactory,
    PositionFactory,
    ProgrammeCostFactory,
    ProgrammeFactory,
    RevenueAccountFactory,
    ScenarioFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Reference data ---------------------------------------------------------------------------


def test_organisations_are_the_users_circle_with_filters(finance_api, city):
    """A recipient's users see the recipient, its towns and the carriers that work for it;
    another county and its towns are not theirs (kim_admin.scoping)."""
    wesel = CountyFactory(name="Kreis Wesel", slug="kreis-wesel")
    voerde = TownFactory(name="Voerde", slug="voerde", parent=wesel, levy_share=Decimal("4.5"))
    caritas = CarrierFactory(name="Caritasverband", slug="caritas", works_for=[city])
    url = reverse("api:organisation-list")

    assert ids(finance_api.get(url)) == {city.pk, caritas.pk}
    assert ids(finance_api.get(url, {"q": "cari"})) == {caritas.pk}
    assert ids(finance_api.get(url, {"slug": "leverkusen"})) == {city.pk}
    assert finance_api.get(reverse("api:organisation-detail", args=[voerde.pk])).status_code == 404
    assert finance_api.get(url, {"kind": "verein"}).status_code == 400

    wesel_api = token_client(UserFactory(role="finance", organisation=wesel))
    assert ids(wesel_api.get(url)) == {wesel.pk, voerde.pk}
    assert ids(wesel_api.get(url, {"kind": "town"})) == {voerde.pk}
    assert ids(wesel_api.get(url, {"parent": "kreis-wesel"})) == {voerde.pk}
    data = wesel_api.get(reverse("api:organisation-detail", args=[voerde.pk])).json()
    assert data["kind_label"] == "Kreisangehörige Kommune"
    assert data["parent"] == wesel.pk
    assert data["parent_slug"] == "kreis-wesel"
    assert data["levy_share"] == "4.5000"


def test_programmes_and_building_blocks(finance_api):
    kim = ProgrammeFactory()
    other = ProgrammeFactory(name="Anderes Programm", slug="anderes")
    block1 = BuildingBlockFactory(programme=kim, number=1, name="Strategische Koordinierung")
    block2 = BuildingBlockFactory(programme=kim, number=2, name="Casemanagement")
    elsewhere = BuildingBlockFactory(programme=other, number=1)
    blocks = reverse("api:buildingblock-list")

    assert ids(finance_api.get(reverse("api:programme-list"), {"slug": "kim-nrw"})) == {kim.pk}
    assert ids(finance_api.get(blocks, {"programme": "kim-nrw"})) == {block1.pk, block2.pk}
    assert ids(finance_api.get(blocks, {"number": 1})) == {block1.pk, elsewhere.pk}
    data = finance_api.get(reverse("api:buildingblock-detail", args=[block2.pk])).json()
    assert data["programme_slug"] == "kim-nrw"
    assert data["display"] == "Baustein 2: Casemanagement"


def test_funding_rates_by_kind_block_and_valid_on(finance_api, city):
    """Block 2 was 55,000 EUR/FTE in 2021–2022 and 57,000 EUR/FTE from 2023 (DOMAIN)."""
    kim = ProgrammeFactory()
    block1 = BuildingBlockFactory(programme=kim, number=1)
    block2 = BuildingBlockFactory(programme=kim, number=2)
    cm_2021 = FundingRateFactory(block=block2, amount=Decimal("55000"), valid_from=date(2021, 1, 1))
    cm_2023 = FundingRateFactory(block=block2, amount=Decimal("57000"), valid_from=date(2023, 1, 1))
    coordination = FundingRateFactory(
        block=block1, kind="coordination", amount=Decimal("55000"), valid_from=date(2021, 1, 1)
    )
    own = FundingRateFactory(
        block=block2, recipient=city, amount=Decimal("56000"), valid_from=date(2023, 1, 1)
    )
    scenario = ScenarioFactory(recipient=city, slug="minimum")
    in_scenario = FundingRateFactory(
        block=block2,
        recipient=city,
        scenario=scenario,
        amount=Decimal("60000"),
        valid_from=date(2024, 1, 1),
    )
    url = reverse("api:fundingrate-list")

    assert ids(finance_api.get(url)) == {cm_2021.pk, cm_2023.pk, coordination.pk, own.pk}
    assert ids(finance_api.get(url, {"kind": "case_management", "block": 2, "recipient": ""})) == {
        cm_2021.pk,
        cm_2023.pk,
        own.pk,
    }
    assert ids(finance_api.get(url, {"valid_on": "2022-12-31"})) == {cm_2021.pk, coordination.pk}
    # A rate is valid until the next one of the same kind, block, recipient and scenario.
    assert ids(finance_api.get(url, {"valid_on": "2023-01-01"})) == {
        cm_2023.pk,
        coordination.pk,
        own.pk,
    }
    assert ids(finance_api.get(url, {"valid_on": "01.06.2024", "recipient": "leverkusen"})) == {
        own.pk
    }
    assert ids(finance_api.get(url, {"scenario": "minimum"})) == {in_scenario.pk}
    assert ids(finance_api.get(url, {"valid_on": "2020-12-31"})) == set()
    assert finance_api.get(url, {"valid_on": "gestern"}).status_code == 400
    data = finance_api.get(reverse("api:fundingrate-detail", args=[own.pk])).json()
    assert data["amount"] == "56000.00"
    assert data["kind_label"] == "Casemanagement"
    assert data["block_number"] == 2
    assert data["recipient_slug"] == "leverkusen"
    assert data["capped_at_cost"] is True


def test_pay_grades_and_their_costs(finance_api):
    s12 = PayGradeFactory(code="S 12", name="Sozial- und Erziehungsdienst")
    e11 = PayGradeFactory(code="E 11")
    s12_2024 = PayGradeCostFactory(pay_grade=s12, year=2024)
    s12_2025 = PayGradeCostFactory(pay_grade=s12, year=2025)
    e11_2024 = PayGradeCostFactory(pay_grade=e11, year=2024)
    costs = reverse("api:paygradecost-list")

    assert ids(finance_api.get(reverse("api:paygrade-list"), {"code": "E 11"})) == {e11.pk}
    assert ids(finance_api.get(costs, {"pay_grade": "S 12"})) == {s12_2024.pk, s12_2025.pk}
    assert ids(finance_api.get(costs, {"year": 2024})) == {s12_2024.pk, e11_2024.pk}
    data = finance_api.get(reverse("api:paygradecost-detail", args=[s12_2024.pk])).json()
    assert data["pay_grade_code"] == "S 12"
    assert data["employer_gross_per_fte"] == "66000.00"
    assert data["display"] == "S 12 2024"


# --- The plan around the positions ------------------------------------------------------------


def test_grant_notices_nest_their_blocks(finance_api, city):
    """Seed 001: Leverkusen's notice of 15.02.2021 for 2021–2022, later made permanent."""
    first = GrantNoticeFactory(
        recipient=city,
        issued_on=date(2021, 2, 15),
        period_start=date(2021, 1, 1),
        period_end=date(2022, 12, 31),
    )
    permanent = GrantNoticeFactory(
        recipient=city, issued_on=date(2023, 2, 15), period_start=date(2023, 1, 1)
    )
    block2 = GrantNoticeBlockFactory(
        notice=first, block=BuildingBlockFactory(number=2), approved_fte=Decimal("5")
    )
    block1 = GrantNoticeBlockFactory(
        notice=first,
        block=BuildingBlockFactory(number=1),
        approved_fte=Decimal("3"),
        max_personnel_funding=Decimal("160000"),
    )
    url = reverse("api:grantnotice-list")

    assert ids(finance_api.get(url, {"year": 2022})) == {first.pk}
    assert ids(finance_api.get(url, {"year": 2024})) == {permanent.pk}
    assert ids(finance_api.get(url, {"recipient": "leverkusen", "programme": "kim-nrw"})) == {
        first.pk,
        permanent.pk,
    }
    data = finance_api.get(reverse("api:grantnotice-detail", args=[first.pk])).json()
    assert data["recipient_slug"] == "leverkusen"
    assert data["display"] == "Bescheid vom 15.02.2021 (Stadt Leverkusen)"
    assert data["blocks"] == [
        {
            "id": block1.pk,
            "block": block1.block_id,
            "block_number": 1,
            "block_name": "Baustein 1",
            "approved_fte": "3.000",
            "max_personnel_funding": "160000.00",
        },
        {
            "id": block2.pk,
            "block": block2.block_id,
            "block_number": 2,
            "block_name": "Baustein 2",
            "approved_fte": "5.000",
            "max_personnel_funding": None,
        },
    ]


def test_scenarios_programme_costs_and_revenue_accounts(finance_api, city):
    scenario = ScenarioFactory(recipient=city, name="Alles zur Stadt", slug="stadt")
    events = ProgrammeCostFactory(recipient=city, year=2024, category="events")
    support = ProgrammeCostFactory(
        recipient=city, year=2025, category="external_support", amount=Decimal("10000")
    )
    in_scenario = ProgrammeCostFactory(recipient=city, scenario=scenario)
    personnel = RevenueAccountFactory(recipient=city, category="personnel")
    material = RevenueAccountFactory(recipient=city, category="material", ledger_account="414100")
    costs, accounts = reverse("api:programmecost-list"), reverse("api:revenueaccount-list")

    assert ids(finance_api.get(reverse("api:scenario-list"), {"slug": "stadt"})) == {scenario.pk}
    assert ids(finance_api.get(costs)) == {events.pk, support.pk}
    assert ids(finance_api.get(costs, {"year": 2024})) == {events.pk}
    assert ids(finance_api.get(costs, {"category": "external_support"})) == {support.pk}
    assert ids(finance_api.get(costs, {"scenario": "stadt"})) == {in_scenario.pk}
    assert ids(finance_api.get(costs, {"block": 1, "status": "planned"})) == {events.pk, support.pk}
    assert ids(finance_api.get(accounts, {"category": "material"})) == {material.pk}
    assert ids(finance_api.get(accounts, {"recipient": "leverkusen"})) == {
        personnel.pk,
        material.pk,
    }
    data = finance_api.get(reverse("api:programmecost-detail", args=[events.pk])).json()
    assert data["category_label"] == "Veranstaltungen und Maßnahmen"
    assert data["status_label"] == "Plan"
    assert data["amount"] == "49000.00"
    assert data["block_number"] == 1
    account = finance_api.get(reverse("api:revenueaccount-detail", args=[material.pk])).json()
    assert account["category_label"] == "Sachkosten"
    assert account["ledger_account"] == "414100"


def test_forwarding_agreements(finance_api, city):
    caritas = CarrierFactory(slug="caritas")
    awo = CarrierFactory(slug="awo")
    forwarded = PositionFactory(recipient=city, employer=caritas)
    to_caritas = ForwardingAgreementFactory(
        recipient=city, carrier=caritas, valid_from=date(2021, 1, 1)
    )
    to_caritas.positions.add(forwarded)
    to_awo = ForwardingAgreementFactory(
        recipient=city,
        carrier=awo,
        payer=city,
        valid_from=date(2021, 1, 1),
        valid_to=date(2022, 12, 31),
        coverage_policy="flat_per_fte",
        coverage_flat_per_fte=Decimal("5000"),
    )
    url = reverse("api:forwardingagreement-list")

    assert ids(finance_api.get(url)) == {to_caritas.pk, to_awo.pk}
    assert ids(finance_api.get(url, {"carrier": "awo"})) == {to_awo.pk}
    assert ids(finance_api.get(url, {"position": forwarded.pk})) == {to_caritas.pk}
    assert ids(finance_api.get(url, {"year": 2024})) == {to_caritas.pk}
    assert ids(finance_api.get(url, {"coverage_policy": "flat_per_fte"})) == {to_awo.pk}
    data = finance_api.get(reverse("api:forwardingagreement-detail", args=[to_awo.pk])).json()
    assert data["carrier_slug"] == "awo"
    assert data["payer_slug"] == "leverkusen"
    assert data["coverage_policy_label"] == "Pauschale je Vollzeitstelle"
    assert data["coverage_flat_per_fte"] == "5000.00"
    assert data["positions"] == []
    positions = finance_api.get(reverse("api:forwardingagreement-detail", args=[to_caritas.pk]))
    assert positions.json()["positions"] == [forwarded.pk]


def test_cost_splits_nest_their_members(finance_api):
    """Seed 003 (Kreis Coesfeld): region North, employer town Coesfeld, split in equal parts."""
    coesfeld_county = CountyFactory(slug="kreis-coesfeld")
    coesfeld = TownFactory(name="Coesfeld", slug="coesfeld", parent=coesfeld_county)
    billerbeck = TownFactory(name="Billerbeck", slug="billerbeck", parent=coesfeld_county)
    north = CostSplitFactory(recipient=coesfeld_county, name="Nord", employer_town=coesfeld)
    south = CostSplitFactory(recipient=coesfeld_county, name="Süd", method="fixed_percent")
    member_b = CostSplitMemberFactory(split=north, organisation=billerbeck)
    member_c = CostSplitMemberFactory(split=north, organisation=coesfeld)
    position = PositionFactory(recipient=coesfeld_county)
    north.positions.add(position)
    admin = token_client(UserFactory(role="admin"))
    url = reverse("api:costsplit-list")

    assert ids(admin.get(url, {"recipient": "kreis-coesfeld"})) == {north.pk, south.pk}
    assert ids(admin.get(url, {"member": "billerbeck"})) == {north.pk}
    assert ids(admin.get(url, {"employer_town": "coesfeld"})) == {north.pk}
    assert ids(admin.get(url, {"method": "fixed_percent"})) == {south.pk}
    data = admin.get(reverse("api:costsplit-detail", args=[north.pk])).json()
    assert data["method_label"] == "Zu gleichen Teilen"
    assert data["employer_town_slug"] == "coesfeld"
    assert data["positions"] == [position.pk]
    assert data["members"] == [
        {
            "id": member_b.pk,
            "organisation": billerbeck.pk,
            "organisation_slug": "billerbeck",
            "organisation_name": "Billerbeck",
            "percent": None,
        },
        {
            "id": member_c.pk,
            "organisation": coesfeld.pk,
            "organisation_slug": "coesfeld",
            "organisation_name": "Coesfeld",
            "percent": None,
        },
    ]


# --- Query counts -----------------------------------------------------------------------------


def _day(i: int) -> date:
    return date(2000, 1, 1) + timedelta(days=i)


def _positions(n, recipient, block) -> list[Position]:
    return Position.objects.bulk_create(
        Position(
            recipient=recipient,
            block=block,
            funding_kind="case_management",
            title=f"Casemanagement {i:04}",
            fte=Decimal("1"),
            employer=recipient,
            planned_start=date(2023, 1, 1),
        )
        for i in range(n)
    )


def build_organisations(n, recipient):
    """Towns of the recipient (a recipient's users see its circle, kim_admin.scoping)."""
    Organisation.objects.bulk_create(
        Organisation(
            name=f"Gemeinde {i:04}", slug=f"gemeinde-{i:04}", kind="town", parent=recipient
        )
        for i in range(n)
    )


def build_programmes(n, recipient):
    Programme.objects.bulk_create(
        Programme(name=f"Programm {i:04}", slug=f"programm-{i:04}") for i in range(n)
    )


def build_building_blocks(n, recipient):
    programme = ProgrammeFactory()
    BuildingBlock.objects.bulk_create(
        BuildingBlock(programme=programme, number=i + 10, name=f"Baustein {i + 10}")
        for i in range(n)
    )


def build_funding_rates(n, recipient):
    block = BuildingBlockFactory()
    FundingRate.objects.bulk_create(
        FundingRate(
            programme=block.programme,
            block=block,
            kind="case_management",
            amount=Decimal("57000"),
            valid_from=_day(i),
        )
        for i in range(n)
    )


def build_grant_notices(n, recipient):
    programme = ProgrammeFactory()
    block1, block2 = BuildingBlockFactory(number=1), BuildingBlockFactory(number=2)
    notices = GrantNotice.objects.bulk_create(
        GrantNotice(
            recipient=recipient, programme=programme, issued_on=_day(i), period_start=_day(i)
        )
        for i in range(n)
    )
    GrantNoticeBlock.objects.bulk_create(
        GrantNoticeBlock(notice=notice, block=block, approved_fte=Decimal("2.5"))
        for notice in notices
        for block in (block1, block2)
    )


def build_scenarios(n, recipient):
    Scenario.objects.bulk_create(
        Scenario(recipient=recipient, name=f"Szenario {i:04}", slug=f"szenario-{i:04}")
        for i in range(n)
    )


def build_programme_costs(n, recipient):
    block = BuildingBlockFactory(number=1)
    ProgrammeCost.objects.bulk_create(
        ProgrammeCost(
            recipient=recipient,
            block=block,
            year=2024,
            category="events",
            status="planned",
            amount=Decimal("49000"),
        )
        for _ in range(n)
    )


def build_revenue_accounts(n, recipient):
    """Two accounts a recipient at most (personnel, material): the rest at other recipients."""
    others = Organisation.objects.bulk_create(
        Organisation(name=f"Stadt {i:04}", slug=f"stadt-{i:04}", kind="county_free_city")
        for i in range(n - 2)
    )
    RevenueAccount.objects.bulk_create(
        [
            RevenueAccount(recipient=recipient, category="personnel", ledger_account="414101"),
            RevenueAccount(recipient=recipient, category="material", ledger_account="414100"),
            *(
                RevenueAccount(recipient=o, category="personnel", ledger_account="1")
                for o in others
            ),
        ]
    )


def build_pay_grades(n, recipient):
    PayGrade.objects.bulk_create(PayGrade(code=f"E {i:04}") for i in range(n))


def build_pay_grade_costs(n, recipient):
    grades = PayGrade.objects.bulk_create(PayGrade(code=f"E {i:04}") for i in range(n))
    PayGradeCost.objects.bulk_create(
        PayGradeCost(pay_grade=g, year=2024, employer_gross_per_fte=Decimal("66000"))
        for g in grades
    )


def build_forwarding_agreements(n, recipient):
    carrier = CarrierFactory()
    positions = _positions(n, recipient, BuildingBlockFactory(number=2))
    agreements = ForwardingAgreement.objects.bulk_create(
        ForwardingAgreement(
            recipient=recipient,
            carrier=carrier,
            payer=recipient if i % 2 else None,
            valid_from=_day(i),
            coverage_policy="all",
        )
        for i in range(n)
    )
    ForwardingAgreement.positions.through.objects.bulk_create(
        ForwardingAgreement.positions.through(forwardingagreement=a, position=p)
        for a, p in zip(agreements, positions, strict=True)
    )


def build_cost_splits(n, recipient):
    town_a, town_b = TownFactory(), TownFactory()
    positions = _positions(n, recipient, BuildingBlockFactory(number=2))
    splits = CostSplit.objects.bulk_create(
        CostSplit(
            recipient=recipient,
            name=f"Region {i:04}",
            employer_town=town_a,
            method="equal",
            valid_from=date(2022, 1, 1),
        )
        for i in range(n)
    )
    CostSplitMember.objects.bulk_create(
        CostSplitMember(split=split, organisation=town)
        for split in splits
        for town in (town_a, town_b)
    )
    CostSplit.positions.through.objects.bulk_create(
        CostSplit.positions.through(costsplit=s, position=p)
        for s, p in zip(splits, positions, strict=True)
    )


# url name: (model, builder, queries of a list request for an admin with token authentication:
# token + user (1), COUNT (1), page (1), one per nested list).
LISTS = {
    "api:organisation-list": (Organisation, build_organisations, 4),
    "api:programme-list": (Programme, build_programmes, 3),
    "api:buildingblock-list": (BuildingBlock, build_building_blocks, 3),
    "api:fundingrate-list": (FundingRate, build_funding_rates, 3),
    "api:grantnotice-list": (GrantNotice, build_grant_notices, 4),
    "api:scenario-list": (Scenario, build_scenarios, 3),
    "api:programmecost-list": (ProgrammeCost, build_programme_costs, 3),
    "api:revenueaccount-list": (RevenueAccount, build_revenue_accounts, 3),
    "api:paygrade-list": (PayGrade, build_pay_grades, 3),
    "api:paygradecost-list": (PayGradeCost, build_pay_grade_costs, 3),
    "api:forwardingagreement-list": (ForwardingAgreement, build_forwarding_agreements, 4),
    "api:costsplit-list": (CostSplit, build_cost_splits, 5),
}
# Every other role adds the permission check (user + group permissions: 1, one statement,
# kim_admin/backends.py); its role comes with the user (kim_admin.backends.with_role).
ROLE_EXTRA_QUERIES = 1


@pytest.mark.parametrize("n", [10, 1000])
@pytest.mark.parametrize("url_name", sorted(LISTS))
def test_list_query_count_is_constant_for_admin(url_name, n, django_assert_num_queries):
    model, build, queries = LISTS[url_name]
    build(n, OrganisationFactory())
    client = token_client(UserFactory(role="admin"))
    visible = model.objects.count()
    assert visible >= n

    with django_assert_num_queries(queries):
        response = client.get(reverse(url_name), {"limit": 1000})

    assert response.status_code == 200
    # A page holds at most 1,000 rows (kim_admin.rest.Pagination), whatever ?limit= says.
    assert response.data["count"] == visible
    assert len(response.data["results"]) == min(visible, 1000)


# 10 against 1,000 rows is pinned for admin above; for finance 10 against 100.
@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.parametrize("url_name", sorted(LISTS))
def test_list_query_count_is_constant_for_finance(url_name, n, django_assert_num_queries):
    model, build, queries = LISTS[url_name]
    recipient = OrganisationFactory()
    build(n, recipient)
    user = UserFactory(role="finance", organisation=recipient)
    client = token_client(user)
    visible = model.objects.restrict(user).count()
    # Everything the builder made is the recipient's, but for the two revenue accounts a
    # recipient can hold.
    assert visible >= (2 if model is RevenueAccount else n)

    with django_assert_num_queries(queries + ROLE_EXTRA_QUERIES):
        response = client.get(reverse(url_name), {"limit": 1000})

    assert response.status_code == 200
    assert response.data["count"] == len(response.data["results"]) == visible
