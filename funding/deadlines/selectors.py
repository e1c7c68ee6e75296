"""Reads for the deadlines of the funder's yearly cycle (issue 15): one list per recipient of
what is due, who must act and how near it is.

Per recipient, for a day ``today``:

- the application for next year (due per ``funding.rules.application_due_date``; done when
  marked submitted, ``DeadlineSubmission``);
- the proof of use of each of the last two finished years a grant notice covers (due per
  ``rules.proof_of_use_due_date``; done when the ``ProofOfUse`` exists and is marked
  submitted);
- under each forwarding agreement in force in those years the carrier's proof (due per
  ``rules.carrier_proof_due_date``; done when submitted or checked) and, once submitted, the
  recipient's check (due with its own proof; done when the review note is recorded);
- the carriers' cost forecasts for this and next year where a carrier employs positions (due per
  ``rules.forecast_due_date``; done once submitted or approved), as the forecast workflow
  (``carriers.forecasts.selectors.carrier_due``) treats them.

:func:`deadline_list` loads any number of recipients in a fixed number of queries (eight),
whatever the number of agreements, positions, proofs and forecasts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from carriers.choices import ForecastKind, ForecastState, ProofState
from carriers.models import CarrierProof, CostForecast, ForwardingAgreement, Organisation
from funding import rules as funding_rules
from funding.choices import DeadlineKind, OrganisationKind
from funding.deadlines import rules
from funding.models import ApplicationDueDate, DeadlineSubmission, GrantNotice, ProofOfUse
from kim_admin.roles import PLANNING_ROLES, Role

# Who must act.
RECIPIENT = "recipient"
COORDINATION = "coordination"
CARRIER = "carrier"
ACTOR_LABELS = {
    RECIPIENT: "Finanzverwaltung / KI-Koordination",
    COORDINATION: "KI-Koordination",
    CARRIER: "Trägerin",
}
STATUS_LABELS = {
    rules.OVERDUE: "Überfällig",
    rules.DUE_SOON: "Bald fällig",
    rules.LATER: "Später fällig",
    rules.DONE: "Erledigt",
}
# Order on the pages: the most pressing first.
STATUS_ORDER = {rules.OVERDUE: 0, rules.DUE_SOON: 1, rules.LATER: 2, rules.DONE: 3}

DONE_FORECAST_STATES = (ForecastState.SUBMITTED, ForecastState.APPROVED, ForecastState.SUPERSEDED)
DONE_PROOF_STATES = (ProofState.SUBMITTED, ProofState.CHECKED)


@dataclass(frozen=True)
class Deadline:
    """One item of the list: what, for whom, due when, who must act, its state, a link."""

    key: str
    kind: str
    title: str
    recipient_id: int
    recipient_name: str
    party_name: str
    carrier_id: int | None
    year: int
    due_on: date
    actor: str
    done: bool
    state_text: str
    url: str
    status: str
    wording: str
    # The recipient may note it as submitted (the application; a proof of use once it exists).
    markable: bool = False

    @property
    def kind_label(self) -> str:
        return str(DeadlineKind(self.kind).label)

    @property
    def actor_label(self) -> str:
        return ACTOR_LABELS[self.actor]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_pressing(self) -> bool:
        """Due within 14 days or overdue: shown on the start pages."""
        return self.status in (rules.OVERDUE, rules.DUE_SOON)

    @property
    def may_mark_submitted(self) -> bool:
        return self.markable and not self.done


def _item(*, today: date, **fields) -> Deadline:
    due_on, done = fields["due_on"], fields["done"]
    return Deadline(
        **fields,
        status=rules.deadline_status(due_on, today, done),
        wording=rules.deadline_wording(due_on, today, done),
    )


def _in_year(start: date | None, end: date | None, year: int) -> bool:
    return start is not None and start.year <= year and (end is None or end.year >= year)


def deadline_list(recipients: list[Organisation], today: date) -> list[Deadline]:
    """Every recipient's deadlines on ``today``, the most pressing first (eight queries)."""
    if not recipients:
        return []
    ids = [r.pk for r in recipients]
    application_year = today.year + 1
    finished = (today.year - 2, today.year - 1)
    forecast_years = (today.year, today.year + 1)

    stored_due = (
        ApplicationDueDate.objects.filter(year=application_year)
        .values_list("due_on", flat=True)
        .first()
    )
    submissions = {
        (s.recipient_id, s.kind, s.year): s
        for s in DeadlineSubmission.objects.filter(recipient_id__in=ids, year__gte=finished[0])
    }
    covered = defaultdict(set)
    # A date a notice sets for the proof of use, by (recipient, year): the latest version's.
    notice_dates: dict[tuple[int, int], date] = {}
    for recipient_id, start, end, proof_due_on in (
        GrantNotice.objects.filter(recipient_id__in=ids)
        .order_by("issued_on", "pk")
        .values_list("recipient_id", "period_start", "period_end", "proof_due_on")
    ):
        for year in finished:
            if _in_year(start, end, year):
                covered[recipient_id].add(year)
        if proof_due_on is not None:
            notice_dates[(recipient_id, proof_due_on.year - 1)] = proof_due_on
    proofs_of_use = {
        (recipient_id, year): pk
        for pk, recipient_id, year in ProofOfUse.objects.filter(
            recipient_id__in=ids, year__in=finished
        ).values_list("pk", "recipient_id", "year")
    }
    agreements = list(
        ForwardingAgreement.objects.filter(
            recipient_id__in=ids, scenario__isnull=True, valid_from__year__lte=finished[1]
        )
        .exclude(valid_to__year__lt=finished[0])
        .select_related("carrier")
        .order_by("carrier__name", "valid_from", "pk")
    )
    carrier_proofs = {
        (p.agreement_id, p.year): p
        for p in CarrierProof.objects.filter(recipient_id__in=ids, year__in=finished).only(
            "pk", "agreement_id", "year", "state", "submitted_at", "reviewed_on"
        )
    }
    from staffing.models import Position

    employing = defaultdict(dict)  # (recipient, year) -> {carrier_id: name}
    for recipient_id, carrier_id, name, start, end in (
        Position.objects.filter(
            recipient_id__in=ids,
            scenario__isnull=True,
            employer__kind=OrganisationKind.CARRIER,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__year__gte=forecast_years[0]))
        .filter(planned_start__year__lte=forecast_years[1])
        .order_by()
        .values_list("recipient_id", "employer_id", "employer__name", "planned_start", "end_date")
        .distinct()
    ):
        for year in forecast_years:
            if _in_year(start, end, year):
                employing[(recipient_id, year)][carrier_id] = name
    forecasts = defaultdict(list)
    for f in (
        CostForecast.objects.filter(
            recipient_id__in=ids, year__in=forecast_years, kind=ForecastKind.FORECAST
        )
        .only("pk", "recipient_id", "carrier_id", "year", "state")
        .order_by("pk")
    ):
        forecasts[(f.recipient_id, f.carrier_id, f.year)].append(f)

    items: list[Deadline] = []
    for recipient in recipients:
        rid = recipient.pk
        # The application for next year.
        submitted = submissions.get((rid, DeadlineKind.APPLICATION, application_year))
        items.append(
            _item(
                today=today,
                key=f"application:{rid}:{application_year}",
                kind=DeadlineKind.APPLICATION,
                title=f"Förderantrag {application_year}",
                recipient_id=rid,
                recipient_name=recipient.name,
                party_name=recipient.name,
                carrier_id=None,
                year=application_year,
                due_on=funding_rules.application_due_date(application_year, stored_due),
                actor=RECIPIENT,
                done=submitted is not None,
                state_text=(
                    f"eingereicht am {submitted.submitted_on:%d.%m.%Y}"
                    if submitted
                    else "noch nicht als eingereicht vermerkt"
                ),
                url=reverse("funding:application") + f"?year={application_year}",
                markable=True,
            )
        )
        for year in finished:
            # The recipient's proof of use of a finished year its notice covers.
            if year in covered[rid]:
                proof_pk = proofs_of_use.get((rid, year))
                submitted = submissions.get((rid, DeadlineKind.PROOF_OF_USE, year))
                if proof_pk is None:
                    state_text = "noch nicht angelegt"
                elif submitted is None:
                    state_text = "angelegt, noch nicht als eingereicht vermerkt"
                else:
                    state_text = f"eingereicht am {submitted.submitted_on:%d.%m.%Y}"
                items.append(
                    _item(
                        today=today,
                        key=f"proof_of_use:{rid}:{year}",
                        kind=DeadlineKind.PROOF_OF_USE,
                        title=f"Verwendungsnachweis {year}",
                        recipient_id=rid,
                        recipient_name=recipient.name,
                        party_name=recipient.name,
                        carrier_id=None,
                        year=year,
                        due_on=rules.proof_of_use_due_date(year, notice_dates.get((rid, year))),
                        actor=RECIPIENT,
                        done=proof_pk is not None and submitted is not None,
                        state_text=state_text,
                        url=(
                            reverse("funding:proofofuse_detail", args=[proof_pk])
                            if proof_pk
                            else reverse("funding:proofofuse_list")
                        ),
                        markable=proof_pk is not None,
                    )
                )
            # The carriers' proofs under the agreements in force that year, and their check.
            for agreement in agreements:
                if agreement.recipient_id != rid or not _in_year(
                    agreement.valid_from, agreement.valid_to, year
                ):
                    continue
                proof = carrier_proofs.get((agreement.pk, year))
                carrier = agreement.carrier
                if proof is None:
                    state_text = "noch nicht angelegt"
                else:
                    state_text = str(ProofState(proof.state).label)
                items.append(
                    _item(
                        today=today,
                        key=f"carrier_proof:{agreement.pk}:{year}",
                        kind=DeadlineKind.CARRIER_PROOF,
                        title=f"Verwendungsnachweis {year} der Trägerin",
                        recipient_id=rid,
                        recipient_name=recipient.name,
                        party_name=carrier.name,
                        carrier_id=carrier.pk,
                        year=year,
                        due_on=rules.carrier_proof_due_date(year),
                        actor=CARRIER,
                        done=proof is not None and proof.state in DONE_PROOF_STATES,
                        state_text=state_text,
                        url=(
                            reverse("carriers:carrierproof_detail", args=[proof.pk])
                            if proof
                            else reverse("carriers:carrierproof_add")
                            + f"?year={year}&agreement={agreement.pk}"
                        ),
                    )
                )
                if proof is not None and proof.state in DONE_PROOF_STATES:
                    checked = proof.state == ProofState.CHECKED
                    items.append(
                        _item(
                            today=today,
                            key=f"carrier_proof_check:{proof.pk}",
                            kind=DeadlineKind.CARRIER_PROOF_CHECK,
                            title=f"Nachweis {year} der Trägerin prüfen",
                            recipient_id=rid,
                            recipient_name=recipient.name,
                            party_name=carrier.name,
                            carrier_id=carrier.pk,
                            year=year,
                            due_on=rules.proof_of_use_due_date(year, notice_dates.get((rid, year))),
                            actor=COORDINATION,
                            done=checked,
                            state_text=(
                                f"Prüfvermerk vom {proof.reviewed_on:%d.%m.%Y}"
                                if checked and proof.reviewed_on
                                else "eingereicht, Prüfung offen"
                            ),
                            url=reverse("carriers:carrierproof_detail", args=[proof.pk]),
                        )
                    )
        # The carriers' forecasts for this and next year.
        for year in forecast_years:
            for carrier_id, name in sorted(
                employing[(rid, year)].items(), key=lambda pair: pair[1]
            ):
                versions = forecasts[(rid, carrier_id, year)]
                done = any(f.state in DONE_FORECAST_STATES for f in versions)
                latest = versions[-1] if versions else None
                items.append(
                    _item(
                        today=today,
                        key=f"forecast:{rid}:{carrier_id}:{year}",
                        kind=DeadlineKind.FORECAST,
                        title=f"Kostenprognose {year}",
                        recipient_id=rid,
                        recipient_name=recipient.name,
                        party_name=name,
                        carrier_id=carrier_id,
                        year=year,
                        due_on=rules.forecast_due_date(year),
                        actor=CARRIER,
                        done=done,
                        state_text=(str(ForecastState(latest.state).label) if latest else "fehlt"),
                        url=(
                            reverse("carriers:costforecast_detail", args=[latest.pk])
                            if latest
                            else reverse("carriers:costforecast_add") + f"?year={year}"
                        ),
                    )
                )
    items.sort(key=lambda d: (STATUS_ORDER[d.status], d.due_on, d.recipient_name, d.key))
    return items


def deadline_recipients(user, recipient: Organisation | None = None) -> list[Organisation]:
    """The recipients whose deadlines ``user`` sees (one query): finance and coordination their
    own, administrators the one chosen or all, carriers those they hold agreements or positions
    with, nobody else any."""
    role = user.role
    if role == Role.ADMIN:
        queryset = Organisation.objects.recipients()
        if recipient is not None:
            queryset = queryset.filter(pk=recipient.pk)
        return list(queryset.order_by("name"))
    if role in PLANNING_ROLES:
        organisation = user.organisation
        if organisation is None or not organisation.is_recipient_kind:
            return []
        return [organisation]
    if role == Role.CARRIER and user.organisation_id is not None:
        carrier = user.organisation_id
        return list(
            Organisation.objects.recipients()
            .filter(
                Q(forwarding_agreements__carrier_id=carrier, forwarding_agreements__scenario=None)
                | Q(funded_positions__employer_id=carrier, funded_positions__scenario=None)
            )
            .distinct()
            .order_by("name")
        )
    return []


def deadlines_for(
    user, today: date | None = None, recipient: Organisation | None = None
) -> list[Deadline]:
    """The deadlines ``user`` may see: a carrier only its own proofs and forecasts; towns and
    the council none."""
    today = today or timezone.localdate()
    items = deadline_list(deadline_recipients(user, recipient), today)
    if user.role == Role.CARRIER:
        items = [d for d in items if d.actor == CARRIER and d.carrier_id == user.organisation_id]
    return items


def pressing(items: list[Deadline]) -> list[Deadline]:
    """The items due within 14 days or overdue (for the start pages)."""
    return [d for d in items if d.is_pressing]


def filter_by_status(items: list[Deadline], status: str) -> list[Deadline]:
    if status in STATUS_LABELS:
        return [d for d in items if d.status == status]
    if status == "open":
        return [d for d in items if not d.done]
    return items
