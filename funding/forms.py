"""Forms of the funding pages: rates, grant notices with their blocks, programme costs,
revenue accounts and year closings (the shared pieces: kim_admin.forms)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import inlineformset_factory

from funding.choices import NoticeKind
from funding.models import (
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
)
from funding.notices.services import BLOCK_TWICE, FTE_NEGATIVE, OTHER_PROGRAMME
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
            "kind",
            "amends",
            "reference",
            "issued_on",
            "effective_from",
            "period_start",
            "period_end",
            "proof_due_on",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, data=None, *args, instance=None, block_rows=None, **kwargs):
        # A new notice offers a row per block of the programme (three); one more otherwise.
        if block_rows is None:
            block_rows = 1 if instance and instance.pk else 3
        self.formset_class = _notice_blocks_formset(block_rows)
        super().__init__(data, *args, instance=instance, **kwargs)
        self.narrow_recipient()
        # Sent without a kind (older clients, scripts): the notice stays what it is.
        self.fields["kind"].required = False
        # An amendment refers to a notice standing on its own (not to another amendment).
        amends = self.fields["amends"]
        amends.queryset = amends.queryset.exclude(kind=NoticeKind.AMENDMENT).select_related(
            "recipient"
        )
        if instance is not None and instance.pk:
            amends.queryset = amends.queryset.exclude(pk=instance.pk)

    def clean_kind(self):
        return self.cleaned_data.get("kind") or self.instance.kind or NoticeKind.ORIGINAL


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
