"""Forms of forwarding agreements and cost splits (saved by carriers.services, which checks
the same rules again inside its transaction)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from carriers import services
from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement
from carriers.models.core import town_of_recipient_error
from funding.choices import CoveragePolicy, OrganisationKind, SplitMethod
from kim_admin.forms import (
    EndForm,
    FormWithRows,
    RecipientFormMixin,
    RowForm,
    RowsFormSet,
    ScopedModelForm,
)
from kim_admin.roles import Role

PERCENT_ONLY = _("Nur bei „Übernahme eines Prozentsatzes“, dort Pflichtangabe.")
FLAT_ONLY = _("Nur bei „Pauschale je Vollzeitstelle“, dort Pflichtangabe.")
MEMBER_PERCENT_ONLY = _("Nur bei der Aufteilung „Nach festen Prozentsätzen“.")
TOWN_TWICE = _("Diese Kommune ist an der Aufteilung bereits beteiligt.")


def position_label(position) -> str:
    """A position as the check boxes show it: title and employer (and the scenario of a
    scenario's copy)."""
    text = f"{position.title} ({position.employer})"
    if position.scenario_id:
        text += f" – Szenario {position.scenario}"
    return text


def towns_of(user, queryset):
    """Towns a user may put into a split: the towns of their own county (admins: all)."""
    queryset = queryset.towns()
    if user.role != Role.ADMIN:
        queryset = queryset.filter(parent_id=user.organisation_id)
    return queryset.order_by("name")


class PositionsMixin:
    """The ``positions`` check boxes: positions of the recipient (non-admins: their own;
    admins editing: the record's), labelled with their employer."""

    def setup_positions(self, **narrow):
        field = self.fields["positions"]
        queryset = field.queryset.filter(**narrow)
        if not self.is_admin:
            queryset = queryset.filter(recipient_id=self.user.organisation_id)
        elif self.instance.recipient_id:
            queryset = queryset.filter(recipient_id=self.instance.recipient_id)
        field.queryset = queryset.select_related("employer", "scenario").order_by(
            "scenario_id", "employer__name", "title", "pk"
        )
        field.label_from_instance = position_label
        field.required = False

    def positions_record(self, cleaned):
        """An unsaved copy of the record with the entered recipient, scenario and carrier, for
        the rules of carriers.services (the instance gets them only after clean())."""
        return self._meta.model(
            recipient=cleaned.get("recipient"),
            scenario=cleaned.get("scenario"),
            **({"carrier": cleaned.get("carrier")} if "carrier" in self.fields else {}),
        )


class ForwardingAgreementForm(RecipientFormMixin, PositionsMixin, ScopedModelForm):
    class Meta:
        model = ForwardingAgreement
        fields = [
            "recipient",
            "scenario",
            "carrier",
            "reference",
            "signed_on",
            "valid_from",
            "valid_to",
            "coverage_policy",
            "coverage_percent",
            "coverage_flat_per_fte",
            "payer",
            "positions",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "positions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()
        carrier = self.fields["carrier"]
        carrier.queryset = carrier.queryset.carriers()
        payer = self.fields["payer"]
        payer.queryset = payer.queryset.exclude(kind=OrganisationKind.CARRIER)
        if not self.is_admin:
            payer.queryset = payer.queryset.filter(
                Q(pk=self.user.organisation_id) | Q(parent_id=self.user.organisation_id)
            )
        payer.empty_label = _("– der Zuwendungsempfänger –")
        self.fields["coverage_percent"].help_text = PERCENT_ONLY
        self.fields["coverage_flat_per_fte"].help_text = FLAT_ONLY
        # Positions employed by a carrier; the page shows those of the chosen carrier.
        self.setup_positions(employer__kind=OrganisationKind.CARRIER)

    def clean(self):
        cleaned = super().clean()
        # Only the figure of the chosen policy counts (the page hides the other one).
        policy = cleaned.get("coverage_policy")
        if policy != CoveragePolicy.PERCENT:
            cleaned["coverage_percent"] = None
        if policy != CoveragePolicy.FLAT_PER_FTE:
            cleaned["coverage_flat_per_fte"] = None
        if cleaned.get("carrier") and cleaned.get("recipient") and "positions" in cleaned:
            record = self.positions_record(cleaned)
            for message in services.agreement_position_errors(record, cleaned["positions"]):
                self.add_error("positions", message)
        return cleaned


class ForwardingAgreementEndForm(EndForm):
    end_field = "valid_to"

    class Meta:
        model = ForwardingAgreement
        fields = ["valid_to"]


# --- cost splits ----------------------------------------------------------------------------


class CostSplitMemberForm(RowForm):
    class Meta:
        model = CostSplitMember
        fields = ["organisation", "percent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = towns_of(self.user, field.queryset)
        self.fields["percent"].help_text = MEMBER_PERCENT_ONLY


class CostSplitMemberFormSet(RowsFormSet):
    """The towns of a split: each once, each a town of the recipient's county, fixed
    percentages making 100 % (``staffing.rules.split_percents_error``, above the rows)."""

    unique_field = "organisation"
    duplicate_message = TOWN_TWICE

    def clean_rows(self, forms):
        split = self.instance
        fixed = split.method == SplitMethod.FIXED_PERCENT
        for form in forms:
            if not fixed:
                # Percentages only count for fixed splits (the page hides them otherwise).
                form.cleaned_data["percent"] = None
            if split.recipient_id:
                message = town_of_recipient_error(
                    split.recipient, form.cleaned_data["organisation"]
                )
                if message:
                    form.add_error("organisation", message)
        if not split.method:
            return
        shares = [
            services.SplitShare(form.cleaned_data["organisation"].pk, form.cleaned_data["percent"])
            for form in forms
            if form.cleaned_data.get("organisation")
        ]
        messages = services.split_member_errors(split, shares)
        if messages:
            raise ValidationError(messages)


CostSplitMemberInlineFormSet = inlineformset_factory(
    CostSplit,
    CostSplitMember,
    form=CostSplitMemberForm,
    formset=CostSplitMemberFormSet,
    fields=["organisation", "percent"],
    extra=1,
    can_delete=True,
)


class CostSplitForm(RecipientFormMixin, PositionsMixin, FormWithRows, ScopedModelForm):
    formset_class = CostSplitMemberInlineFormSet
    formset_prefix = "members"

    class Meta:
        model = CostSplit
        fields = [
            "recipient",
            "scenario",
            "name",
            "employer_town",
            "method",
            "valid_from",
            "valid_to",
            "positions",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "positions": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_recipient()
        employer = self.fields["employer_town"]
        employer.queryset = towns_of(self.user, employer.queryset)
        employer.help_text = _(
            "Die Kommune, die anstellt und die Förderung erhält (Anstellungskörperschaft)."
        )
        self.setup_positions()

    def clean(self):
        cleaned = super().clean()
        recipient = cleaned.get("recipient")
        if recipient and "positions" in cleaned:
            record = self.positions_record(cleaned)
            for message in services.split_position_errors(record, cleaned["positions"]):
                self.add_error("positions", message)
        return cleaned

    def shares(self):
        """The towns entered, for carriers.services.split_save."""
        return [
            services.SplitShare(form.cleaned_data["organisation"].pk, form.cleaned_data["percent"])
            for form in self.formset.live_forms()
        ]


class CostSplitEndForm(EndForm):
    end_field = "valid_to"

    class Meta:
        model = CostSplit
        fields = ["valid_to"]
