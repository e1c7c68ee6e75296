"""Forms of the settlement pages: which recipient, year and split; an advance payment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carriers.models import AdvancePayment, CostSplit, Organisation
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.forms import ScopedModelForm
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE


class SettlementSelectForm(forms.Form):
    """Recipient (administrators only; others settle their own), year and optionally a split."""

    recipient = forms.ModelChoiceField(
        label=_("Zuwendungsempfänger"), queryset=Organisation.objects.none(), to_field_name="slug"
    )
    year = forms.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": _("Bitte ein Jahr als Zahl angeben, z. B. 2023."),
            "required": _("Bitte das Jahr angeben."),
            "min_value": _("Bitte ein Jahr ab 1990 angeben."),
            "max_value": _("Bitte ein Jahr bis 2100 angeben."),
        },
    )
    split = forms.ModelChoiceField(
        label=_("Kostenaufteilung"),
        queryset=CostSplit.objects.none(),
        required=False,
        empty_label=_("Alle"),
        error_messages={"invalid_choice": _("Diese Kostenaufteilung gibt es hier nicht.")},
    )

    def __init__(self, *args, user, with_split=True, **kwargs):
        super().__init__(*args, **kwargs)
        splits = CostSplit.objects.restrict(user, CHANGE).filter(scenario__isnull=True)
        recipients = Organisation.objects.filter(pk__in=splits.values("recipient_id")).order_by(
            "name"
        )
        self.fields["recipient"].queryset = recipients
        self.fields["recipient"].error_messages["invalid_choice"] = _(
            "Für diesen Zuwendungsempfänger dürfen Sie keine Abrechnungen ausstellen."
        )
        if user.role != Role.ADMIN:
            self.fields["recipient"].empty_label = None
        self.fields["split"].queryset = splits.select_related("recipient").order_by("name")
        if not with_split:
            del self.fields["split"]

    def clean(self):
        data = super().clean()
        split, recipient = data.get("split"), data.get("recipient")
        if split is not None and recipient is not None and split.recipient_id != recipient.pk:
            self.add_error(
                "split",
                _("„%(split)s“ gehört nicht zu %(recipient)s.")
                % {"split": split.name, "recipient": recipient.name},
            )
        return data


class IssueForm(forms.Form):
    """Issue one town's statement; ``replaces`` is the version a correction replaces."""

    split = forms.IntegerField(widget=forms.HiddenInput)
    town = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class AdvancePaymentForm(ScopedModelForm):
    class Meta:
        model = AdvancePayment
        fields = ["split", "town", "year", "paid_on", "amount", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = (
            CostSplit.objects.restrict(self.user, CHANGE)
            .filter(scenario__isnull=True)
            .order_by("name")
        )
        town = self.fields["town"]
        town.queryset = town.queryset.towns().order_by("name")
