"""Sign-in through an OpenID Connect provider: a real one (oidc-provider-mock, a Flask server
with authorization code flow, userinfo, JWKS and end_session) started on loopback by the
tests, and the app on Django's live server. The browser is ``requests`` following the
redirects; the provider's login form is posted with the person's subject id.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import override_settings

from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def provider():
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
    with oidc_provider_mock.run_server_in_thread(port=0) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@contextmanager
def oidc_settings(issuer):
    with override_settings(
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID="kim-admin",
        OIDC_RP_CLIENT_SECRET="geheim",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{issuer}/oauth2/authorize",
        OIDC_OP_TOKEN_ENDPOINT=f"{issuer}/oauth2/token",
        OIDC_OP_USER_ENDPOINT=f"{issuer}/userinfo",
        OIDC_OP_JWKS_ENDPOINT=f"{issuer}/jwks",
        OIDC_OP_LOGOUT_ENDPOINT=f"{issuer}/oauth2/end_session",
        # The test provider signs without a key id (its JWKS has one key); the signature is
        # still checked against that key.
        OIDC_VERIFY_KID=False,
        AUTHENTICATION_BACKENDS=[
            "django.contrib.auth.backends.ModelBackend",
            "kim_admin.oidc.GroupMappingBackend",
        ],
    ):
        yield


@pytest.fixture
def app(provider, live_server):
    with oidc_settings(provider):
        yield live_server.url


def set_person(provider, sub, **claims):
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204


def sign_in(app, provider, sub) -> tuple[requests.Session, requests.Response]:
    """The login page's button, the provider's form with the subject, back to the app."""
    browser = requests.Session()
    login = browser.get(f"{app}/login/", timeout=10)
    button = re.search(r'id="oidc-login" href="([^"]+)"', login.text)
    assert button, "the login page shows the provider's button"
    form = browser.get(app + button.group(1).replace("&amp;", "&"), timeout=10)
    assert form.url.startswith(provider)
    back = browser.post(form.url, data={"sub": sub}, timeout=30)
    return browser, back


def test_a_person_in_a_kim_group_signs_in_with_role_and_organisation(app, provider):
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    set_person(
        provider,
        "a1b2-sub-4711",
        preferred_username="m.muster",
        email="m.muster@stadt.de",
        given_name="Maria",
        family_name="Muster",
        groups=["alle-mitarbeitenden", "kim-finanzen-leverkusen"],
    )
    browser, home = sign_in(app, provider, "a1b2-sub-4711")
    assert home.status_code == 200
    assert home.url.rstrip("/") == app
    assert "Maria Muster" in home.text and "Finanzverwaltung" in home.text

    user = get_user_model().objects.get(oidc_subject="a1b2-sub-4711")
    assert user.username == "m.muster"
    assert user.organisation == city
    assert user.role == "finance"
    assert not user.has_usable_password()

    # Signing in again finds the same account by the subject, even with another name; the
    # groups decide the role anew each time.
    set_person(
        provider,
        "a1b2-sub-4711",
        preferred_username="maria.muster",
        groups=["kim-rat-leverkusen"],
    )
    sign_in(app, provider, "a1b2-sub-4711")
    assert get_user_model().objects.filter(oidc_subject="a1b2-sub-4711").count() == 1
    assert get_user_model().objects.get(oidc_subject="a1b2-sub-4711").role == "council"

    # Logging out ends the session at the provider too.
    page = browser.get(f"{app}/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    out = browser.post(
        f"{app}/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{app}/"},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 302
    assert out.headers["Location"].startswith(f"{provider}/oauth2/end_session?")
    assert "id_token_hint=" in out.headers["Location"]
    assert browser.get(f"{app}/", timeout=10).url.startswith(f"{app}/login/")


def test_an_unknown_group_gets_no_account_and_a_german_reason(app, provider):
    OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    set_person(provider, "sub-unknown", groups=["kim-finanzen-monheim"])
    _browser, page = sign_in(app, provider, "sub-unknown")
    assert "/login/" in page.url
    assert "„kim-finanzen-monheim“ ist in der KIM-Verwaltung unbekannt" in page.text
    set_person(provider, "sub-none", groups=["alle-mitarbeitenden"])
    _browser, page = sign_in(app, provider, "sub-none")
    assert "keiner KIM-Gruppe zugeordnet" in page.text
    assert not get_user_model().objects.filter(oidc_subject__isnull=False).exists()


def test_a_local_account_of_the_same_name_is_never_taken_over(app, provider):
    city = OrganisationFactory(name="Stadt Leverkusen", slug="leverkusen")
    local = UserFactory(username="finanzen", role="finance", organisation=city)
    set_person(
        provider, "sub-other", preferred_username="finanzen", groups=["kim-koordination-leverkusen"]
    )
    sign_in(app, provider, "sub-other")
    made = get_user_model().objects.get(oidc_subject="sub-other")
    assert made.pk != local.pk and made.username.startswith("finanzen-")
    local.refresh_from_db()
    assert local.oidc_subject is None and local.has_usable_password()
