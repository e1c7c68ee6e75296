"""Forms of the forecast pages: German input ("70.584,00", "11,5"), answers next to the field.

The lines of a forecast are one formset saved with it through
``carriers.forecasts.services.forecast_update``, which checks them all and saves all or nothing;
its messages ("Zeile 2, Besetzte Monate: …") land above the lines.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.choices import ForecastKind
from carriers.forecasts.services import LineInput
from carriers.models import CarrierPayment, ForecastLine
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.forms import PlainRowForm, PlainRowFormSet, ScopedModelForm


class ForecastCreateForm(forms.Form):
    """Open a new statement: for whom, which year, forecast or actual."""

    recipient = forms.TypedChoiceField(label=_("Zuwendungsempfänger"), coerce=int)
    year = forms.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "min_value": _("Bitte ein Jahr ab 1990 angeben."),
            "max_value": _("Bitte ein Jahr bis 2100 angeben."),
        },
    )
    kind = forms.ChoiceField(label=_("Art"), choices=ForecastKind.choices)
    title = forms.CharField(
        label=_("Bezeichnung"),
        max_length=120,
        required=False,
        help_text=_("z. B. „Prognose April 2025“; leer: Art und Datum der Einreichung."),
    )

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [(r.pk, r.name) for r in recipients]
        if len(recipients) == 1:
            self.fields["recipient"].initial = recipients[0].pk
        self.fields["year"].initial = timezone.localdate().year + 1
        self.fields["year"].widget.attrs["inputmode"] = "numeric"


class ForecastLineRowForm(PlainRowForm):
    model = ForecastLine
    field_names = ("employer_gross", "material", "overhead", "months_filled", "remark")

    def __init__(self, *args, position_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "position": forms.TypedChoiceField(
                label=_("Stelle"), choices=[("", "---------"), *position_choices], coerce=int
            ),
            **self.fields,
        }
        self.fields["months_filled"].widget.attrs["size"] = 5


ForecastLineFormSet = forms.formset_factory(
    ForecastLineRowForm, formset=PlainRowFormSet, extra=1, can_delete=True
)


class ForecastEditForm(forms.Form):
    """Title, note and lines of a draft; ``version`` is the forecast's version when read."""

    title = forms.CharField(label=_("Bezeichnung"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Anmerkung der Trägerin"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, forecast, position_choices, **kwargs):
        initial = {"title": forecast.title, "note": forecast.note, "version": forecast.version}
        super().__init__(data, initial=initial, **kwargs)
        lines = [
            {
                "position": line.position_id,
                "employer_gross": line.employer_gross,
                "material": line.material,
                "overhead": line.overhead,
                "months_filled": line.months_filled,
                "remark": line.remark,
            }
            for line in forecast.lines.all()
        ]
        self.formset = ForecastLineFormSet(
            data,
            initial=lines,
            prefix="lines",
            form_kwargs={"position_choices": position_choices},
        )

    def is_valid(self):
        return super().is_valid() & self.formset.is_valid()

    def line_inputs(self) -> list[LineInput]:
        return [
            LineInput(
                position_id=row.cleaned_data["position"],
                employer_gross=row.cleaned_data["employer_gross"],
                material=row.cleaned_data.get("material") or 0,
                overhead=row.cleaned_data.get("overhead") or 0,
                months_filled=row.cleaned_data["months_filled"],
                remark=row.cleaned_data.get("remark", ""),
            )
            for row in self.formset.rows()
        ]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Begründung für die Trägerin"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Bitte begründen, was die Trägerin ändern soll.")},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Datei (PDF oder Excel, höchstens 5 MB)"),
        error_messages={
            "required": _("Bitte eine Datei auswählen."),
            "empty": _("Die Datei ist leer."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xlsx"}),
    )


class CarrierPaymentForm(ScopedModelForm):
    class Meta:
        model = CarrierPayment
        fields = ["recipient", "carrier", "year", "position", "paid_on", "amount", "purpose"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        carrier = self.fields["carrier"]
        carrier.queryset = carrier.queryset.carriers().order_by("name")
        self.fields["position"].queryset = self.fields["position"].queryset.filter(
            employer__kind="carrier", scenario__isnull=True
        )
