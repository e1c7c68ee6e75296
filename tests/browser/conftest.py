"""Fixtures of the browser tests: a Playwright page on Django's live server, logged in through
the real login form as a user of a given role.

The browser is Debian's chromium (``/usr/bin/chromium``, ``make browser-deps``); Playwright's
own browser download is never used. Without the package every browser test is skipped.

The live server needs committed data: pytest-django runs these tests with a transactional
database (flushed after each test), so each test creates its own rows. Each xdist worker has
its own database and its own live server. Screenshots are taken only where ``$KIM_SCREENSHOTS``
names a directory (created if missing): a full-page screenshot costs chromium about 0.2 s of
CPU, and nobody looked at the ones a run threw away (CI's run included).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = "Debian-Paket chromium fehlt (make browser-deps)"
# The logins of tests.factories.UserFactory.
PASSWORD = "geheim-123"
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}  # a tablet upright
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session")
def _playwright(django_db_setup, django_db_blocker) -> Iterator[object]:
    """Playwright for the worker's browser tests (pytest-django runs them after the others).

    Its sync API keeps an event loop running in this thread, which Django takes for an async
    context and refuses ORM calls in: the test's own rows and the flush after each test are
    still plain synchronous code, so that check is off while Playwright runs.
    """
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright ist nicht installiert")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def browser(_playwright):
    """One headless chromium per xdist worker."""
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies) on the live server, German, at 1280 px."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="de-DE",
        timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def login_as(page, settings) -> Callable:
    """``login_as("finance", organisation)``: a new user of that role, logged in through the
    login form; returns the page, on the start page (``page.user`` is the user)."""
    from tests.factories import UserFactory

    # The login is real; only the password hash is cheap (PBKDF2 costs a quarter second).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def login(role: str, organisation=None, **user_fields):
        fields = {"role": role, **user_fields}
        if organisation is not None:
            fields["organisation"] = organisation
        user = UserFactory(**fields)
        page.goto("/login/")
        form = page.locator("main form")
        form.get_by_label("Benutzername").fill(user.username)
        form.get_by_label("Passwort").fill(PASSWORD)
        form.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(re.compile(r"/$"))
        page.user = user
        return page

    return login


@pytest.fixture
def screenshot_dir() -> Path | None:
    wanted = os.environ.get("KIM_SCREENSHOTS")
    if not wanted:
        return None
    directory = Path(wanted)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def screenshot(screenshot_dir, request) -> Callable:
    """``screenshot(page, "name")`` writes ``<test>-<name>.png`` (the whole page) into
    ``$KIM_SCREENSHOTS`` and returns its path; without that directory it takes none."""
    test = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")

    def take(page, name: str) -> Path | None:
        if screenshot_dir is None:
            return None
        path = screenshot_dir / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
