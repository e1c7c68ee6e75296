"""The programme's vocabulary, as choices with their German labels: kinds of organisation and
of funding, cost status and cost sources, coverage policies and split methods. The engine,
the models, the pages and the reports all use these."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    COUNTY = "county", _("Kreis")
    COUNTY_FREE_CITY = "county_free_city", _("Kreisfreie Stadt")
    TOWN = "town", _("Kreisangehörige Kommune")
    CARRIER = "carrier", _("Trägerin der Freien Wohlfahrtspflege")


# Bodies that may receive KIM funding from the state (DOMAIN: counties and county-free cities).
RECIPIENT_KINDS = (OrganisationKind.COUNTY, OrganisationKind.COUNTY_FREE_CITY)
# Public bodies: their staff counts as "at the municipality" for the one-third rule.
MUNICIPAL_KINDS = (
    OrganisationKind.COUNTY,
    OrganisationKind.COUNTY_FREE_CITY,
    OrganisationKind.TOWN,
)


class CoveragePolicy(models.TextChoices):
    """Who carries a carrier's cost above the funding (DOMAIN: all, none, a share, a flat top-up)."""

    ALL = "all", _("Vollständige Übernahme der Mehrkosten")
    NONE = "none", _("Keine Übernahme")
    PERCENT = "percent", _("Übernahme eines Prozentsatzes")
    FLAT_PER_FTE = "flat_per_fte", _("Pauschale je Vollzeitstelle")


class SplitMethod(models.TextChoices):
    EQUAL = "equal", _("Zu gleichen Teilen")
    DEPLOYED_FTE = "deployed_fte", _("Nach eingesetzten Stellenanteilen")
    FIXED_PERCENT = "fixed_percent", _("Nach festen Prozentsätzen")
    LEVY_SHARE = "levy_share", _("Nach Kreisumlage-Anteilen")


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


class CostSource(models.TextChoices):
    """Where the engine's cost of a position in a year comes from, as the data state names it
    (home page, position page, reports): entered figures of a status (``CostStatus``: the
    selector picks actual in a closed year, else the approved forecast, else the plan), the
    last known figures carried forward with the programme's pay rises (a year without entered
    figures; the statement names the year: "fortgeschrieben aus 2026, mit Tariferhöhungen"),
    the pay grade's cost table (a position that never had figures), a projection, or
    nothing."""

    ACTUAL = CostStatus.ACTUAL.value, _("Ist")
    FORECAST = CostStatus.FORECAST.value, _("Prognose")
    PLANNED = CostStatus.PLANNED.value, _("Plan")
    CARRIED = "carried", _("fortgeschrieben mit Tariferhöhungen")
    COST_TABLE = "cost_table", _("Personalkostensatz der Entgeltgruppe")
    PROJECTED = "projected", _("Fortschreibung")
    NONE = "none", _("keine Kosten erfasst")


class ProgrammeCostCategory(models.TextChoices):
    EVENTS = "events", _("Veranstaltungen und Maßnahmen")
    EXTERNAL_SUPPORT = "external_support", _("Externe Prozessbegleitung")
    OTHER = "other", _("Sonstige Sachkosten")


class ScenarioStepKind(models.TextChoices):
    """The quick changes of a scenario, recorded as steps so that a fresh copy of the plan can
    replay them (issue 14: "Aus aktuellem Plan neu aufsetzen")."""

    MOVE_TO_RECIPIENT = "move_to_recipient", _("Stellen der Trägerinnen zur Stadt")
    CUT_BLOCK = "cut_block", _("Baustein kürzen")
    LOWER_EXTRA_COST = "lower_extra_cost", _("Trägerin senkt ihre Mehrkosten")
    TOWN_EMPLOYS_OWN = "town_employs_own", _("Kommune stellt selbst an")
    CHANGE_RATE = "change_rate", _("Fördersatz ändern")


class NoticeKind(models.TextChoices):
    """The versions of a grant notice (issue 15): the original, an amendment that replaces
    what it changes, and a follow-up notice for a further period."""

    ORIGINAL = "original", _("Zuwendungsbescheid")
    AMENDMENT = "amendment", _("Änderungsbescheid")
    FOLLOW_UP = "follow_up", _("Anschlussbescheid")


class DeadlineKind(models.TextChoices):
    """The duties of the funder's yearly cycle that fall due (issue 15: deadlines)."""

    APPLICATION = "application", _("Förderantrag")
    PROOF_OF_USE = "proof_of_use", _("Verwendungsnachweis")
    CARRIER_PROOF = "carrier_proof", _("Verwendungsnachweis der Trägerin")
    CARRIER_PROOF_CHECK = "carrier_proof_check", _("Prüfung des Nachweises der Trägerin")
    FORECAST = "forecast", _("Kostenprognose der Trägerin")


# The duties the recipient marks as submitted to the funder itself (the others are done by
# the state of the carrier's proof or forecast).
SUBMITTED_BY_RECIPIENT = (DeadlineKind.APPLICATION, DeadlineKind.PROOF_OF_USE)
