"""The accessibility statement (issue 16, BITV NRW): public, German, with the feedback
contact the operator configured, linked in every page's footer."""

import pytest

pytestmark = pytest.mark.django_db


def test_statement_is_public_and_names_the_configured_contact(client, settings):
    settings.ACCESSIBILITY_CONTACT_NAME = "Stadt Musterhausen, Fachbereich Integration"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "barrierefrei@musterhausen.example"
    settings.ACCESSIBILITY_CONTACT_PHONE = "0211 123 456"
    response = client.get("/barrierefreiheit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in html
    assert "Stadt Musterhausen, Fachbereich Integration" in html
    assert 'href="mailto:barrierefrei@musterhausen.example"' in html
    assert 'href="tel:0211123456"' in html
    assert "WCAG" in html and "BITV" in html and "Durchsetzungsverfahren" in html


def test_footer_links_the_statement_before_and_after_login(client, finance):
    link = '<a href="/barrierefreiheit/">Erklärung zur Barrierefreiheit</a>'
    assert link in client.get("/login/").content.decode()
    client.force_login(finance)
    assert link in client.get("/stellen/").content.decode()
