"""Form base classes: German input, choices narrowed to the user's scope, the version read."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kim_admin.roles import Role
from kim_admin.scoping import VIEW

DATE_INPUT = "%d.%m.%Y"


class GermanDateInput(forms.DateInput):
    """A date typed as 16.12.2024 (a text field: the browser's own picker would use its locale)."""

    def __init__(self, attrs=None):
        attrs = {"placeholder": "TT.MM.JJJJ", "inputmode": "numeric", **(attrs or {})}
        super().__init__(attrs=attrs, format=DATE_INPUT)


def germanise(field: forms.Field) -> None:
    """Make a form field take German input: "57.000,00" and "0,5" for numbers (text inputs:
    a browser's number input refuses the comma), "01.07.2023" for dates. Years stay plain
    integers (a year is no amount: "2.024" is not a year)."""
    if isinstance(field, forms.DecimalField):
        field.localize = True
        field.widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "num"})
        field.widget.is_localized = True
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
            if queryset is None or not hasattr(queryset, "restrict"):
                continue
            field.queryset = queryset.restrict(user, VIEW)
            if name == "recipient" and user.role != Role.ADMIN:
                # Rates etc. for all recipients are the administration's.
                field.queryset = field.queryset.filter(pk=user.organisation_id)
                field.empty_label = None
                field.required = True
            # One possible answer (one programme, one's own recipient): preselect it.
            if field.required and self.instance.pk is None and len(field.queryset[:2]) == 1:
                field.initial = field.queryset[0].pk

    @property
    def read_version(self) -> int | None:
        return self.cleaned_data.get("version")


STALE_MESSAGE = _(
    "Jemand anderes hat diesen Datensatz gespeichert, während Sie ihn bearbeitet haben. "
    "Ihre Änderung wurde nicht gespeichert. Bitte sehen Sie sich die Änderung im Verlauf an "
    "und bearbeiten Sie den Datensatz erneut."
)
