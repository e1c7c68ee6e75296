"""A carrier-employed position asks for its forwarding agreement
(staffing.services.forwarding_agreement_error, through position_save for the page, the API
and the import alike): refused with a German message next to the employer when the recipient
has no agreement with the carrier in force at the position's start; nothing saved."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from staffing.models import Position
from staffing.services import position_save
from tests.api_helpers import token_client
from tests.factories import (
    BuildingBlockFactory,
    CarrierFactory,
    ForwardingAgreementFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db

MISSING = (
    "Caritasverband Leverkusen ist Trägerin: für ihre Stellen braucht Stadt Leverkusen einen "
    "Weiterleitungsvertrag mit ihr, der bei Beginn der Stelle gilt. Bitte zuerst unter "
    "„Förderung & Träger“ › „Weiterleitungen“ den Vertrag anlegen."
)


@pytest.fixture
def caritas(city):
    carrier = CarrierFactory(name="Caritasverband Leverkusen")
    carrier.partner_recipients.add(city)
    return carrier


def new_position(city, employer, start=date(2024, 1, 1)):
    return Position(
        recipient=city,
        employer=employer,
        block=BuildingBlockFactory(number=2),
        funding_kind="case_management",
        title="Casemanagement Caritas 3",
        fte=D("1"),
        planned_start=start,
    )


def test_a_carrier_position_without_agreement_is_refused(city, caritas, finance):
    with pytest.raises(ValidationError) as refused:
        position_save(position=new_position(city, caritas), actor=finance)
    assert refused.value.message_dict == {"employer": [MISSING]}
    assert not Position.objects.exists()


def test_an_agreement_ended_before_the_start_does_not_count(city, caritas, finance):
    ForwardingAgreementFactory(
        recipient=city, carrier=caritas, valid_from=date(2022, 1, 1), valid_to=date(2023, 12, 31)
    )
    with pytest.raises(ValidationError) as refused:
        position_save(position=new_position(city, caritas), actor=finance)
    assert refused.value.message_dict == {"employer": [MISSING]}


def test_with_its_agreement_the_position_is_saved(city, caritas, finance):
    ForwardingAgreementFactory(recipient=city, carrier=caritas, valid_from=date(2022, 1, 1))
    saved = position_save(position=new_position(city, caritas), actor=finance)
    assert saved.pk is not None


def test_a_stored_carrier_position_keeps_saving(city, caritas, finance):
    """Positions entered before the rule keep saving (e.g. a title change) until the agreement
    is entered; only creating or moving one to a carrier asks for it."""
    stored = PositionFactory(recipient=city, employer=caritas)
    stored.title = "Casemanagement Caritas (umbenannt)"
    position_save(position=stored, actor=finance)
    moved = PositionFactory(recipient=city)
    moved.employer = caritas
    with pytest.raises(ValidationError) as refused:
        position_save(position=moved, actor=finance)
    assert refused.value.message_dict == {"employer": [MISSING]}


def test_the_city_itself_needs_no_agreement(city, finance):
    assert position_save(position=new_position(city, city), actor=finance).pk is not None


def test_the_api_refuses_with_the_same_message(city, caritas, finance):
    api = token_client(finance)
    response = api.post(
        reverse("api:position-list"),
        {
            "recipient": city.pk,
            "employer": caritas.pk,
            "block": BuildingBlockFactory(number=2).pk,
            "funding_kind": "case_management",
            "title": "Casemanagement Caritas 3",
            "fte": "1.000",
            "planned_start": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data == {"employer": [MISSING]}
    assert not Position.objects.exists()
