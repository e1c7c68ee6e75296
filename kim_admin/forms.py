"""Form base classes: German input, choices narrowed to the user's scope, the version read."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kim_admin.formatting import de_fte, de_number
from kim_admin.roles import Role
from kim_admin.scoping import VIEW

DATE_INPUT = "%d.%m.%Y"


class GermanDateInput(forms.DateInput):
    """A date typed as 16.12.2024 (a text field: the browser's own picker would use its locale)."""

    def __init__(self, attrs=None):
        attrs = {"placeholder": "TT.MM.JJJJ", "inputmode": "numeric", **(attrs or {})}
        super().__init__(attrs=attrs, format=DATE_INPUT)


class GermanDecimalInput(forms.TextInput):
    """A number typed the German way. Shown as "58.500,00" for money (two places) and without
    trailing zeros for shares and rates ("1", "0,75", "20" instead of "1,000", "20,0000")."""

    def __init__(self, decimal_places: int | None, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "class": "num", **(attrs or {})})
        self.decimal_places = decimal_places
        self.is_localized = True

    def format_value(self, value):
        if isinstance(value, Decimal):
            if self.decimal_places == 2:
                return de_number(value, 2)
            return de_fte(value)
        return super().format_value(value)


def germanise(field: forms.Field) -> None:
    """Make a form field take German input: "57.000,00" and "0,5" for numbers (text inputs:
    a browser's number input refuses the comma), "01.07.2023" for dates. Years stay plain
    integers (a year is no amount: "2.024" is not a year)."""
    if isinstance(field, forms.DecimalField):
        field.localize = True
        field.widget = GermanDecimalInput(field.decimal_places)
    elif isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
        field.widget = GermanDateInput()


class ScopedModelForm(forms.ModelForm):
    """A model form for a user: foreign keys offer only what the user may see, the recipient
    only the user's own organisation (admins: all), and the version the form was read with
    travels along, so a save over someone else's change is refused (kim_admin.versioning)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            germanise(field)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields["version"].initial = self.instance.version
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if hasattr(queryset, "restrict"):
                field.queryset = queryset = queryset.restrict(user, VIEW)
            if name == "recipient" and user.role != Role.ADMIN:
                # Rates etc. for all recipients are the administration's.
                field.queryset = queryset = queryset.filter(pk=user.organisation_id)
                field.empty_label = None
                field.required = True
            # One possible answer (one programme, one's own recipient): preselect it. (The
            # form's initial data from the unsaved instance would win over field.initial.)
            if (
                field.required
                and self.instance.pk is None
                and self.initial.get(name) is None
                and len(field.queryset[:2]) == 1
            ):
                self.initial[name] = field.queryset[0].pk

    @property
    def read_version(self) -> int | None:
        return self.cleaned_data.get("version")


STALE_MESSAGE = _(
    "Jemand anderes hat diesen Datensatz gespeichert, während Sie ihn bearbeitet haben. "
    "Ihre Änderung wurde nicht gespeichert. Bitte sehen Sie sich die Änderung im Verlauf an "
    "und bearbeiten Sie den Datensatz erneut."
)
