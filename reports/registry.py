"""The kinds of council report and what every kind shares.

A kind is a :class:`ReportKind` subclass registered with :func:`register`: it names its
template and builds the template's context and the machine-readable table (embedded in the
PDF) from the cost engine's results. It never computes a figure of its own. Rendering
(``reports.rendering``), the pages, the API, publishing and the command work for every kind
the same way, so a new kind (carrier forecasts, scenario comparisons, settlements) is a class
and a template::

    @register
    class ForecastReport(ReportKind):
        slug = "carrier_forecasts"
        label = _("Kostenprognosen der Trägerinnen")
        template_name = "reports/kinds/carrier_forecasts.html"

        def build(self, request): ...
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

# How a committee treats the paper (the seeds: "Beratung", "Entscheidung", "Kenntnisnahme";
# "Vorberatung" for a committee that prepares the council's decision).
COMMITTEE_ROLES = [
    ("Vorberatung", _("Vorberatung")),
    ("Beratung", _("Beratung")),
    ("Entscheidung", _("Entscheidung")),
    ("Kenntnisnahme", _("Kenntnisnahme")),
]


class ReportInputError(Exception):
    """Input a report cannot be made from, with the form field it belongs to and a German
    message for the user (unknown year, a year without data, a report too large)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CommitteeStep:
    """One line of the Beratungsfolge: committee, date of the meeting, its role."""

    committee: str
    meeting_date: date | None
    role: str

    def as_dict(self) -> dict:
        return {
            "committee": self.committee,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "role": self.role,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CommitteeStep:
        raw = data.get("meeting_date")
        return cls(
            committee=data.get("committee", ""),
            meeting_date=date.fromisoformat(raw) if raw else None,
            role=data.get("role", ""),
        )


@dataclass(frozen=True)
class CouncilHeader:
    """The head of a council paper (seed 001: Stadt Leverkusen, Vorlage Nr. 2021/1121,
    04.11.2021, four committees, Betreff). Filled in by the user and kept with the report."""

    body: str
    file_number: str
    paper_date: date
    subject: str
    department: str = ""
    committees: tuple[CommitteeStep, ...] = ()

    def as_dict(self) -> dict:
        return {
            "body": self.body,
            "department": self.department,
            "file_number": self.file_number,
            "paper_date": self.paper_date.isoformat(),
            "subject": self.subject,
            "committees": [step.as_dict() for step in self.committees],
        }

    @classmethod
    def from_dict(cls, data: dict) -> CouncilHeader:
        return cls(
            body=data.get("body", ""),
            department=data.get("department", ""),
            file_number=data.get("file_number", ""),
            paper_date=date.fromisoformat(data["paper_date"]),
            subject=data.get("subject", ""),
            committees=tuple(CommitteeStep.from_dict(s) for s in data.get("committees", ())),
        )


@dataclass(frozen=True)
class ReportRequest:
    """What a report is made from: its kind, the recipient, the year, optionally a scenario,
    and the council header."""

    kind: str
    recipient: Any  # carriers.models.Organisation
    year: int
    header: CouncilHeader
    scenario: Any = None  # funding.models.Scenario or None
    # A kind's own parameters as its ``clean_options`` returned them (JSON values: slugs,
    # ids, years), e.g. the scenarios a comparison shows.
    options: dict = field(default_factory=dict)

    def parameters(self) -> dict:
        """The parameters as stored with a published report (slugs, not ids)."""
        parameters = {
            "kind": self.kind,
            "recipient": self.recipient.slug,
            "year": self.year,
            "scenario": self.scenario.slug if self.scenario else None,
        }
        if self.options:
            parameters["options"] = self.options
        return parameters


@dataclass
class ReportContent:
    """What a kind hands to the renderer: the document title, the template context and the
    figures as a table (first row: column names) for the embedded CSV."""

    title: str
    context: dict
    table: list[list[str]]
    # Lines under "Stand": which data the report rests on (e.g. the hook for "forecasts of
    # Caritas approved on 28.11.2024" once the forecasts exist).
    data_state_notes: list[str] = field(default_factory=list)


class ReportKind(ABC):
    """Base of every report kind; subclasses set the class attributes and ``build`` (a kind
    without it cannot be instantiated)."""

    slug: ClassVar[str]
    label: ClassVar[str]
    template_name: ClassVar[str]
    # The stem of the embedded CSV's file name ("kostenuebersicht" -> kostenuebersicht-….csv).
    file_stem: ClassVar[str]
    # The report form's fields this kind reads besides kind, recipient, year and scenario
    # (``compare_scenarios``, ``last_year``, ``projection``); the form shows them for it.
    option_fields: ClassVar[tuple[str, ...]] = ()
    # Made from the report form and POST /api/reports/; False for a kind made elsewhere (the
    # settlement statements, issued under "Abrechnungen").
    published_from_form: ClassVar[bool] = True

    @abstractmethod
    def build(self, request: ReportRequest, rendered_at: datetime) -> ReportContent:
        """The template context and the figures' table, from the cost engine's results."""

    def data_state_notes(self, request: ReportRequest) -> list[str]:
        """Hook: lines about the state of the data (approved forecasts and when)."""
        return []

    def clean_options(self, raw: dict, *, recipient, user) -> dict:
        """The kind's own parameters from the form or the API (JSON values: slugs, ids,
        years), checked against what ``user`` may see of ``recipient``; raises
        ReportInputError naming the field. The result is stored with a published report."""
        return {}

    def file_suffix(self, request: ReportRequest) -> list[str]:
        """Hook: parts the file names add for the kind's options."""
        return []


REGISTRY: dict[str, type[ReportKind]] = {}


def register(cls: type[ReportKind]) -> type[ReportKind]:
    if cls.slug in REGISTRY and REGISTRY[cls.slug] is not cls:
        raise ValueError(f"report kind {cls.slug!r} registered twice")
    REGISTRY[cls.slug] = cls
    return cls


def get_kind(slug: str) -> ReportKind:
    """An instance of the registered kind; KeyError for an unknown slug."""
    _load_kinds()
    return REGISTRY[slug]()


def kind_choices() -> list[tuple[str, str]]:
    """(slug, German label) of every registered kind, for the model's choices."""
    _load_kinds()
    return [(slug, cls.label) for slug, cls in REGISTRY.items()]


def form_kind_choices() -> list[tuple[str, str]]:
    """(slug, German label) of the kinds a user makes from the report form or the API."""
    _load_kinds()
    return [(slug, cls.label) for slug, cls in REGISTRY.items() if cls.published_from_form]


def _load_kinds() -> None:
    # The kinds register themselves on import (reports/kinds/__init__.py imports them all).
    import reports.kinds  # noqa: F401
