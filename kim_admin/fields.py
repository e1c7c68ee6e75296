"""Model fields shared by the apps."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 1990, 2100


class YearField(models.PositiveSmallIntegerField):
    """A calendar year between 1990 and 2100.

    Shown as "2024", never grouped like money ("2.024"): thousand separators are on so that
    forms accept "57.000,00", and the admin shows a field that has ``flatchoices`` by its label.
    """

    default_validators = [
        MinValueValidator(FIRST_YEAR, _("Bitte ein Jahr ab 1990 angeben.")),
        MaxValueValidator(LAST_YEAR, _("Bitte ein Jahr bis 2100 angeben.")),
    ]

    @property
    def flatchoices(self):
        return [(year, str(year)) for year in range(FIRST_YEAR, LAST_YEAR + 1)]
