"""Model fields shared by the apps."""

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 1990, 2100
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


class DateField(models.DateField):
    """A date of the plan, between 01.01.1990 and 31.12.2100.

    A date far outside the programme's years is a typing error, and 31.12.9999 would make
    every year's calculation of the row fail; every write path (pages, API, import, admin)
    runs these validators through ``full_clean``.
    """

    default_validators = [
        MinValueValidator(FIRST_DAY, _("Bitte ein Datum ab dem 01.01.1990 angeben.")),
        MaxValueValidator(LAST_DAY, _("Bitte ein Datum bis zum 31.12.2100 angeben.")),
    ]


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
