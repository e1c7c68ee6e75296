"""Forms of the position pages: German input ("57.000,00", "0,5", "01.07.2023"), answers in
German next to the field.

A position is edited together with the towns it serves and its occupancy periods (two
formsets inside :class:`PositionForm`), because ``staffing.services.position_save`` checks the
rules across them and saves all or nothing; its errors are put back where they belong: a
field of the position, a field of a formset row, or above a formset.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from carriers.models import Organisation
from funding.choices import OrganisationKind
from kim_admin.forms import (
    PlainRowForm,
    PlainRowFormSet,
    RecipientFormMixin,
    ScopedModelForm,
    germanise,
)
from kim_admin.roles import Role
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    Position,
    PositionCost,
    PositionTown,
)
from staffing.services import OccupancyPeriod, ServedTown, row_error

# Keys of position_save's errors that belong to a formset, not to a field of the position.
TOWNS, OCCUPANCIES = "served_towns", "occupancies"
CHECK_MARKED = _("Bitte prüfen Sie die markierten Angaben.")


def plain(value):
    """A share as people write it: 1 not "1,000", 0,5 not "0,500", 100 not "100,0000"."""
    if value is None:
        return None
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class PlainDecimalsMixin:
    """Shows the stored shares (FTE, percent) without trailing zeros."""

    plain_decimals: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.plain_decimals:
            if self.initial.get(name) is not None:
                self.initial[name] = plain(self.initial[name])


class ServedTownRowForm(PlainRowForm):
    model = PositionTown
    field_names = ("share",)

    def __init__(self, *args, town_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # One list of choices for every row (a ModelChoiceField would query once per row).
        self.fields = {
            "town": forms.TypedChoiceField(
                label=_("Kommune"), choices=[("", "---------"), *town_choices], coerce=int
            ),
            **self.fields,
        }


class OccupancyRowForm(PlainRowForm):
    model = Occupancy
    field_names = ("start", "end", "fte", "note")


ServedTownFormSet = forms.formset_factory(
    ServedTownRowForm, formset=PlainRowFormSet, extra=1, can_delete=True
)
OccupancyFormSet = forms.formset_factory(
    OccupancyRowForm, formset=PlainRowFormSet, extra=1, can_delete=True
)


class PositionForm(PlainDecimalsMixin, ScopedModelForm):
    """A position with its served towns and occupancy periods (formsets ``towns`` and
    ``occupancies``). The model's rules run in ``position_save``, all at once."""

    plain_decimals = ("fte",)

    class Meta:
        model = Position
        fields = [
            "recipient",
            "block",
            "funding_kind",
            "title",
            "fte",
            "employer",
            "unit",
            "department",
            "pay_grade",
            "planned_start",
            "end_date",
            "budget_product",
            "ledger_account",
            "cost_centre",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, data=None, *, user, instance=None, **kwargs):
        super().__init__(data, user=user, instance=instance, **kwargs)
        recipient = self.fields["recipient"]
        recipient.queryset = recipient.queryset.recipients()
        unit = self.fields["unit"]
        unit.queryset = unit.queryset.select_related("recipient")
        if user.role == Role.ADMIN:
            # Administrators choose among every recipient's units: name the recipient too.
            unit.label_from_instance = lambda u: f"{u.name} ({u.recipient.name})"
        self.fields["employer"].help_text = _(
            "Die Stadt bzw. der Kreis selbst, eine Kommune oder eine Trägerin. Für eine "
            "Trägerin muss der Weiterleitungsvertrag mit ihr schon angelegt sein."
        )
        position = self.instance
        town_choices = [
            (town.pk, town.name)
            for town in Organisation.objects.restrict(user)
            .filter(kind=OrganisationKind.TOWN)
            .order_by("name")
        ]
        towns_initial = occupancies_initial = None
        if position.pk:
            towns_initial = [
                {"town": t.town_id, "share": plain(t.share)}
                for t in position.served_towns.order_by("town__name", "pk")
            ]
            occupancies_initial = [
                {"start": o.start, "end": o.end, "fte": plain(o.fte), "note": o.note}
                for o in position.occupancies.order_by("start", "pk")
            ]
        self.towns = ServedTownFormSet(
            data,
            prefix="kommunen",
            initial=towns_initial,
            form_kwargs={"town_choices": town_choices},
        )
        self.occupancies = OccupancyFormSet(data, prefix="besetzungen", initial=occupancies_initial)
        self.formset_errors = {TOWNS: [], OCCUPANCIES: []}

    def is_valid(self):
        valid = super().is_valid()
        # Every part is validated, so that all errors show at once.
        towns_valid = self.towns.is_valid()
        occupancies_valid = self.occupancies.is_valid()
        return valid and towns_valid and occupancies_valid

    def _post_clean(self):
        # Only take the values over: the model's rules (incl. occupancy against the new FTE)
        # run in position_save with the new towns and periods, not against the stored ones.
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)

    # --- What position_save gets ---------------------------------------------------------

    def served_towns(self) -> list[ServedTown] | None:
        """The towns, or None to keep the stored ones (nothing changed in the formset)."""
        if self.instance.pk and not self.towns.has_changed():
            return None
        self._town_rows = self.towns.rows()
        return [
            ServedTown(f.cleaned_data["town"], f.cleaned_data["share"]) for f in self._town_rows
        ]

    def occupancy_periods(self) -> list[OccupancyPeriod] | None:
        """The periods, or None to keep the stored ones: nothing changed in the formset nor in
        the position's period (a changed period checks every occupancy against it)."""
        period_changed = {"planned_start", "end_date"} & set(self.changed_data)
        if self.instance.pk and not self.occupancies.has_changed() and not period_changed:
            return None
        self._occupancy_rows = self.occupancies.rows()
        return [
            OccupancyPeriod(
                f.cleaned_data["start"],
                f.cleaned_data.get("end"),
                f.cleaned_data["fte"],
                f.cleaned_data.get("note", ""),
            )
            for f in self._occupancy_rows
        ]

    def place_errors(self, error: ValidationError) -> ValidationError:
        """Put position_save's errors where they belong; return what is left for the form
        (a note to check the marked fields where everything found its place)."""
        left: dict[str, list] = {}
        rows = {
            TOWNS: getattr(self, "_town_rows", []),
            OCCUPANCIES: getattr(self, "_occupancy_rows", []),
        }
        for key, messages in error.message_dict.items():
            if key in rows:
                for message in messages:
                    self._place_row_error(key, rows[key], message)
            elif key in self.fields and key != "version":
                self.add_error(key, messages)
            else:
                left.setdefault(NON_FIELD_ERRORS, []).extend(messages)
        if left:
            return ValidationError(left)
        return ValidationError(CHECK_MARKED)

    def _place_row_error(self, key, rows, message):
        parsed = row_error(message)
        if parsed is not None:
            index, field, text = parsed
            if index < len(rows):
                form = rows[index]
                if field in form.fields:
                    form.add_error(field, text)
                else:
                    form.add_error(None, text)
                return
        self.formset_errors[key].append(message)


class OccupancyForm(PlainDecimalsMixin, ScopedModelForm):
    """One occupancy period; the position comes from the URL."""

    plain_decimals = ("fte",)

    class Meta:
        model = Occupancy
        fields = ["start", "end", "fte", "note"]


class PositionCostForm(PlainDecimalsMixin, ScopedModelForm):
    """A position's cost in one year; the position comes from the URL."""

    plain_decimals = ("overhead_rate",)

    class Meta:
        model = PositionCost
        fields = [
            "year",
            "status",
            "employer_gross",
            "material",
            "overhead_rate",
            "overhead_amount",
            "one_off",
            "note",
        ]

    def clean(self):
        cleaned = super().clean()
        cost = self.instance
        year, status = cleaned.get("year"), cleaned.get("status")
        if (
            cost.position_id
            and year
            and status
            and PositionCost.objects.filter(position_id=cost.position_id, year=year, status=status)
            .exclude(pk=cost.pk)
            .exists()
        ):
            self.add_error(
                "year",
                _("Für diese Stelle, dieses Jahr und diesen Stand gibt es schon Kosten."),
            )
        return cleaned


class PositionEndForm(forms.Form):
    """Ending a position: the day of its end (open occupancies end with it)."""

    end_date = forms.DateField(label=_("Ende der Stelle"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        germanise(self.fields["end_date"])


class OrganisationalUnitForm(RecipientFormMixin, ScopedModelForm):
    """A unit of the recipient's own administration (e.g. its KI): name and kind."""

    class Meta:
        model = OrganisationalUnit
        fields = ["recipient", "name", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()
