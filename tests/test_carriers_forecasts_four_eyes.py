"""The four-eyes rule, a setting of the recipient (Organisation.four_eyes): the content check,
the arithmetic check and the approval of a forecast by three different people. One rule
(carriers.forecasts.services.four_eyes_error) refuses the same step with the same German
message on the page and in the API; nothing of a refused step is saved. Without the setting
one coordinator may do all three.

Leverkusen's demo data: Caritas holds positions 1005 and 1015.
"""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carriers.forecasts import services
from carriers.forecasts.services import LineInput
from carriers.models import CostForecast
from tests.api_helpers import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
SECOND_STEP = (
    "Bei Stadt Leverkusen gilt das Vier-Augen-Prinzip: sachliche Prüfung, rechnerische Prüfung "
    "und Genehmigung erledigen verschiedene Personen. Sie haben schon die sachliche Prüfung "
    "vermerkt; bitte übernimmt eine Kollegin oder ein Kollege diesen Schritt."
)
APPROVAL_AFTER_ARITHMETIC = SECOND_STEP.replace("die sachliche Prüfung", "die rechnerische Prüfung")


def line(position_id):
    return LineInput(
        position_id=position_id,
        employer_gross=D("70000.00"),
        material=D("5000.00"),
        overhead=D("3000.00"),
        months_filled=D("12"),
    )


@pytest.fixture
def reviewers(leverkusen):
    return [
        UserFactory(role="coordinator", organisation=leverkusen, username=f"ki-{n}")
        for n in range(3)
    ]


@pytest.fixture
def submitted(leverkusen, leverkusen_caritas):
    carrier_user = UserFactory(role="carrier", organisation=leverkusen_caritas)
    forecast = services.forecast_create(
        recipient=leverkusen,
        carrier=leverkusen_caritas,
        year=YEAR,
        actor=carrier_user,
        lines=[line(1005), line(1015)],
    )
    return services.forecast_submit(forecast=forecast, actor=carrier_user)


@pytest.fixture
def four_eyes(leverkusen):
    leverkusen.four_eyes = True
    leverkusen.save()
    return leverkusen


def fresh(forecast):
    return CostForecast.objects.select_related("recipient").get(pk=forecast.pk)


def test_without_the_setting_one_coordinator_checks_and_approves(submitted, reviewers):
    one = reviewers[0]
    services.forecast_check(forecast=fresh(submitted), actor=one, check="content")
    services.forecast_check(forecast=fresh(submitted), actor=one, check="arithmetic")
    services.forecast_approve(forecast=fresh(submitted), actor=one)
    assert fresh(submitted).state == "approved"


def test_with_the_setting_three_people_check_and_approve(four_eyes, submitted, reviewers):
    first, second, third = reviewers
    services.forecast_check(forecast=fresh(submitted), actor=first, check="content")

    with pytest.raises(ValidationError) as refused:
        services.forecast_check(forecast=fresh(submitted), actor=first, check="arithmetic")
    assert refused.value.message_dict == {"state": [SECOND_STEP]}
    assert fresh(submitted).arithmetic_checked_at is None

    services.forecast_check(forecast=fresh(submitted), actor=second, check="arithmetic")
    for checker, message in ((first, SECOND_STEP), (second, APPROVAL_AFTER_ARITHMETIC)):
        with pytest.raises(ValidationError) as refused:
            services.forecast_approve(forecast=fresh(submitted), actor=checker)
        assert refused.value.message_dict == {"state": [message]}
        assert fresh(submitted).state == "submitted"

    services.forecast_approve(forecast=fresh(submitted), actor=third)
    row = fresh(submitted)
    assert row.state == "approved"
    assert {row.content_checked_by, row.arithmetic_checked_by, row.decided_by} == set(reviewers)


def test_a_stale_copy_does_not_hide_an_earlier_check(four_eyes, submitted, reviewers):
    """The rule reads the stored checks, not the caller's copy of the row."""
    first = reviewers[0]
    stale = fresh(submitted)
    services.forecast_check(forecast=fresh(submitted), actor=first, check="content")
    with pytest.raises(ValidationError) as refused:
        services.forecast_check(forecast=stale, actor=first, check="arithmetic")
    assert refused.value.message_dict == {"state": [SECOND_STEP]}


def test_the_api_refuses_with_the_same_german_message(four_eyes, submitted, reviewers):
    api = token_client(reviewers[0])
    path = reverse("api:costforecast-check", args=[submitted.pk])
    assert api.post(path, {"check": "content"}, format="json").status_code == 200

    refused = api.post(path, {"check": "arithmetic"}, format="json")

    assert refused.status_code == 400
    assert refused.data == {"state": [SECOND_STEP]}
    assert fresh(submitted).arithmetic_checked_at is None


def test_the_page_explains_and_refuses_the_same_step(client, four_eyes, submitted, reviewers):
    first = reviewers[0]
    client.force_login(first)
    detail = reverse("carriers:costforecast_detail", args=[submitted.pk])
    html = client.get(detail).content.decode()
    assert "Vier-Augen-Prinzip: sachliche Prüfung, rechnerische Prüfung und Genehmigung" in html

    action = reverse("carriers:costforecast_action", args=[submitted.pk, "check-content"])
    assert client.post(action, {"version": fresh(submitted).version}).status_code == 302
    # The arithmetic button gives way to the reason; a forged POST is refused all the same.
    html = client.get(detail).content.decode()
    assert "Rechnerisch richtig</button>" not in html
    action = reverse("carriers:costforecast_action", args=[submitted.pk, "check-arithmetic"])
    refused = client.post(action, {"version": fresh(submitted).version})
    assert refused.status_code == 400
    assert SECOND_STEP in refused.content.decode()
    assert fresh(submitted).arithmetic_checked_at is None


def test_the_setting_is_shown_in_the_api(four_eyes, reviewers):
    api = token_client(reviewers[0])
    response = api.get(reverse("api:organisation-detail", args=[four_eyes.pk]))
    assert response.status_code == 200
    assert response.data["four_eyes"] is True
