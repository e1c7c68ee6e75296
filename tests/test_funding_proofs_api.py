"""``/api/proofs-of-use/`` (issue 15): the figures of the command's JSON for one recipient and
year, PATCH of the factual report (with the history and the version), scope (other
recipients 404, council/carriers/towns 403/404), the list's query count pinned."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import ProofOfUse
from tests.api_helpers import token_client
from tests.factories import OrganisationFactory, UserFactory, YearClosingFactory
from tests.test_funding_funds import small_plan
from tests.test_funding_proofs import two_calls
from tests.test_funding_proofs_carriers import carrier_plan

pytestmark = pytest.mark.django_db

URL = "/api/proofs-of-use/"


def api_of(role, organisation):
    return token_client(UserFactory(role=role, organisation=organisation))


def test_the_list_for_one_recipient_and_year_gives_the_commands_figures():
    recipient = OrganisationFactory(slug="klein")
    carrier_plan(recipient)
    stored = ProofOfUse.objects.create(recipient=recipient, year=2024, factual_report="Entwurf")
    out = StringIO()
    call_command(
        "proof_of_use",
        "--recipient",
        "klein",
        "--year",
        "2024",
        "--as-of",
        "2025-06-30",
        stdout=out,
    )
    command = json.loads(out.getvalue())

    api = api_of("finance", recipient)
    response = api.get(URL, {"recipient": "klein", "year": 2024, "as_of": "2025-06-30"})
    assert response.status_code == 200, response.data
    (row,) = response.data["results"]
    assert (row["id"], row["recipient_slug"], row["year"], row["factual_report"]) == (
        stored.pk,
        "klein",
        2024,
        "Entwurf",
    )
    assert row["figures"] == command
    # By hand (test_funding_proofs_carriers): cost 60,000 + 50,000; one checked carrier of three.
    assert row["figures"]["totals"]["total_cost"] == "110000.00"
    assert row["figures"]["carriers_complete"] is False
    detail = api.get(f"{URL}{stored.pk}/", {"as_of": "2025-06-30"})
    assert detail.status_code == 200
    assert detail.data["figures"] == command
    # A list not narrowed to one recipient and year carries no figures.
    assert api.get(URL).data["results"][0]["figures"] is None
    bad = api.get(f"{URL}{stored.pk}/", {"as_of": "gestern"})
    assert bad.status_code == 400
    assert bad.data["as_of"] == ["Bitte ein Datum als JJJJ-MM-TT angeben."]


def test_the_coordinator_patches_the_factual_report_only():
    recipient = OrganisationFactory()
    two_calls(small_plan(recipient))
    stored = ProofOfUse.objects.create(recipient=recipient, year=2024, factual_report="Entwurf")
    user = UserFactory(role="coordinator", organisation=recipient)
    api = token_client(user)
    etag = api.get(f"{URL}{stored.pk}/")["ETag"]
    response = api.patch(
        f"{URL}{stored.pk}/",
        {"factual_report": "Ziele erreicht.", "year": 2030},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.data
    stored.refresh_from_db()
    # The year is not writable: it stays 2024.
    assert (stored.factual_report, stored.year) == ("Ziele erreicht.", 2024)
    assert stored.history.latest().history_user == user
    # The old ETag is stale now: 412, nothing changed.
    stale = api.patch(
        f"{URL}{stored.pk}/", {"factual_report": "Anders."}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    stored.refresh_from_db()
    assert stored.factual_report == "Ziele erreicht."
    # No PUT, POST or DELETE through the API.
    assert api.put(f"{URL}{stored.pk}/", {"factual_report": "x"}, format="json").status_code == 405
    assert api.delete(f"{URL}{stored.pk}/").status_code == 405
    assert api.post(URL, {"recipient": recipient.pk, "year": 2024}).status_code == 405


def test_outside_the_scope_404_and_other_roles_403():
    recipient = OrganisationFactory()
    stored = ProofOfUse.objects.create(recipient=recipient, year=2024, factual_report="Entwurf")
    other = api_of("coordinator", OrganisationFactory())
    assert other.get(f"{URL}{stored.pk}/").status_code == 404
    assert other.get(URL).data["count"] == 0
    assert other.get(URL, {"recipient": recipient.slug, "year": 2024}).data["count"] == 0
    patched = other.patch(f"{URL}{stored.pk}/", {"factual_report": "fremd"}, format="json")
    assert patched.status_code == 404
    for role, organisation in (
        ("council", recipient),
        ("carrier", OrganisationFactory(kind="carrier")),
        ("town", OrganisationFactory(kind="town")),
    ):
        api = api_of(role, organisation)
        assert api.get(URL).status_code == 403
        assert api.get(f"{URL}{stored.pk}/").status_code == 403
        assert (
            api.patch(f"{URL}{stored.pk}/", {"factual_report": "x"}, format="json").status_code
            == 403
        )
    stored.refresh_from_db()
    assert stored.factual_report == "Entwurf"


def test_list_queries_are_the_same_for_10_and_1000_rows():
    counts = []
    for n in (10, 1000):
        recipient = OrganisationFactory()
        ProofOfUse.objects.bulk_create(
            ProofOfUse(recipient=recipient, year=1100 + i) for i in range(n)
        )
        api = api_of("finance", recipient)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(URL, {"limit": 1000})
        assert response.status_code == 200
        assert response.data["count"] == n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_figures_of_one_proof_take_a_fixed_number_of_queries():
    """Narrowed to one recipient and year, the figures come from the selectors in a fixed
    number of queries, whether the recipient has one carrier proof or three."""
    counts = []
    for carriers in (1, 3):
        recipient = OrganisationFactory()
        carrier_plan(recipient)
        if carriers == 1:
            recipient.received_carrier_proofs.exclude(state="checked").delete()
            recipient.forwarding_agreements.filter(proofs__isnull=True).delete()
        ProofOfUse.objects.create(recipient=recipient, year=2024)
        api = api_of("finance", recipient)
        with CaptureQueriesContext(connection) as queries:
            response = api.get(URL, {"recipient": recipient.slug, "year": 2024})
        assert response.status_code == 200
        assert len(response.data["results"][0]["figures"]["carriers"]) == carriers
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_finance_patches_too_and_bad_input_is_refused_at_the_field():
    recipient = OrganisationFactory()
    stored = ProofOfUse.objects.create(recipient=recipient, year=2024, factual_report="Entwurf")
    api = api_of("finance", recipient)
    bad = api.patch(f"{URL}{stored.pk}/", {"factual_report": None}, format="json")
    assert bad.status_code == 400
    assert bad.data == {"factual_report": ["Dieses Feld darf nicht null sein."]}
    # The year is not closed (no year closing): the service refuses at the year.
    refused = api.patch(f"{URL}{stored.pk}/", {"factual_report": "Geprüft."}, format="json")
    assert refused.status_code == 400
    assert "Das Jahr 2024 ist noch nicht abgeschlossen" in str(refused.data["year"][0])
    stored.refresh_from_db()
    assert stored.factual_report == "Entwurf"
    YearClosingFactory(recipient=recipient, year=2024)
    ok = api.patch(f"{URL}{stored.pk}/", {"factual_report": "Geprüft."}, format="json")
    assert ok.status_code == 200
    assert ok.data["factual_report"] == "Geprüft."
