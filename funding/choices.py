from django.db import models
from django.utils.translation import gettext_lazy as _


class FundingKind(models.TextChoices):
    """The kinds of flat amount the state pays (DOMAIN: building blocks and rates)."""

    COORDINATION = "coordination", _("Koordination")
    ASSISTANCE = "assistance", _("Assistenz")
    CASE_MANAGEMENT = "case_management", _("Casemanagement")
    IMMIGRATION_OFFICE = "immigration_office", _("Ausländer- und Einbürgerungsbehörde")
    WORKPLACE_ALLOWANCE = "workplace_allowance", _("Sachausgabenpauschale Arbeitsplatz")
    EVENTS_BUDGET = "events_budget", _("Sachausgaben Veranstaltungen und Maßnahmen")


# A position is funded by exactly one of these (its personnel rate).
POSITION_KINDS = (
    FundingKind.COORDINATION,
    FundingKind.ASSISTANCE,
    FundingKind.CASE_MANAGEMENT,
    FundingKind.IMMIGRATION_OFFICE,
)


# A yearly budget, not an amount per FTE; it funds the programme costs of its block.
PER_YEAR_KINDS = (FundingKind.EVENTS_BUDGET,)
# Per FTE of every position in the rate's block, capped at the positions' material cost
# (seed 001: 3 FTE x 9,700 = 29,100 "Sachausgaben für Personal").
SUPPLEMENTARY_KINDS = (FundingKind.WORKPLACE_ALLOWANCE,)


class RevenueCategory(models.TextChoices):
    """Seed 001 books grant revenue on two accounts: personnel (414101) and material (414100)."""

    PERSONNEL = "personnel", _("Personal")
    MATERIAL = "material", _("Sachkosten")


def revenue_category(kind: str) -> str:
    """Seed 001: the per-FTE staff rates are personnel revenue (414101: 547,500); the
    workplace allowance and the events budget are material revenue (414100: 78,100)."""
    if kind in (FundingKind.WORKPLACE_ALLOWANCE, FundingKind.EVENTS_BUDGET):
        return RevenueCategory.MATERIAL
    return RevenueCategory.PERSONNEL


class CostStatus(models.TextChoices):
    PLANNED = "planned", _("Plan")
    FORECAST = "forecast", _("Prognose")
    ACTUAL = "actual", _("Ist")


class ProgrammeCostCategory(models.TextChoices):
    EVENTS = "events", _("Veranstaltungen und Maßnahmen")
    EXTERNAL_SUPPORT = "external_support", _("Externe Prozessbegleitung")
    OTHER = "other", _("Sonstige Sachkosten")
