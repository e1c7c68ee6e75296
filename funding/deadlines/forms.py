"""The note that the recipient submitted its application or proof of use (German date)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from funding.choices import SUBMITTED_BY_RECIPIENT, DeadlineKind
from kim_admin.forms import germanise


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Art"),
        choices=[(k.value, k.label) for k in SUBMITTED_BY_RECIPIENT],
        widget=forms.HiddenInput,
    )
    year = forms.IntegerField(
        label=_("Jahr"), min_value=1990, max_value=2100, widget=forms.HiddenInput
    )
    recipient = forms.IntegerField(required=False, widget=forms.HiddenInput)
    submitted_on = forms.DateField(
        label=_("Eingereicht am"),
        error_messages={"invalid": _("Bitte ein Datum wie 16.12.2024 eingeben.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        germanise(self.fields["submitted_on"])

    def kind_label(self) -> str:
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        return str(DeadlineKind(kind).label) if kind in DeadlineKind.values else ""
