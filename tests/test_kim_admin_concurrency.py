"""No lost update: concurrent writes of different fields of one row all keep their change.

Each PATCH reads its row under a lock in its own transaction (kim_admin.api.update), so the
writes run one after the other, each onto the row as the one before left it, with or without
If-Match. Real threads, real connections (a transactional test database).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection

from tests.api_helpers import token_client
from tests.factories import OrganisationFactory, PositionFactory, UserFactory

FIELDS = {
    "title": "Casemanagement neu",
    "department": "Kommunales Integrationszentrum",
    "budget_product": "31.50.01",
    "ledger_account": "549900",
    "cost_centre": "120550",
}


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason=(
        "SQLite's in-memory test database shares one cache between threads and answers "
        "'table is locked' at once instead of waiting, unlike the file database of make run "
        "(WAL, a busy timeout, transactions that begin with the write lock); the property "
        "is shown on PostgreSQL, the production database, which CI runs too."
    ),
)
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_patches_of_five_fields_keep_all_five():
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    position = PositionFactory(recipient=city, planned_start=date(2024, 1, 1))
    users = [UserFactory(role="finance", organisation=city) for _ in range(4)]
    clients = [token_client(user) for user in users]
    url = f"/api/positions/{position.pk}/"
    # Twenty PATCHes, four of each field, the last of each field with the wanted value.
    requests = [
        (clients[i % len(clients)], name, f"{value} ({round_})" if round_ < 3 else value)
        for round_ in range(4)
        for i, (name, value) in enumerate(FIELDS.items())
    ]

    def patch(args):
        client, name, value = args
        response = client.patch(url, {name: value}, format="json")
        connection.close()  # each thread's own connection
        return response.status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        codes = list(pool.map(patch, requests, chunksize=1))

    assert codes == [200] * 20
    position.refresh_from_db()
    # Every field holds a change of its own (the threads' order is not fixed, so which of
    # the four values of a field came last is not either; none of them was lost to another
    # field's write).
    for name, value in FIELDS.items():
        assert getattr(position, name).startswith(value), name
    assert position.version == 1 + 20
