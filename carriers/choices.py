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
