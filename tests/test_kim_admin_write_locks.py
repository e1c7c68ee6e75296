"""Row locks only inside a write's transaction: no detail endpoint answers 500 for lack of one.

A write reads its row with ``select_for_update`` (no lost update, kim_admin.api). PostgreSQL
refuses that outside a transaction ("select_for_update cannot be used outside of a
transaction"); an ``OPTIONS`` of a detail URL (DRF's metadata asks ``get_object`` as if for a
PUT), a write whose view reads its row before its transaction begins (a scenario's rename and
quick changes) and the workflow steps of other endpoints did so.

The test runs without a surrounding transaction (``transaction=True``), as a live server does:
inside the usual test transaction every query is in one and the error cannot show. It runs on
SQLite and on PostgreSQL (DATABASE_URL); only PostgreSQL raised the error.
"""

from __future__ import annotations

import pytest

from carriers.models import Organisation
from kim_admin.api_urls import APP_ROUTERS
from kim_admin.scoping import CHANGE, VIEW
from reports.api.urls import router as reports_router
from tests import demo_snapshot
from tests.api_helpers import token_client
from tests.factories import UserFactory

WRITE_METHODS = ("patch", "put", "delete")


def detail_endpoints():
    """(prefix, viewset, extra detail actions) of every API endpoint with a detail URL."""
    for router in (*APP_ROUTERS, reports_router):
        for prefix, viewset, _basename in router.registry:
            if not hasattr(viewset, "retrieve"):
                continue
            actions = [a for a in viewset.get_extra_actions() if a.detail]
            yield prefix, viewset, actions


@pytest.mark.django_db(transaction=True)
def test_options_and_writes_of_every_detail_endpoint_answer_without_a_server_error():
    demo_snapshot.load()
    leverkusen = Organisation.objects.get(slug="leverkusen")
    user = UserFactory(role="finance", organisation=leverkusen)
    client = token_client(user)
    # Every answer is collected; a server error is one of them, not an exception.
    client.raise_request_exception = False
    answers = []
    for prefix, viewset, actions in detail_endpoints():
        model = viewset.queryset.model
        # A row the user may change, else one it may read (a write then answers 403/404/405,
        # never 500).
        obj = (
            model.objects.restrict(user, CHANGE).order_by("pk").first()
            or model.objects.restrict(user, VIEW).order_by("pk").first()
        )
        if obj is None:
            continue
        url = f"/api/{prefix}/{obj.pk}/"
        answers.append(("OPTIONS", url, client.options(url).status_code))
        for action in actions:
            action_url = f"{url}{action.url_path}/"
            answers.append(("OPTIONS", action_url, client.options(action_url).status_code))
            for method in action.mapping:
                if method in ("get", "head", "options"):
                    continue
                code = getattr(client, method)(action_url, {}, format="json").status_code
                answers.append((method.upper(), action_url, code))
        # Last: DELETE may remove the row (or refuse with 409 where others refer to it).
        for method in WRITE_METHODS:
            code = getattr(client, method)(url, {}, format="json").status_code
            answers.append((method.upper(), url, code))
    server_errors = [answer for answer in answers if answer[2] >= 500]
    assert server_errors == []
    tested = {url for _method, url, _code in answers}
    # Positions, occupancies, costs, agreements, splits, rates, notices, programme costs,
    # accounts, scenarios (and their six quick changes), projections, forecasts (and their
    # steps), payments, year closings, advance payments, settlements, reports...
    assert len(tested) >= 25, "\n".join(sorted(tested))
    assert any(url.startswith("/api/scenarios/") for url in tested)
    assert any(url.startswith("/api/positions/") for url in tested)
