"""Shared fixtures. The role groups are created by the post_migrate hook (kim_admin.roles).

Two kinds of organisations, never the same thing:

- built by the factories for one test (no demo data): ``city`` (Stadt Leverkusen, a county-free
  city and recipient) and ``other_city`` (Stadt Köln, another recipient), with the role users
  ``finance``, ``coordinator`` and ``council`` of ``city``. A module that needs a city with a
  plan of its own overrides ``city``; the role users then belong to that city;
- taken from the demo data (``demo_data``, the seeds of ``fixtures/``): ``leverkusen`` (seeds
  001 and 000) with ``leverkusen_finance`` and ``leverkusen_coordinator``, and ``coesfeld``
  (seed 003, ready for settlements) with ``coesfeld_finance``.

``login_as(role, organisation)`` logs the test's ``client`` in as a new user of that role (the
browser tests' ``login_as`` does the same through the login form).
"""

import gc
import shutil
import tempfile
from datetime import date
from pathlib import Path

import hypothesis
import pytest
from django.db import connections, transaction

from tests import databases, demo_snapshot
from tests.api_helpers import token_client
from tests.factories import OrganisationFactory, UserFactory

# --- Test databases: one migration per run (tests/databases.py) ---------------------------------


def pytest_configure(config):
    """Fewer garbage collections, and the controller of an xdist run keeps the folder its
    workers share the template in.

    Python's default collects its youngest generation every 700 new objects; a test that
    renders a page or builds the demo's plans makes hundreds of thousands, and the collector's
    passes over Django's long-lived objects cost about 7 % of the suite's CPU time. A test
    process may hold a few hundred MB more instead."""
    gc.set_threshold(50_000, 20, 100)
    if not hasattr(config, "workerinput"):
        config.kim_shared_dir = tempfile.mkdtemp(prefix="kim-test-db-")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["kim_shared_dir"] = node.config.kim_shared_dir


def pytest_unconfigure(config):
    shared = getattr(config, "kim_shared_dir", None)
    if shared:
        databases.drop_template(Path(shared))
        shutil.rmtree(shared, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """An xdist worker's database is a copy of the run's migrated template; a run without
    xdist migrates its one database as pytest-django does."""
    from django.test.utils import setup_databases, teardown_databases

    shared = getattr(request.config, "workerinput", {}).get("kim_shared_dir")
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        if shared:
            old_config = databases.setup_worker_database(Path(shared))
        else:
            old_config = setup_databases(verbosity=verbosity, interactive=False)
        databases.note_post_migrate_rows(connections["default"])
    databases.install_quick_flush()
    yield
    with django_db_blocker.unblock():
        databases.end_other_sessions(connections["default"])
        teardown_databases(old_config, verbosity=verbosity)


# Hypothesis' timing checks (an example's deadline, how fast examples are generated) measure the
# machine, not the code: on CI's two cores, shared by two test runs, one failed at random
# ("Hypothesis only generated 2 valid inputs after 1.01 seconds").
hypothesis.settings.register_profile(
    "kim", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("kim")

# What gives a test the database: pytest-django refuses every query of a test without one of
# these (or the ``django_db`` mark), so a test without them cannot touch a database.
DATABASE_FIXTURES = {"_django_db_helper", "db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(config, items):
    """Mark the tests that use no database ``database_free``: they give the same result on
    SQLite and on PostgreSQL, so CI runs them once, in its SQLite run (its PostgreSQL run
    passes ``-m "not database_free"``). The engine's and the rules' tests, about 120."""
    for item in items:
        if not item.get_closest_marker("django_db") and not DATABASE_FIXTURES.intersection(
            item.fixturenames
        ):
            item.add_marker(pytest.mark.database_free)


def pytest_generate_tests(metafunc):
    """Role arguments of the generic page tests come from their class's declaration."""
    from tests.generic import generate_role_parameters

    generate_role_parameters(metafunc)


@pytest.fixture(autouse=True)
def _factory_history(request):
    """The factories write their rows without history records unless the test reads them
    (``@pytest.mark.history``; tests/factories.py, ``ModelFactory``)."""
    from tests.factories import HISTORY

    HISTORY.record = request.node.get_closest_marker("history") is not None
    yield
    HISTORY.record = False


# --- Demo data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _demo_data_module(django_db_setup, django_db_blocker):
    """The seed setups of ``fixtures/``, loaded once per test module inside a transaction that
    is rolled back when the module is done (like ``setUpTestData``): ``load_demo`` in a
    process's first module, its rows replayed in the others (tests/demo_snapshot.py). The rule
    check of the demo data is a test of its own (test_kim_admin_commands.py)."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_snapshot.load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_data(_demo_data_module, db):
    """The demo data; each test runs in its own savepoint on top of it."""


@pytest.fixture
def leverkusen(demo_data):
    """Stadt Leverkusen of the demo data (seeds 001 and 000)."""
    from carriers.models import Organisation

    return Organisation.objects.get(slug="leverkusen")


@pytest.fixture
def leverkusen_finance(leverkusen):
    return UserFactory(role="finance", organisation=leverkusen)


@pytest.fixture
def leverkusen_coordinator(leverkusen):
    """The KI coordination of the demo Leverkusen; the forecast mails go to its address."""
    return UserFactory(role="coordinator", organisation=leverkusen, email="ki@leverkusen.example")


@pytest.fixture
def leverkusen_caritas(demo_data):
    """Caritasverband Leverkusen of the demo data, without statements for 2026 (the year the
    forecast tests write), whatever demo data is added later."""
    from carriers.models import CostForecast, Organisation

    caritas = Organisation.objects.get(slug="caritas-leverkusen")
    # Newest first: a revision protects the version it replaces.
    for forecast in CostForecast.objects.filter(carrier=caritas, year=2026).order_by("-number"):
        forecast.delete()
    return caritas


def coesfeld_for_settlements():
    """Kreis Coesfeld of the demo data (seed 003), ready for settlements: 2023 closed and the
    demo's advance payments removed (each test records its own)."""
    from carriers.models import AdvancePayment, Organisation
    from funding.models import YearClosing

    kreis = Organisation.objects.get(slug="kreis-coesfeld")
    AdvancePayment.objects.filter(recipient=kreis).delete()
    YearClosing.objects.get_or_create(
        recipient=kreis, year=2023, defaults={"closed_on": date(2024, 3, 31)}
    )
    return kreis


@pytest.fixture
def coesfeld(demo_data):
    """Kreis Coesfeld, ready for settlements (``coesfeld_for_settlements``)."""
    return coesfeld_for_settlements()


@pytest.fixture
def coesfeld_finance(coesfeld):
    return UserFactory(role="finance", organisation=coesfeld)


# --- Organisations built by the factories --------------------------------------------------------


@pytest.fixture
def city(db):
    """A recipient built by the factories (not the demo's Leverkusen): Stadt Leverkusen."""
    return OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")


@pytest.fixture
def other_city(db):
    """Another recipient built by the factories: Stadt Köln."""
    return OrganisationFactory(name="Stadt Köln", slug="koeln")


@pytest.fixture
def finance(city):
    """A finance user of ``city``."""
    return UserFactory(role="finance", organisation=city)


@pytest.fixture
def coordinator(city):
    """A KI coordination user of ``city``."""
    return UserFactory(role="coordinator", organisation=city)


@pytest.fixture
def council(city):
    """A council member of ``city``."""
    return UserFactory(role="council", organisation=city)


@pytest.fixture
def finance_api(finance):
    """The API as ``finance`` uses it from a script (token on every request)."""
    return token_client(finance)


# --- Logins --------------------------------------------------------------------------------------


@pytest.fixture
def login_as(client):
    """``login_as(role, organisation, **user_fields)``: a new user of that role, logged in on the
    test's ``client``; returns the user."""

    def log_in(role, organisation, **fields):
        user = UserFactory(role=role, organisation=organisation, **fields)
        client.force_login(user)
        return user

    return log_in
