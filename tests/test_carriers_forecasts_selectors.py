"""Figures of carriers' statements (carriers.forecasts.selectors) and their place in the cost
engine (funding.selectors), each worked out by hand here, not taken from the code under test.

The rates are the programme's (fixtures/00_programme.json): block 2 case management
57,000 EUR per FTE from 01.01.2023, capped at the employer gross ("bis zu 57.000 € des
Arbeitgeberbruttos"); the workplace allowance (9,700 EUR) is a block 1 rate only, so a block 2
position gets no material funding. Leverkusen's Caritas positions 1005 and 1015 are 1.0 FTE and
filled all year (fixtures/01_leverkusen.json); the forwarding agreement has coverage "all":
the city carries everything above the funding.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from carriers.forecasts.selectors import (
    carrier_actuals,
    carrier_due,
    forecast_compare,
    forecast_effect,
    forecast_findings,
    review_inbox,
)
from carriers.models import Organisation
from funding.overview import cost_overview
from staffing.models import Position
from tests.factories import (
    CarrierFactory,
    CarrierPaymentFactory,
    CostForecastFactory,
    ForecastLineFactory,
    ForwardingAgreementFactory,
    OccupancyFactory,
    OrganisationFactory,
    PositionFactory,
    UserFactory,
    YearClosingFactory,
)

pytestmark = pytest.mark.django_db

# An open year without demo statements of Caritas (fixtures/05_* closes 2022 to 2024).
YEAR = 2026
# fixtures/01_leverkusen.json, planned cost 2026 of 1005: 72,560 + 12,500 + 20,316.80.
PLAN_1005 = D("105376.80")


@pytest.fixture
def cm1(demo_data):
    return Position.objects.get(pk=1005)


@pytest.fixture
def cm2(demo_data):
    return Position.objects.get(pk=1015)


def statement(leverkusen, leverkusen_caritas, lines, **fields):
    """A statement of Caritas for Leverkusen with lines {position: (gross, material, overhead)}."""
    forecast = CostForecastFactory(
        recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR, **fields
    )
    for position, (gross, material, overhead) in lines.items():
        ForecastLineFactory(
            forecast=forecast,
            position=position,
            employer_gross=D(gross),
            material=D(material),
            overhead=D(overhead),
        )
    return forecast


def engine_cost(recipient, position, year=YEAR):
    """The cost the engine takes for the position in the year, and where it comes from."""
    result = next(
        r for r in cost_overview(recipient, year).positions if r.position.id == position.pk
    )
    return result.amounts.total_cost, result.cost_source


# --- Effect --------------------------------------------------------------------------------------


def test_effect_of_a_full_year_position_under_coverage_all(leverkusen, leverkusen_caritas, cm1):
    forecast = statement(leverkusen, leverkusen_caritas, {cm1: ("70000", "5000", "3000")})

    effect = forecast_effect(forecast)

    # cost     70,000 + 5,000 + 3,000                           = 78,000
    # funding  min(57,000 × 1.0 FTE × 12/12, gross 70,000)      = 57,000 (no workplace
    #          allowance in block 2)
    # own      78,000 − 57,000                                  = 21,000
    # coverage "all": the city carries the whole own share, the carrier nothing.
    (only,) = effect.lines
    assert (only.position_id, only.title) == (1005, "Casemanagement Caritas 1")
    assert only.total_cost == D("78000.00")
    assert only.funding == D("57000.00")
    assert only.own_share == D("21000.00")
    assert only.carrier_carries == D("0")
    assert only.recipient_carries == D("21000.00")
    assert (effect.total_cost, effect.funding, effect.recipient_carries) == (
        D("78000.00"),
        D("57000.00"),
        D("21000.00"),
    )


def test_funding_is_capped_at_the_employer_gross(leverkusen, leverkusen_caritas, cm1, cm2):
    forecast = statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("70000", "5000", "3000"), cm2: ("50000", "2000", "1000")},
    )

    effect = forecast_effect(forecast)

    # 1015: cost 50,000 + 2,000 + 1,000 = 53,000; funding min(57,000, 50,000) = 50,000;
    # own 3,000.  Totals: cost 78,000 + 53,000 = 131,000; funding 57,000 + 50,000 = 107,000;
    # the city carries 21,000 + 3,000 = 24,000.
    second = next(e for e in effect.lines if e.position_id == 1015)
    assert (second.total_cost, second.funding, second.recipient_carries) == (
        D("53000.00"),
        D("50000.00"),
        D("3000.00"),
    )
    assert (effect.total_cost, effect.funding, effect.recipient_carries) == (
        D("131000.00"),
        D("107000.00"),
        D("24000.00"),
    )


@pytest.mark.parametrize(
    ("policy", "extra", "carrier_carries", "recipient_carries"),
    [
        # 40 % of the own share 21,000 = 8,400 covered; the carrier keeps 12,600.
        ("percent", {"coverage_percent": D("40")}, D("12600.00"), D("8400.00")),
        # Kreis Heinsberg's flat top-up: 5,000 × 1.0 FTE × 12/12 = 5,000 covered.
        ("flat_per_fte", {"coverage_flat_per_fte": D("5000")}, D("16000.00"), D("5000.00")),
        # Nothing covered: the carrier carries all of 21,000.
        ("none", {}, D("21000.00"), D("0")),
    ],
)
def test_who_carries_the_own_share_follows_the_coverage_policy(
    policy, extra, carrier_carries, recipient_carries, demo_data
):
    city, carrier = OrganisationFactory(name="Stadt Neuland"), CarrierFactory()
    position = PositionFactory(
        recipient=city, employer=carrier, planned_start=date(2023, 1, 1), title="CM Neuland"
    )
    OccupancyFactory(position=position)
    agreement = ForwardingAgreementFactory(
        recipient=city, carrier=carrier, coverage_policy=policy, **extra
    )
    agreement.positions.add(position)
    forecast = CostForecastFactory(recipient=city, carrier=carrier, year=YEAR)
    ForecastLineFactory(forecast=forecast, position=position)  # 70,000 / 5,000 / 3,000

    effect = forecast_effect(forecast)

    assert (effect.total_cost, effect.funding, effect.own_share) == (
        D("78000.00"),
        D("57000.00"),
        D("21000.00"),
    )
    assert (effect.carrier_carries, effect.recipient_carries) == (
        carrier_carries,
        recipient_carries,
    )


# --- Comparing versions --------------------------------------------------------------------------


def test_compare_two_versions_and_the_saving(leverkusen, leverkusen_caritas, cm1, cm2):
    old = statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("80000", "6000", "4000"), cm2: ("60000", "5000", "2000")},
        state="superseded",
        number=1,
    )
    new = statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("75000", "6000", "4000"), cm2: ("56000", "5000", "2000")},
        state="approved",
        number=2,
        revision_of=old,
    )

    comparison = forecast_compare(old, new)

    # 1005: old 90,000 (city 90,000 − 57,000 = 33,000), new 85,000 (28,000): −5,000 / −5,000.
    # 1015: old 67,000 (city 10,000), new 63,000 with funding min(57,000, 56,000) = 56,000
    #       (city 7,000): cost −4,000, the city only −3,000 (the funding falls by 1,000).
    # Totals: old 157,000, new 148,000: −9,000; the city saves 43,000 − 35,000 = 8,000.
    rows = {row.position_id: row for row in comparison.lines}
    assert (rows[1005].old_total, rows[1005].new_total, rows[1005].difference) == (
        D("90000.00"),
        D("85000.00"),
        D("-5000.00"),
    )
    assert rows[1005].recipient_difference == D("-5000.00")
    assert (rows[1015].difference, rows[1015].recipient_difference) == (
        D("-4000.00"),
        D("-3000.00"),
    )
    assert (rows[1015].old_recipient, rows[1015].new_recipient) == (D("10000.00"), D("7000.00"))
    assert comparison.difference == D("-9000.00")
    assert comparison.saving == D("8000.00")


def test_compare_shows_a_position_dropped_from_the_newer_version(
    leverkusen, leverkusen_caritas, cm1, cm2
):
    old = statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("70000", "5000", "3000"), cm2: ("70000", "5000", "3000")},
        state="superseded",
        number=1,
    )
    new = statement(leverkusen, leverkusen_caritas, {cm1: ("70000", "5000", "3000")}, number=2)

    comparison = forecast_compare(old, new)

    # Without 1015's line the newer version leaves its 21,000 out of the city's share.
    dropped = next(row for row in comparison.lines if row.position_id == 1015)
    assert (dropped.old_total, dropped.new_total, dropped.new is None, dropped.changed) == (
        D("78000.00"),
        D("0"),
        True,
        True,
    )
    assert comparison.saving == D("21000.00")


# --- The engine's precedence ---------------------------------------------------------------------


def test_an_approved_forecast_beats_the_plan_in_an_open_year(leverkusen, leverkusen_caritas, cm1):
    assert engine_cost(leverkusen, cm1) == (PLAN_1005, "planned")

    statement(leverkusen, leverkusen_caritas, {cm1: ("70000", "5000", "3000")}, state="approved")

    assert engine_cost(leverkusen, cm1) == (D("78000.00"), "forecast")


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "superseded"])
def test_a_statement_not_approved_never_counts(state, leverkusen, leverkusen_caritas, cm1):
    statement(leverkusen, leverkusen_caritas, {cm1: ("1000", "0", "0")}, state=state)
    statement(leverkusen, leverkusen_caritas, {cm1: ("1000", "0", "0")}, state=state, kind="actual")
    YearClosingFactory(recipient=leverkusen, year=YEAR)

    assert engine_cost(leverkusen, cm1) == (PLAN_1005, "planned")


def test_an_approved_actual_statement_counts_only_once_the_year_is_closed(
    leverkusen, leverkusen_caritas, cm1
):
    statement(leverkusen, leverkusen_caritas, {cm1: ("70000", "5000", "3000")}, state="approved")
    statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("66000", "4000", "2000")},
        state="approved",
        kind="actual",
    )

    # Open year: half a year's actual payments would understate it; the forecast counts.
    assert engine_cost(leverkusen, cm1) == (D("78000.00"), "forecast")

    YearClosingFactory(recipient=leverkusen, year=YEAR)

    # Closed: 66,000 + 4,000 + 2,000 = 72,000.
    assert engine_cost(leverkusen, cm1) == (D("72000.00"), "actual")


def test_an_actual_statement_alone_leaves_an_open_year_on_the_plan(
    leverkusen, leverkusen_caritas, cm1
):
    statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("66000", "4000", "2000")},
        state="approved",
        kind="actual",
    )

    assert engine_cost(leverkusen, cm1) == (PLAN_1005, "planned")


# --- Forecast against actual ---------------------------------------------------------------------


def test_carrier_actuals_by_hand(leverkusen, leverkusen_caritas, cm1, cm2):
    statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("70000", "5000", "3000"), cm2: ("68000", "4000", "2000")},
        state="approved",
    )
    statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("66000", "4000", "2000")},
        state="approved",
        kind="actual",
    )
    for position, amount in ((cm1, "20000"), (cm1, "15000"), (None, "1000")):
        CarrierPaymentFactory(
            recipient=leverkusen,
            carrier=leverkusen_caritas,
            year=YEAR,
            position=position,
            amount=D(amount),
        )
    # Another year's payment and another carrier's are not Caritas's 2026.
    CarrierPaymentFactory(
        recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR - 1, amount=D("999")
    )
    awo = Organisation.objects.get(slug="awo-leverkusen")
    CarrierPaymentFactory(recipient=leverkusen, carrier=awo, year=YEAR, amount=D("777"))

    actuals = carrier_actuals(leverkusen, leverkusen_caritas, YEAR)

    rows = {row.position_id: row for row in actuals.lines}
    # 1005: forecast 78,000, actual 72,000 (−6,000), paid 20,000 + 15,000 = 35,000.
    assert (rows[1005].forecast, rows[1005].actual, rows[1005].difference, rows[1005].paid) == (
        D("78000.00"),
        D("72000.00"),
        D("-6000.00"),
        D("35000.00"),
    )
    # 1015: forecast 68,000 + 4,000 + 2,000 = 74,000, no actual line, nothing paid.
    assert (rows[1015].forecast, rows[1015].actual, rows[1015].paid) == (
        D("74000.00"),
        None,
        D("0"),
    )
    assert (rows[None].title, rows[None].paid) == ("Ohne Stellenbezug", D("1000.00"))
    assert actuals.forecast_total == D("152000.00")
    assert actuals.actual_total == D("72000.00")
    # The city forecast to carry (78,000 − 57,000) + (74,000 − 57,000) = 38,000 and paid
    # 35,000 + 1,000 = 36,000: 2,000 less.
    assert actuals.recipient_forecast == D("38000.00")
    assert actuals.paid_total == D("36000.00")
    assert actuals.paid_difference == D("-2000.00")


def test_every_payment_appears_in_a_row(leverkusen, leverkusen_caritas):
    ended = PositionFactory(
        recipient=leverkusen,
        employer=leverkusen_caritas,
        planned_start=date(2023, 1, 1),
        end_date=date(YEAR - 1, 12, 31),
        title="CM beendet",
    )
    CarrierPaymentFactory(
        recipient=leverkusen,
        carrier=leverkusen_caritas,
        year=YEAR,
        position=ended,
        amount=D("5000"),
    )

    actuals = carrier_actuals(leverkusen, leverkusen_caritas, YEAR)

    assert actuals.paid_total == D("5000.00")
    assert sum((row.paid for row in actuals.lines), D(0)) == actuals.paid_total


# --- Findings, inbox, due ------------------------------------------------------------------------


def test_findings_name_missing_positions_and_months_off_the_occupancy(
    leverkusen, leverkusen_caritas, cm1
):
    forecast = CostForecastFactory(recipient=leverkusen, carrier=leverkusen_caritas, year=YEAR)
    ForecastLineFactory(forecast=forecast, position=cm1, months_filled=D("6"))

    texts = [finding.text for finding in forecast_findings(forecast)]

    assert "„Casemanagement Caritas 2“ fehlt in der Prognose." in texts
    assert "„Casemanagement Caritas 1“: 6,00 Monate gemeldet, laut Besetzung 12,00." in texts


def test_inbox_and_due_list(leverkusen, leverkusen_caritas, cm1):
    coordinator = UserFactory(role="coordinator", organisation=leverkusen)
    carrier_user = UserFactory(role="carrier", organisation=leverkusen_caritas)
    draft = statement(leverkusen, leverkusen_caritas, {cm1: ("70000", "5000", "3000")})
    returned = statement(
        leverkusen,
        leverkusen_caritas,
        {cm1: ("70000", "5000", "3000")},
        kind="actual",
        state="returned",
    )

    assert draft not in review_inbox(coordinator)
    draft.state = "submitted"
    draft.save()
    assert draft in review_inbox(coordinator)
    assert (
        list(review_inbox(UserFactory(role="coordinator", organisation=leverkusen_caritas))) == []
    )

    due = carrier_due(carrier_user, today=date(YEAR, 3, 1))
    texts = [item.text for item in due]
    # The year is said once: a label that names it stays as it is, any other gets "für 2026".
    assert (
        f"{returned.label_with_year} wurde zurückgegeben: bitte überarbeiten und wieder einreichen."
        in texts
    )
    assert f"{YEAR} {YEAR}" not in " ".join(texts)
    # This year's forecast is submitted; next year's is missing, named once (Caritas holds two
    # positions of Leverkusen).
    assert texts.count(f"Kostenprognose {YEAR + 1} für Stadt Leverkusen fehlt.") == 1
    assert f"Kostenprognose {YEAR} für Stadt Leverkusen fehlt." not in texts
    assert carrier_due(coordinator) == []
