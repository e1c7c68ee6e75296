"""Forms of the funding pages: rates, grant notices with their blocks, programme costs,
revenue accounts and year closings (the shared pieces: kim_admin.forms)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from funding.models import (
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
)
from kim_admin.forms import (
    EndForm,
    FormWithRows,
    RecipientFormMixin,
    RowForm,
    RowsFormSet,
    ScopedModelForm,
)


class FundingRateForm(ScopedModelForm):
    class Meta:
        model = FundingRate
        fields = [
            "programme",
            "block",
            "kind",
            "amount",
            "valid_from",
            "capped_at_cost",
            "recipient",
            "scenario",
            "source",
        ]


# --- grant notices --------------------------------------------------------------------------

BLOCK_TWICE = _("Dieser Baustein ist im Bescheid schon aufgeführt.")
FTE_NEGATIVE = _("Die Stellenzahl darf nicht negativ sein.")
OTHER_PROGRAMME = _("Der Baustein gehört zu einem anderen Förderprogramm.")


class GrantNoticeBlockForm(RowForm):
    class Meta:
        model = GrantNoticeBlock
        fields = ["block", "approved_fte", "max_personnel_funding"]

    def clean_approved_fte(self):
        value = self.cleaned_data.get("approved_fte")
        if value is not None and value < 0:
            raise ValidationError(FTE_NEGATIVE)
        return value


class GrantNoticeBlockFormSet(RowsFormSet):
    unique_field = "block"
    duplicate_message = BLOCK_TWICE

    def clean_rows(self, forms):
        programme_id = self.instance.programme_id
        for form in forms:
            block = form.cleaned_data.get("block")
            if block and programme_id and block.programme_id != programme_id:
                form.add_error("block", OTHER_PROGRAMME)


def _notice_blocks_formset(extra):
    return inlineformset_factory(
        GrantNotice,
        GrantNoticeBlock,
        form=GrantNoticeBlockForm,
        formset=GrantNoticeBlockFormSet,
        fields=["block", "approved_fte", "max_personnel_funding"],
        extra=extra,
        can_delete=True,
    )


class GrantNoticeForm(RecipientFormMixin, FormWithRows, ScopedModelForm):
    formset_prefix = "blocks"

    class Meta:
        model = GrantNotice
        fields = [
            "recipient",
            "programme",
            "reference",
            "issued_on",
            "period_start",
            "period_end",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, data=None, *args, instance=None, **kwargs):
        # A new notice offers a row per block of the programme (three); one more otherwise.
        self.formset_class = _notice_blocks_formset(1 if instance and instance.pk else 3)
        super().__init__(data, *args, instance=instance, **kwargs)
        self.narrow_recipient()


class GrantNoticeEndForm(EndForm):
    end_field = "period_end"

    class Meta:
        model = GrantNotice
        fields = ["period_end"]


# --- programme costs and revenue accounts ---------------------------------------------------


class ProgrammeCostForm(RecipientFormMixin, ScopedModelForm):
    class Meta:
        model = ProgrammeCost
        fields = [
            "recipient",
            "scenario",
            "block",
            "year",
            "category",
            "status",
            "amount",
            "budget_product",
            "ledger_account",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()


class RevenueAccountForm(RecipientFormMixin, ScopedModelForm):
    class Meta:
        model = RevenueAccount
        fields = ["recipient", "category", "budget_product", "ledger_account"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()


class YearClosingForm(RecipientFormMixin, ScopedModelForm):
    class Meta:
        model = YearClosing
        fields = ["recipient", "year", "closed_on", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()
