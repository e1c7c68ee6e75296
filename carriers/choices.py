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
