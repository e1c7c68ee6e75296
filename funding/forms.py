"""Forms of the funding pages: rates, grant notices with their blocks, programme costs and
revenue accounts; and the pieces the carriers' forms share (rows of a formset, a form that
carries its formset, the recipient's choices, the "end" form)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from carriers.choices import RECIPIENT_KINDS
from funding.models import (
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
)
from kim_admin.forms import ScopedModelForm
from kim_admin.roles import Role

SCENARIO_OF_OTHER_RECIPIENT = _("Das Szenario gehört zu einem anderen Empfänger.")


class RecipientFormMixin:
    """The recipient is a county or a county-free city (admins pick one; everybody else has
    their own, which ScopedModelForm already preselects), and a scenario is the recipient's."""

    def narrow_recipient(self):
        field = self.fields.get("recipient")
        if field is not None:
            field.queryset = field.queryset.filter(kind__in=RECIPIENT_KINDS)
        scenario = self.fields.get("scenario")
        if scenario is not None:
            scenario.empty_label = _("– kein Szenario: der echte Plan –")

    def check_scenario(self, cleaned_data):
        scenario, recipient = cleaned_data.get("scenario"), cleaned_data.get("recipient")
        if scenario and recipient and scenario.recipient_id != recipient.pk:
            self.add_error("scenario", SCENARIO_OF_OTHER_RECIPIENT)

    @property
    def is_admin(self) -> bool:
        return self.user.role == Role.ADMIN


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


# --- rows of a parent: formsets -------------------------------------------------------------


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

    def clean(self):
        cleaned = super().clean()
        self.check_scenario(cleaned)
        return cleaned


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
