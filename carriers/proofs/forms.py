"""Forms of the carriers' proof pages: German input ("70.584,00", "0,5", "15.04.2025"), answers
next to the field. The lines are one formset saved with the proof through
``carriers.proofs.services.proof_update`` (all or nothing)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.choices import ReviewResult
from carriers.models import CarrierProof, ProofLine
from carriers.proofs.services import ProofLineInput
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.forms import PlainRowForm, PlainRowFormSet, germanise


class ProofCreateForm(forms.Form):
    """Open a proof: under which forwarding agreement, for which (closed) year."""

    agreement = forms.TypedChoiceField(label=_("Weiterleitungsvertrag"), coerce=int)
    year = forms.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "min_value": _("Bitte ein Jahr ab 1990 angeben."),
            "max_value": _("Bitte ein Jahr bis 2100 angeben."),
        },
    )

    def __init__(self, *args, agreements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].choices = [
            (
                a.pk,
                _("%(recipient)s, gültig ab %(start)s")
                % {"recipient": a.recipient.name, "start": f"{a.valid_from:%d.%m.%Y}"},
            )
            for a in agreements
        ]
        self.fields["year"].initial = timezone.localdate().year - 1
        self.fields["year"].widget.attrs["inputmode"] = "numeric"


class ProofLineRowForm(PlainRowForm):
    model = ProofLine
    field_names = ("employer_gross", "material", "overhead", "fte", "months_filled", "remark")

    def __init__(self, *args, position_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "position": forms.TypedChoiceField(
                label=_("Stelle"),
                choices=[("", "---------"), *position_choices],
                coerce=int,
                error_messages={
                    "invalid_choice": _(
                        "Diese Stelle hält Ihre Trägerin nicht unter diesem Weiterleitungsvertrag."
                    )
                },
            ),
            **self.fields,
        }
        self.fields["months_filled"].widget.attrs["size"] = 5
        self.fields["fte"].widget.attrs["size"] = 5


ProofLineFormSet = forms.formset_factory(
    ProofLineRowForm, formset=PlainRowFormSet, extra=1, can_delete=True
)


class ProofEditForm(forms.Form):
    """Funds received, own contribution, note and lines; ``version`` as read."""

    funds_received = forms.DecimalField(
        label=_("Erhaltene Mittel (€)"), max_digits=14, decimal_places=2, min_value=0
    )
    own_contribution = forms.DecimalField(
        label=_("Eigenanteil der Trägerin (€)"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(
        label=_("Anmerkung der Trägerin"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, *, proof: CarrierProof, position_choices, **kwargs):
        initial = {
            "funds_received": proof.funds_received,
            "own_contribution": proof.own_contribution,
            "note": proof.note,
            "version": proof.version,
        }
        super().__init__(data, initial=initial, **kwargs)
        for name in ("funds_received", "own_contribution"):
            germanise(self.fields[name])
            self.fields[name].error_messages["min_value"] = _("Der Betrag darf nicht negativ sein.")
        lines = [
            {
                "position": line.position_id,
                "employer_gross": line.employer_gross,
                "material": line.material,
                "overhead": line.overhead,
                "fte": line.fte,
                "months_filled": line.months_filled,
                "remark": line.remark,
            }
            for line in proof.lines.all()
        ]
        self.formset = ProofLineFormSet(
            data, initial=lines, prefix="lines", form_kwargs={"position_choices": position_choices}
        )

    def is_valid(self):
        return super().is_valid() & self.formset.is_valid()

    def line_inputs(self) -> list[ProofLineInput]:
        return [
            ProofLineInput(
                position_id=row.cleaned_data["position"],
                employer_gross=row.cleaned_data["employer_gross"],
                material=row.cleaned_data.get("material") or 0,
                overhead=row.cleaned_data.get("overhead") or 0,
                fte=row.cleaned_data["fte"],
                months_filled=row.cleaned_data["months_filled"],
                remark=row.cleaned_data.get("remark", ""),
            )
            for row in self.formset.rows()
        ]


class ReviewForm(forms.Form):
    """The review note (Prüfvermerk): result, findings, date."""

    review_result = forms.ChoiceField(
        label=_("Ergebnis der Prüfung"),
        choices=[("", "---------"), *ReviewResult.choices],
        error_messages={"required": _("Bitte das Ergebnis der Prüfung wählen.")},
    )
    findings = forms.CharField(
        label=_("Feststellungen"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reviewed_on = forms.DateField(label=_("Prüfvermerk vom"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        germanise(self.fields["reviewed_on"])
        self.fields["reviewed_on"].help_text = _("Leer: heute.")
