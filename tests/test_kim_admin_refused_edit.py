"""After a refused edit the page shows the entered values in the form, to correct them, but its
heading names the object as it is stored (kim_admin.generic.ObjectEditView.stored_object):
nothing refused looks saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from carriers.models import CarrierPayment
from tests.factories import CarrierPaymentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_refused_edit_keeps_the_stored_values_in_the_heading(client, city):
    payment = CarrierPaymentFactory(recipient=city, purpose="Abschlag Juni")
    client.force_login(UserFactory(role="finance", organisation=city))
    response = client.post(
        reverse("carriers:carrierpayment_edit", args=[payment.pk]),
        {
            "recipient": city.pk,
            "carrier": payment.carrier.pk,
            "year": "2024",
            "position": "",
            "paid_on": "30.06.2024",
            "amount": "-5,00",
            "purpose": "Erfundener Zweck",
            "version": payment.version,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Abschlag Juni" in heading
    assert "Erfundener Zweck" not in heading
    # The form keeps what was entered, so it can be corrected; nothing was saved.
    assert 'value="Erfundener Zweck"' in html
    stored = CarrierPayment.objects.get(pk=payment.pk)
    assert (stored.purpose, stored.amount) == ("Abschlag Juni", Decimal("10000.00"))
