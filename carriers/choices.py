"""Choices of the carriers' workflows: cost statements and settlement statements. (The kinds of
organisation, coverage policies and split methods are the programme's vocabulary: funding.choices.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ForecastKind(models.TextChoices):
    """A carrier's statement of a year's cost: a forecast before or during the year, the actual
    cost (Ist-Abrechnung) after it."""

    FORECAST = "forecast", _("Kostenprognose")
    ACTUAL = "actual", _("Ist-Abrechnung")


class ForecastState(models.TextChoices):
    """draft → submitted → approved; or submitted → returned (with a comment) → revised by the
    carrier → submitted again. A revision of an approved forecast is a new draft that supersedes
    it once approved."""

    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("Eingereicht")
    RETURNED = "returned", _("Zurückgegeben")
    APPROVED = "approved", _("Genehmigt")
    SUPERSEDED = "superseded", _("Ersetzt")


# States in which a forecast is still open: at most one per carrier, year and kind.
OPEN_FORECAST_STATES = (ForecastState.DRAFT, ForecastState.SUBMITTED, ForecastState.RETURNED)
# States in which only the carrier changes the lines.
EDITABLE_FORECAST_STATES = (ForecastState.DRAFT, ForecastState.RETURNED)


class StatementState(models.TextChoices):
    """A settlement statement is issued once; a correction supersedes it (seed 003)."""

    ISSUED = "issued", _("Ausgestellt")
    SUPERSEDED = "superseded", _("Ersetzt")


class ProofState(models.TextChoices):
    """A carrier's proof of use: draft → submitted → checked (the review note recorded); or
    submitted → returned (with a comment) → changed by the carrier → submitted again."""

    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("Eingereicht")
    RETURNED = "returned", _("Zurückgegeben")
    CHECKED = "checked", _("Geprüft")


# States in which only the carrier changes the proof.
EDITABLE_PROOF_STATES = (ProofState.DRAFT, ProofState.RETURNED)


class ReviewResult(models.TextChoices):
    """The result of the review note (Prüfvermerk) on a carrier's proof."""

    CONFIRMED = "confirmed", _("Ohne Beanstandung")
    FINDINGS = "findings", _("Mit Feststellungen")
