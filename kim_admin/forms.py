"""Form base classes: German input, choices narrowed to the user's scope, the version read."""

from decimal import Decimal

from django import forms
from django.forms.models import BaseInlineFormSet, fields_for_model
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


# --- rows of a record -------------------------------------------------------------------------


class PlainRowForm(forms.Form):
    """A row of a plain formset whose rows a service saves (not a model formset): the model's own
    form fields (labels, validators, German messages)."""

    model = None
    field_names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(self.model, fields=self.field_names))
        for field in self.fields.values():
            germanise(field)


class PlainRowFormSet(forms.BaseFormSet):
    def rows(self):
        """The filled rows that are not marked for deletion, in order."""
        return [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class RowForm(ScopedModelForm):
    """A row of an inline formset: German input and scoped choices like its parent form. Rows
    have no version of their own: the parent's version guards them (every save of the parent
    with its rows raises the parent's version)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]


class RowsFormSet(BaseInlineFormSet):
    """An inline formset whose rows name something at most once (a block, a town).

    The duplicate is marked at the row's field in German (Django's own message would name
    the database columns); checks across rows go in :meth:`clean_rows`.
    """

    unique_field: str = ""
    duplicate_message = ""

    def live_forms(self):
        """The rows that will exist after the save (filled in, not marked for deletion)."""
        return [
            form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self):
        if not all(form.is_valid() for form in self.forms if not self._should_delete_form(form)):
            return
        seen = set()
        duplicate = False
        for form in self.live_forms():
            value = form.cleaned_data.get(self.unique_field)
            if value is None:
                continue
            if value in seen:
                form.add_error(self.unique_field, self.duplicate_message)
                duplicate = True
            seen.add(value)
        if duplicate:
            return
        self.clean_rows(self.live_forms())
        super().clean()

    def clean_rows(self, forms):
        """Rules across the rows; raise ValidationError for a message above the rows."""


class FormWithRows:
    """A model form that carries an inline formset of its rows: bound, validated and shown
    together, so the generic edit view saves both in its one transaction.

    The form is validated first: that puts the entered values on ``instance``, which the
    formset's rules read (e.g. the split method).
    """

    formset_class: type[BaseInlineFormSet]
    formset_prefix: str

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.formset = self.formset_class(
            data,
            instance=self.instance,
            prefix=self.formset_prefix,
            form_kwargs={"user": self.user},
        )

    def is_valid(self):
        form_valid = super().is_valid()
        return self.formset.is_valid() and form_valid


class EndForm(ScopedModelForm):
    """Ends a record on a date (the rest stays as it is); the model's rules check the date."""

    end_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields[self.end_field]
        field.required = True
        field.help_text = _("Letzter Tag, an dem der Datensatz gilt.")


# --- the recipient of a plan row -------------------------------------------------------------


class RecipientFormMixin:
    """The recipient is a county or a county-free city (admins pick one; everybody else has
    their own, which ScopedModelForm already preselects); the model's clean() checks that a
    scenario is the recipient's."""

    def narrow_recipient(self):
        field = self.fields.get("recipient")
        if field is not None:
            field.queryset = field.queryset.recipients()
        scenario = self.fields.get("scenario")
        if scenario is not None:
            scenario.empty_label = _("– kein Szenario: der echte Plan –")

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN
