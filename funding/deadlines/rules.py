"""The funder's deadlines (issue 15): when each duty of the yearly cycle falls due, and how
near a deadline is. Pure functions over dates; the selector (``funding.deadlines.selectors``)
feeds them.

Due dates
    :func:`proof_of_use_due_date`        the recipient's proof of use (ANBest-G 7.1 / ANBest-P 6.1)
    :func:`carrier_proof_due_date`       a carrier's proof under its forwarding agreement
    :func:`forecast_due_date`            a carrier's cost forecast for a year
    (the application's: ``funding.rules.application_due_date``)
How near
    :func:`deadline_status`              done, overdue, due within 14 days, or later
    :func:`deadline_wording`             "fällig in 14 Tagen", "überfällig seit 3 Tagen"
    :func:`reminder_threshold`           which reminder mail a day calls for
"""

from __future__ import annotations

from datetime import date

# Items due within this many days are shown on the start pages and reminded of by mail.
DUE_SOON_DAYS = 14

DONE = "done"
OVERDUE = "overdue"
DUE_SOON = "due_soon"
LATER = "later"

# The reminder mails: 14 days before, on the day, and once overdue.
BEFORE = "before"
ON_THE_DAY = "due"
AFTER = "overdue"


def proof_of_use_due_date(year: int, stored: date | None = None) -> date:
    """The day the recipient's proof of use (Verwendungsnachweis) for ``year`` is due.

    ANBest-G Nr. 7.1 (municipal recipients) and ANBest-P Nr. 6.1 (others): the use of the
    funds is to be proved within six months after the end of the grant period, i.e. by
    30 June of the following year for the calendar year, unless the grant notice sets another
    date (``stored``: ``GrantNotice.proof_due_on``, which sets the proof of the year before
    the date's year; the latest version of the notice that sets one wins).
    """
    return stored if stored is not None else date(year + 1, 6, 30)


def carrier_proof_due_date(year: int) -> date:
    """The day a carrier's proof of use for ``year`` is due at the recipient: three months
    after the year's end (31 March of the following year), so that the recipient can check
    it and record its review note before its own proof is due on 30 June (issue 15: "the
    carrier proves its use to the recipient, which checks it"; the forwarding agreement passes
    ANBest-P on with an earlier date). The recipient's check is due with its own proof
    (:func:`proof_of_use_due_date`)."""
    return date(year + 1, 3, 31)


def forecast_due_date(year: int) -> date:
    """The day a carrier's cost forecast (Personalkostenprognose) for ``year`` is due: by
    30 November of the year before, so the KI can check and approve it before the year starts
    (DOMAIN: Leverkusen's forecast for 2025 was revised on 28.11.2024). A forecast for a year
    already running that is still missing is overdue since then."""
    return date(year - 1, 11, 30)


def deadline_status(due_on: date, today: date, done: bool) -> str:
    """Done; else overdue after the due day; due soon from 14 days before up to the day
    itself; else later."""
    if done:
        return DONE
    days = (due_on - today).days
    if days < 0:
        return OVERDUE
    if days <= DUE_SOON_DAYS:
        return DUE_SOON
    return LATER


def deadline_wording(due_on: date, today: date, done: bool) -> str:
    """What the pages and mails say of a deadline: "erledigt", "überfällig seit 3 Tagen",
    "heute fällig", "fällig in 14 Tagen", or beyond 14 days "fällig am 30.06.2026"."""
    if done:
        return "erledigt"
    days = (due_on - today).days
    if days < 0:
        late = -days
        return f"überfällig seit {late} Tag" if late == 1 else f"überfällig seit {late} Tagen"
    if days == 0:
        return "heute fällig"
    if days <= DUE_SOON_DAYS:
        return "fällig in 1 Tag" if days == 1 else f"fällig in {days} Tagen"
    return f"fällig am {due_on:%d.%m.%Y}"


def reminder_threshold(due_on: date, today: date) -> str | None:
    """Which reminder an open item calls for today: within 14 days before its day
    ("before"), on the day ("due"), after it ("overdue"); none earlier. Each is sent once per
    item (``funding.deadlines.services.send_deadline_reminders``): a run missed on the day
    itself sends the next threshold, never a stale one."""
    days = (due_on - today).days
    if days < 0:
        return AFTER
    if days == 0:
        return ON_THE_DAY
    if days <= DUE_SOON_DAYS:
        return BEFORE
    return None
