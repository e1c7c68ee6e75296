"""The form of a proof of use: recipient, year and the factual report (issue 15)."""

from django import forms

from funding.models import ProofOfUse
from kim_admin.forms import RecipientFormMixin, ScopedModelForm


class ProofOfUseForm(RecipientFormMixin, ScopedModelForm):
    class Meta:
        model = ProofOfUse
        fields = ["recipient", "year", "factual_report"]
        widgets = {"factual_report": forms.Textarea(attrs={"rows": 24})}
        help_texts = {
            "factual_report": "Leer lassen: der Entwurf wird aus den Daten erstellt.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()
