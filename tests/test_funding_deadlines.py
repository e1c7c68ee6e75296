"""Deadlines of the funder's yearly cycle (issue 15): the due-date rules, the wording at the
boundaries, the one selector (with "today" passed in), scope, the note "eingereicht am", the
reminder mails sent once, and the page and endpoint at a fixed number of queries."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from carriers.choices import ForecastState, ProofState
from carriers.models import CarrierProof, ForwardingAgreement, Organisation
from funding.deadlines import rules
from funding.deadlines.selectors import deadline_list, deadlines_for, pressing
from funding.deadlines.services import send_deadline_reminders
from funding.models import DeadlineReminder, DeadlineSubmission
from tests.api_helpers import token_client
from tests.factories import (
    CarrierFactory,
    CostForecastFactory,
    ForwardingAgreementFactory,
    GrantNoticeFactory,
    PositionFactory,
    UserFactory,
)

# --- Rules --------------------------------------------------------------------------------------


def test_due_dates_follow_the_grant_conditions():
    # ANBest-G 7.1: six months after the year's end -> 30.06. of the following year.
    assert rules.proof_of_use_due_date(2025) == date(2026, 6, 30)
    # A date the notice sets instead wins.
    assert rules.proof_of_use_due_date(2025, date(2026, 5, 15)) == date(2026, 5, 15)
    # Carriers: three months after the year's end.
    assert rules.carrier_proof_due_date(2025) == date(2026, 3, 31)
    # Forecasts: 30.11. of the year before.
    assert rules.forecast_due_date(2027) == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("today", "status", "wording", "threshold"),
    [
        # 30.06.2026 - 15.06.2026 = 15 days: not yet on the start pages.
        (date(2026, 6, 15), rules.LATER, "fällig am 30.06.2026", None),
        # 30.06. - 16.06. = 14 days: the first reminder.
        (date(2026, 6, 16), rules.DUE_SOON, "fällig in 14 Tagen", rules.BEFORE),
        (date(2026, 6, 29), rules.DUE_SOON, "fällig in 1 Tag", rules.BEFORE),
        # 0 days: on the day.
        (date(2026, 6, 30), rules.DUE_SOON, "heute fällig", rules.ON_THE_DAY),
        # -1 day and -3 days.
        (date(2026, 7, 1), rules.OVERDUE, "überfällig seit 1 Tag", rules.AFTER),
        (date(2026, 7, 3), rules.OVERDUE, "überfällig seit 3 Tagen", rules.AFTER),
    ],
)
def test_wording_and_thresholds_at_the_boundaries(today, status, wording, threshold):
    due = date(2026, 6, 30)
    assert rules.deadline_status(due, today, done=False) == status
    assert rules.deadline_wording(due, today, done=False) == wording
    assert rules.reminder_threshold(due, today) == threshold


def test_done_is_done_whatever_the_day():
    assert rules.deadline_status(date(2026, 6, 30), date(2026, 8, 1), done=True) == rules.DONE
    assert rules.deadline_wording(date(2026, 6, 30), date(2026, 8, 1), done=True) == "erledigt"


# --- The selector --------------------------------------------------------------------------------

TODAY = date(2026, 6, 16)


@pytest.fixture
def cycle(city):
    """City with a notice from 2023, one carrier under an agreement since 2022 employing a
    position from 2024 on, and a second carrier of another recipient."""
    GrantNoticeFactory(recipient=city, period_start=date(2023, 1, 1))
    carrier = CarrierFactory(name="Caritas", works_for=[city])
    agreement = ForwardingAgreementFactory(recipient=city, carrier=carrier)
    PositionFactory(recipient=city, employer=carrier, planned_start=date(2024, 1, 1))
    return {"carrier": carrier, "agreement": agreement}


LI = re.compile(r"<li>(.*?)</li>", re.S)


def by_title(items):
    return {(d.title, d.party_name): d for d in items}


def test_the_list_of_a_recipient(city, cycle):
    items = by_title(deadline_list([city], TODAY))

    application = items[("Förderantrag 2027", "Stadt Leverkusen")]
    # 30.10.2026 - 16.06.2026 = 14 + 31 + 31 + 30 + 30 = 136 days: later.
    assert application.due_on == date(2026, 10, 30)
    assert application.wording == "fällig am 30.10.2026"
    assert application.actor == "recipient"

    proof = items[("Verwendungsnachweis 2025", "Stadt Leverkusen")]
    # 30.06.2026 - 16.06.2026 = 14 days.
    assert proof.wording == "fällig in 14 Tagen"
    assert proof.state_text == "noch nicht angelegt"
    # 2024 was due 30.06.2025: 16.06.2026 - 30.06.2025 = 1 + 31*4 + 30*3 + 28 + 31*2 ... = 351
    # days (30.06.2025 -> 30.05.2026 is 334 days, +17 to 16.06.2026).
    assert items[("Verwendungsnachweis 2024", "Stadt Leverkusen")].wording == (
        "überfällig seit 351 Tagen"
    )

    carrier_proof = items[("Verwendungsnachweis 2025 der Trägerin", "Caritas")]
    # 16.06.2026 - 31.03.2026 = 30 (April) + 31 (May) + 16 = 77 days.
    assert carrier_proof.wording == "überfällig seit 77 Tagen"
    assert carrier_proof.actor == "carrier"
    assert carrier_proof.state_text == "noch nicht angelegt"

    forecast = items[("Kostenprognose 2027", "Caritas")]
    # 30.11.2026 - 16.06.2026 = 14 + 31 + 31 + 30 + 31 + 30 = 167 days.
    assert forecast.due_on == date(2026, 11, 30)
    assert forecast.wording == "fällig am 30.11.2026"
    assert ("Kostenprognose 2026", "Caritas") in items

    # The most pressing first: overdue, then due soon.
    first = deadline_list([city], TODAY)[0]
    assert first.status == rules.OVERDUE
    titles = [d.title for d in pressing(deadline_list([city], TODAY))]
    assert "Förderantrag 2027" not in titles
    assert "Verwendungsnachweis 2025" in titles


def test_a_date_the_notice_sets_wins(city, cycle):
    # An amendment issued later sets 15.05.2026 for the proof of 2025: due in 2026 - 1 = 2025.
    GrantNoticeFactory(
        recipient=city,
        period_start=date(2025, 1, 1),
        issued_on=date(2025, 3, 1),
        proof_due_on=date(2026, 5, 15),
    )
    items = by_title(deadline_list([city], TODAY))
    proof = items[("Verwendungsnachweis 2025", "Stadt Leverkusen")]
    # 16.06.2026 - 15.05.2026 = 16 + 16 = 32 days.
    assert (proof.due_on, proof.wording) == (date(2026, 5, 15), "überfällig seit 32 Tagen")
    # 2024 keeps the rule's 30.06.2025.
    assert items[("Verwendungsnachweis 2024", "Stadt Leverkusen")].due_on == date(2025, 6, 30)


def test_states_end_the_deadlines(city, cycle):
    agreement, carrier = cycle["agreement"], cycle["carrier"]
    proof = CarrierProof.objects.create(
        recipient=city, carrier=carrier, agreement=agreement, year=2025, state=ProofState.DRAFT
    )
    items = by_title(deadline_list([city], TODAY))
    assert not items[("Verwendungsnachweis 2025 der Trägerin", "Caritas")].done
    assert ("Nachweis 2025 der Trägerin prüfen", "Caritas") not in items

    proof.state = ProofState.SUBMITTED
    proof.save()
    items = by_title(deadline_list([city], TODAY))
    assert items[("Verwendungsnachweis 2025 der Trägerin", "Caritas")].done
    check = items[("Nachweis 2025 der Trägerin prüfen", "Caritas")]
    # The check is due with the recipient's own proof: 30.06.2026, 14 days.
    assert (check.actor, check.done, check.wording) == (
        "coordination",
        False,
        "fällig in 14 Tagen",
    )

    proof.state = ProofState.CHECKED
    proof.reviewed_on = date(2026, 5, 4)
    proof.save()
    check = by_title(deadline_list([city], TODAY))[("Nachweis 2025 der Trägerin prüfen", "Caritas")]
    assert check.done and check.state_text == "Prüfvermerk vom 04.05.2026"

    forecast = CostForecastFactory(
        recipient=city, carrier=carrier, year=2027, state=ForecastState.DRAFT
    )
    assert not by_title(deadline_list([city], TODAY))[("Kostenprognose 2027", "Caritas")].done
    forecast.state = ForecastState.SUBMITTED
    forecast.save()
    assert by_title(deadline_list([city], TODAY))[("Kostenprognose 2027", "Caritas")].done


# --- Scope --------------------------------------------------------------------------------------


def test_a_carrier_sees_only_its_own(city, cycle, other_city):
    other_carrier = CarrierFactory(name="Diakonie", works_for=[city])
    ForwardingAgreementFactory(recipient=city, carrier=other_carrier)
    GrantNoticeFactory(recipient=other_city)
    caritas = UserFactory(role="carrier", organisation=cycle["carrier"])

    items = deadlines_for(caritas, TODAY)

    assert items
    assert {d.party_name for d in items} == {"Caritas"}
    assert {d.actor for d in items} == {"carrier"}
    assert not any(d.title.startswith("Förderantrag") for d in items)
    town_user = UserFactory(
        role="town",
        organisation=Organisation.objects.create(name="Gemeinde X", slug="gemeinde-x", kind="town"),
    )
    assert deadlines_for(town_user, TODAY) == []
    # Finance of another recipient: none of the city's.
    other = UserFactory(role="finance", organisation=other_city)
    assert {d.recipient_name for d in deadlines_for(other, TODAY)} == {"Stadt Köln"}


def test_api_scope(city, cycle, other_city):
    caritas = token_client(UserFactory(role="carrier", organisation=cycle["carrier"]))
    response = caritas.get("/api/deadlines/")
    assert response.status_code == 200
    assert {row["party"] for row in response.json()} == {"Caritas"}

    other = token_client(UserFactory(role="finance", organisation=other_city))
    assert other.get("/api/deadlines/", {"recipient": "leverkusen"}).status_code == 404
    assert all(row["recipient"] == "Stadt Köln" for row in other.get("/api/deadlines/").json())

    council = token_client(UserFactory(role="council", organisation=city))
    assert council.get("/api/deadlines/").json() == []
    assert (
        token_client(UserFactory(role="finance", organisation=city))
        .get("/api/deadlines/", {"status": "kaputt"})
        .status_code
        == 400
    )


def test_page_for_finance_not_for_carriers(client, city, cycle, finance):
    client.force_login(UserFactory(role="carrier", organisation=cycle["carrier"]))
    assert client.get(reverse("funding:deadline_list")).status_code == 403
    client.force_login(finance)
    response = client.get(reverse("funding:deadline_list"))
    html = response.content.decode()
    assert response.status_code == 200
    year = timezone.localdate().year
    assert f"Förderantrag {year + 1}" in html
    assert "Als eingereicht vermerken" in html
    overdue = client.get(reverse("funding:deadline_list"), {"status": "done"})
    assert f"Förderantrag {year + 1}" not in overdue.content.decode()


def test_page_marks_submitted_and_refuses_bad_dates(client, city, cycle, finance):
    client.force_login(finance)
    year = timezone.localdate().year + 1
    url = reverse("funding:deadline_list")
    key = f"application:{city.pk}:{year}"
    bad = client.post(
        url, {"key": key, "kind": "application", "year": year, "submitted_on": "31.02.2026"}
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    # At the row's field, marked invalid.
    assert '<p class="field__error" id="submitted-' in html
    assert "Bitte ein Datum wie 16.12.2024 eingeben." in html
    assert 'aria-invalid="true"' in html
    future = (timezone.localdate() + timedelta(days=3)).strftime("%d.%m.%Y")
    bad = client.post(
        url, {"key": "x", "kind": "application", "year": year, "submitted_on": future}
    )
    assert "nicht in der Zukunft" in bad.content.decode()
    assert not DeadlineSubmission.objects.exists()

    today = timezone.localdate().strftime("%d.%m.%Y")
    done = client.post(
        url, {"key": "x", "kind": "application", "year": year, "submitted_on": today}, follow=True
    )
    assert "als eingereicht am" in done.content.decode()
    assert DeadlineSubmission.objects.get().recipient == city
    # The same again: refused with a German message, no second row.
    again = client.post(
        url, {"key": "x", "kind": "application", "year": year, "submitted_on": today}
    )
    assert again.status_code == 400
    assert "schon vermerkt" in again.content.decode()
    assert DeadlineSubmission.objects.count() == 1


def test_the_carriers_start_page_names_each_duty_once_with_its_deadline(
    client, city, cycle, monkeypatch
):
    # Today 16.06.2026 for the page (its lists and the deadlines read the same "today").
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    client.force_login(UserFactory(role="carrier", organisation=cycle["carrier"]))
    html = client.get(reverse("home")).content.decode()
    lines = [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in LI.findall(html)]
    proof = [line for line in lines if line.startswith("Verwendungsnachweis 2025")]
    forecast_2026 = [line for line in lines if line.startswith("Kostenprognose 2026")]
    forecast_2027 = [line for line in lines if line.startswith("Kostenprognose 2027")]
    # Each duty once (issue 16: no task listed twice), its deadline beside it:
    # the proof of 2025 was due 31.03.2026: 16.06. − 31.03. = 30 + 31 + 16 = 77 days late;
    assert len(proof) == 1 and "überfällig seit 77 Tagen (fällig am 31.03.2026)" in proof[0]
    # the forecast of 2026 was due 30.11.2025: 1 + 31 + 31 + 28 + 31 + 30 + 31 + 15 = 198;
    assert len(forecast_2026) == 1
    assert "überfällig seit 198 Tagen (fällig am 30.11.2025)" in forecast_2026[0]
    # the forecast of 2027 is due 30.11.2026, more than 14 days ahead: listed, no deadline yet.
    assert len(forecast_2027) == 1 and "fällig" not in forecast_2027[0].replace("fehlt", "")
    # The deadlines panel keeps what the task lists do not name: the proof of 2024 (the
    # lists ask for last year's only), due 31.03.2025: 365 + 77 = 442 days late.
    assert "Fristen (1)" in html
    (older,) = [line for line in lines if line.startswith("Verwendungsnachweis 2024")]
    assert "überfällig seit 442 Tagen" in older


def test_finance_start_page_names_the_overdue_items_and_a_town_none(client, city, finance):
    today = timezone.localdate()
    year = today.year
    GrantNoticeFactory(recipient=city, period_start=date(year - 3, 1, 1))
    carrier = CarrierFactory(name="Caritas", works_for=[city])
    ForwardingAgreementFactory(recipient=city, carrier=carrier, valid_from=date(year - 3, 1, 1))
    client.force_login(finance)
    html = client.get(reverse("home")).content.decode()
    # The carrier's proof of the year before last was due 31.03. of last year.
    late = (today - date(year - 1, 3, 31)).days
    assert f"Verwendungsnachweis {year - 2} der Trägerin" in html
    assert f"überfällig seit {late} Tagen" in html
    assert reverse("funding:deadline_list") in html
    town = Organisation.objects.create(name="Gemeinde Y", slug="gemeinde-y", kind="town")
    client.force_login(UserFactory(role="town", organisation=town))
    assert "Fristen (" not in client.get(reverse("home")).content.decode()


# --- Reminder mails -------------------------------------------------------------------------------


def test_reminders_are_sent_once_per_item_and_threshold(
    city, cycle, django_capture_on_commit_callbacks
):
    UserFactory(role="finance", organisation=city, email="finanzen@leverkusen.invalid")
    UserFactory(role="coordinator", organisation=city, email="ki@leverkusen.invalid")
    UserFactory(role="carrier", organisation=cycle["carrier"], email="caritas@invalid.invalid")
    UserFactory(role="town", organisation=cycle["carrier"], email="")

    with django_capture_on_commit_callbacks(execute=True):
        first = send_deadline_reminders(today=TODAY)
    keys = {(r.key.split(":")[0], r.threshold) for r in first}
    # 16.06.2026: the proof of use 2025 is 14 days ahead; the proof of use 2024, the carrier's
    # proofs 2024 and 2025 and the forecast 2026 are overdue; application and forecast 2027
    # are too far ahead: five mails.
    assert keys == {
        ("proof_of_use", rules.BEFORE),
        ("proof_of_use", rules.AFTER),
        ("carrier_proof", rules.AFTER),
        ("forecast", rules.AFTER),
    }
    sent = {m.subject: m for m in mail.outbox}
    proof_mail = sent["Frist: Verwendungsnachweis 2025 – fällig in 14 Tagen"]
    assert proof_mail.to == ["finanzen@leverkusen.invalid", "ki@leverkusen.invalid"]
    assert settings.SITE_URL.rstrip("/") + reverse("funding:proofofuse_list") in proof_mail.body
    carrier_mail = sent[
        "Frist überschritten: Verwendungsnachweis 2025 der Trägerin – überfällig seit 77 Tagen"
    ]
    assert carrier_mail.to == ["caritas@invalid.invalid"]
    assert len(mail.outbox) == 5

    # A second run the same day, and the next day: nothing twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(today=TODAY) == []
        assert send_deadline_reminders(today=TODAY + timedelta(days=1)) == []
    assert mail.outbox == []

    # On the day of the proof of use (30.06.) its second reminder; the command says so.
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_deadline_reminders", "--today", "30.06.2026", stdout=out)
    assert [m.subject for m in mail.outbox] == ["Frist heute: Verwendungsnachweis 2025"]
    assert "1 Erinnerung(en) gesendet (30.06.2026)." in out.getvalue()
    assert DeadlineReminder.objects.filter(threshold=rules.ON_THE_DAY).count() == 1


# --- Query counts -------------------------------------------------------------------------------


def bulk_agreements(recipient, count):
    carriers = Organisation.objects.bulk_create(
        Organisation(name=f"Trägerin {i:04}", slug=f"traegerin-{i:04}", kind="carrier")
        for i in range(count)
    )
    ForwardingAgreement.objects.bulk_create(
        ForwardingAgreement(
            recipient=recipient, carrier=c, valid_from=date(2020, 1, 1), coverage_policy="all"
        )
        for c in carriers
    )


# Session, user with its role, organisation (3), the permissions of the navigation (1), the
# deadlines: due date, submissions, notices, proofs of use, agreements, carrier proofs,
# positions, forecasts (8).
PAGE_QUERIES = 12
API_QUERIES = 10


@pytest.mark.parametrize("count", [10, 1000])
def test_page_and_api_queries_do_not_grow(client, city, finance, count, django_assert_num_queries):
    GrantNoticeFactory(recipient=city, period_start=date(2020, 1, 1))
    bulk_agreements(city, count)
    client.force_login(finance)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(reverse("funding:deadline_list"))
    assert response.status_code == 200
    # Two finished years per agreement, the application, two proofs of use.
    assert len(response.context["items"]) == 2 * count + 3
    api = token_client(finance)
    with django_assert_num_queries(API_QUERIES):
        rows = api.get("/api/deadlines/").json()
    assert len(rows) == 2 * count + 3


def test_admin_chooses_a_recipient_and_an_unknown_one_is_not_found(client, city, other_city):
    GrantNoticeFactory(recipient=other_city)
    client.force_login(UserFactory(role="admin", organisation=None))
    url = reverse("funding:deadline_list")
    everyone = {d.recipient_name for d in client.get(url).context["items"]}
    assert everyone == {"Stadt Leverkusen", "Stadt Köln"}
    one = client.get(url, {"recipient": "koeln"}).context["items"]
    assert {d.recipient_name for d in one} == {"Stadt Köln"}
    assert client.get(url, {"recipient": "gibt-es-nicht"}).status_code == 404
    client.force_login(UserFactory(role="council", organisation=city))
    assert client.get(url).status_code == 403
