"""Shared fixtures. The role groups are created by the post_migrate hook (kim_admin.roles)."""

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def _demo_data_module(django_db_setup, django_db_blocker):
    """The five seed setups of ``fixtures/``, loaded and validated once per test module inside
    a transaction that is rolled back when the module is done (like ``setUpTestData``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", "--no-users", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_data(_demo_data_module, db):
    """The demo data; each test runs in its own savepoint on top of it."""
