"""The report form: kind, recipient, year, scenario and the council header with its
committee sequence (Beratungsfolge)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kim_admin.forms import GermanDateInput
from reports.registry import (
    COMMITTEE_ROLES,
    CommitteeStep,
    CouncilHeader,
    ReportInputError,
    ReportRequest,
    form_kind_choices,
    get_kind,
)
from reports.services import report_projections, report_recipients, report_scenarios

FIRST_YEAR, LAST_YEAR = 2000, 2100
YEAR_MESSAGE = _("Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2022.")
DATE_MESSAGE = _("Bitte ein Datum wie 16.12.2024 angeben.")
COMMITTEE_ROWS = 4


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Berichtsart"), choices=form_kind_choices, initial="cost_overview"
    )
    recipient = forms.ModelChoiceField(
        label=_("Zuwendungsempfänger"),
        queryset=None,
        to_field_name="slug",
        error_messages={
            "invalid_choice": _(
                "Diesen Zuwendungsempfänger gibt es nicht oder Sie dürfen "
                "für ihn keine Berichte erstellen."
            ),
        },
    )
    year = forms.IntegerField(
        label=_("Jahr"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        error_messages={
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
            "required": YEAR_MESSAGE,
        },
    )
    scenario = forms.ModelChoiceField(
        label=_("Szenario"),
        queryset=None,
        required=False,
        empty_label=_("Aktueller Plan (kein Szenario)"),
        error_messages={"invalid_choice": _("Dieses Szenario gibt es nicht.")},
    )
    # Options of some kinds (ReportKind.option_fields); the kind checks them.
    compare_scenarios = forms.ModelMultipleChoiceField(
        label=_("Verglichene Szenarien"),
        queryset=None,
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nur für den Szenariovergleich: bis zu vier Szenarien."),
        error_messages={"invalid_choice": _("Das Szenario „%(value)s“ gibt es nicht.")},
    )
    last_year = forms.IntegerField(
        label=_("Verglichen bis"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        help_text=_("Nur für den Szenariovergleich: das letzte verglichene Jahr."),
        error_messages={
            "invalid": YEAR_MESSAGE,
            "min_value": YEAR_MESSAGE,
            "max_value": YEAR_MESSAGE,
        },
    )
    projection = forms.ModelChoiceField(
        label=_("Fortschreibung"),
        queryset=None,
        required=False,
        help_text=_("Nur für den Bericht zur Fortschreibung."),
        error_messages={"invalid_choice": _("Diese Fortschreibung gibt es nicht.")},
    )
    body = forms.CharField(
        label=_("Absender (Körperschaft)"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("z. B. „Stadt Leverkusen – Der Oberbürgermeister“"),
    )
    department = forms.CharField(label=_("Dezernat/Fachbereich/AZ"), max_length=100, required=False)
    file_number = forms.CharField(
        label=_("Vorlage Nr."), max_length=60, help_text=_("z. B. 2021/1121")
    )
    paper_date = forms.DateField(
        label=_("Datum der Vorlage"),
        widget=GermanDateInput(),
        error_messages={"invalid": DATE_MESSAGE, "required": DATE_MESSAGE},
    )
    subject = forms.CharField(
        label=_("Betreff"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        recipients = report_recipients(user)
        self.fields["recipient"].queryset = recipients
        self.fields["scenario"].queryset = report_scenarios(user, None)
        self.fields["compare_scenarios"].queryset = report_scenarios(user, None)
        self.fields["projection"].queryset = report_projections(user, None)
        self.options: dict = {}
        if len(recipients[:2]) == 1 and not self.is_bound:
            only = recipients[0]
            self.initial.setdefault("recipient", only.slug)
            self.initial.setdefault("body", only.name)
        self.initial.setdefault("paper_date", timezone.localdate())
        self.initial.setdefault("year", timezone.localdate().year)

    def clean(self):
        data = super().clean()
        scenario, recipient = data.get("scenario"), data.get("recipient")
        if scenario and recipient and scenario.recipient_id != recipient.pk:
            self.add_error(
                "scenario",
                _("Das Szenario „%(scenario)s“ gehört nicht zu %(recipient)s.")
                % {"scenario": scenario.name, "recipient": recipient.name},
            )
        if recipient and data.get("kind"):
            self.options = self._clean_options(get_kind(data["kind"]), data, recipient)
        return data

    def _clean_options(self, kind, data: dict, recipient) -> dict:
        """The kind's options from its fields, as the API would send them (slugs, ids)."""
        raw = {}
        for name in kind.option_fields:
            value = data.get(name)
            if name == "compare_scenarios":
                value = [s.slug for s in value or ()]
            elif name == "projection":
                value = value.pk if value else None
            raw[name] = value
        try:
            return kind.clean_options(raw, recipient=recipient, user=self.user)
        except ReportInputError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
            return {}


class CommitteeForm(forms.Form):
    committee = forms.CharField(label=_("Gremium"), max_length=200, required=False)
    meeting_date = forms.DateField(
        label=_("Sitzung am"),
        required=False,
        widget=GermanDateInput(),
        error_messages={"invalid": DATE_MESSAGE},
    )
    role = forms.ChoiceField(
        label=_("Zuständigkeit"), choices=[("", "–"), *COMMITTEE_ROLES], required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("committee") and (data.get("meeting_date") or data.get("role")):
            self.add_error("committee", _("Bitte das Gremium angeben."))
        if data.get("committee") and not data.get("role"):
            self.add_error("role", _("Bitte die Zuständigkeit angeben."))
        return data


CommitteeFormSet = forms.formset_factory(
    CommitteeForm, extra=COMMITTEE_ROWS, max_num=COMMITTEE_ROWS, absolute_max=COMMITTEE_ROWS
)


def report_request(form: ReportForm, committees) -> ReportRequest:
    """The request the valid form and formset describe."""
    data = form.cleaned_data
    steps = tuple(
        CommitteeStep(
            committee=row["committee"].strip(),
            meeting_date=row.get("meeting_date"),
            role=row["role"],
        )
        for row in (f.cleaned_data for f in committees.forms)
        if row.get("committee")
    )
    header = CouncilHeader(
        body=data["body"].strip(),
        department=data.get("department", "").strip(),
        file_number=data["file_number"].strip(),
        paper_date=data["paper_date"],
        subject=data["subject"].strip(),
        committees=steps,
    )
    return ReportRequest(
        kind=data["kind"],
        recipient=data["recipient"],
        year=data["year"],
        scenario=data.get("scenario"),
        header=header,
        options=form.options,
    )
