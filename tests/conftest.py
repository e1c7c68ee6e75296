"""Shared fixtures. The role groups are created by the post_migrate hook (kim_admin.roles)."""

import pytest
from django.core.management import call_command


@pytest.fixture
def demo_data(db):
    """The five seed setups of ``fixtures/``, loaded (and validated) inside the test's
    transaction, so no other test sees them."""
    call_command("load_demo", "--no-users", verbosity=0)
