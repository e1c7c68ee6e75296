"""Forms of the scenario pages: German input, choices narrowed to the scenario's recipient."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from carriers.models import ForwardingAgreement, Organisation
from funding.choices import FundingKind, OrganisationKind
from funding.models import BuildingBlock, Scenario
from funding.scenarios.selectors import MAX_SCENARIOS
from kim_admin.forms import germanise
from kim_admin.scoping import VIEW
from staffing.models import Position

BASELINE = ""


def _germanise(form: forms.Form) -> None:
    for field in form.fields.values():
        germanise(field)


class ScenarioCopyForm(forms.Form):
    """A new scenario: a copy of the real plan or of another scenario of the recipient."""

    name = forms.CharField(label=_("Bezeichnung"), max_length=200)
    slug = forms.SlugField(
        label=_("Kürzel"),
        max_length=80,
        help_text=_("Kleinbuchstaben, Ziffern und Bindestriche, z. B. „traeger-minus-30“."),
    )
    source = forms.ChoiceField(label=_("Kopie von"), required=False)
    description = forms.CharField(label=_("Beschreibung"), widget=forms.Textarea, required=False)

    def __init__(self, *args, recipient, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.recipient = recipient
        self.scenarios = Scenario.objects.restrict(user, VIEW).filter(recipient=recipient)
        self.fields["source"].choices = [(BASELINE, _("Echter Plan (Ausgangslage)"))] + [
            (s.slug, s.name) for s in self.scenarios.order_by("name")
        ]

    def clean_source(self) -> Scenario | None:
        slug = self.cleaned_data.get("source")
        if not slug:
            return None
        return self.scenarios.get(slug=slug)


class MoveToRecipientForm(forms.Form):
    carrier = forms.ModelChoiceField(
        label=_("Trägerin"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("alle Trägerinnen"),
    )

    def __init__(self, *args, scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARRIER,
            employed_positions__scenario=scenario,
        ).distinct()


class CutBlockForm(forms.Form):
    block = forms.TypedChoiceField(label=_("Baustein"), coerce=int)
    n_positions = forms.IntegerField(label=_("Stellen behalten"), min_value=0)
    effective = forms.DateField(label=_("Ab"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = [
            (number, f"{number} – {name}")
            for number, name in BuildingBlock.objects.order_by("number").values_list(
                "number", "name"
            )
        ]
        self.fields["block"].initial = 2
        _germanise(self)


class LowerExtraCostForm(forms.Form):
    carrier = forms.ModelChoiceField(
        label=_("Trägerin"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("alle Trägerinnen"),
    )
    percent = forms.DecimalField(
        label=_("um Prozent"),
        max_digits=7,
        decimal_places=4,
        required=False,
        help_text=_("Der Anteil der Mehrkosten, den die Stadt übernimmt, sinkt um diesen Satz."),
    )
    amount = forms.DecimalField(
        label=_("oder: höchstens je VZ und Jahr (€)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Die Stadt übernimmt höchstens diese Pauschale je Vollzeitstelle."),
    )

    def __init__(self, *args, scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = Organisation.objects.filter(
            pk__in=ForwardingAgreement.objects.filter(scenario=scenario).values("carrier_id")
        )
        _germanise(self)

    def clean(self):
        data = super().clean()
        if (data.get("percent") is None) == (data.get("amount") is None):
            raise forms.ValidationError(
                _("Bitte entweder einen Prozentsatz oder einen Betrag angeben.")
            )
        return data


class TownEmploysForm(forms.Form):
    position = forms.ModelChoiceField(label=_("Stelle"), queryset=Position.objects.none())
    town = forms.ModelChoiceField(label=_("Kommune"), queryset=Organisation.objects.none())

    def __init__(self, *args, scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = Position.objects.filter(scenario=scenario).order_by(
            "block__number", "title", "pk"
        )
        self.fields["town"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.TOWN, parent_id=scenario.recipient_id
        ).order_by("name")


class ChangeRateForm(forms.Form):
    block = forms.TypedChoiceField(label=_("Baustein"), coerce=int)
    kind = forms.ChoiceField(label=_("Art"), choices=FundingKind.choices)
    amount = forms.DecimalField(label=_("Betrag (€)"), max_digits=14, decimal_places=2, min_value=0)
    valid_from = forms.DateField(label=_("Gültig ab"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block"].choices = CutBlockForm().fields["block"].choices
        self.fields["block"].initial = 2
        self.fields["kind"].initial = FundingKind.CASE_MANAGEMENT
        _germanise(self)

    def clean_block(self):
        return BuildingBlock.objects.filter(number=self.cleaned_data["block"]).first()


YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*$")


def parse_years(text: str) -> list[int]:
    """ "2025-2028" or "2025": the years; raises ValueError with a German message."""
    match = YEARS.match(text or "")
    if not match:
        raise ValueError(
            str(
                _("Die Jahre „%(text)s“ sind unklar: bitte „2025“ oder „2025-2028“.")
                % {"text": text}
            )
        )
    first = int(match[1])
    last = int(match[2] or first)
    if last < first or last - first >= 15 or first < 2000 or last > 2100:
        raise ValueError(
            str(_("Bitte höchstens 15 Jahre zwischen 2000 und 2100 in aufsteigender Folge."))
        )
    return list(range(first, last + 1))


class CompareForm(forms.Form):
    scenarios = forms.MultipleChoiceField(
        label=_("Szenarien (höchstens %(n)s)") % {"n": MAX_SCENARIOS},
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    years = forms.CharField(label=_("Jahre"), help_text=_("z. B. 2025-2028"))
    bearer = forms.ChoiceField(label=_("Einsparung für"), required=False)

    def __init__(self, *args, recipient, user, bearers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.recipient = recipient
        scenarios = Scenario.objects.restrict(user, VIEW).filter(recipient=recipient)
        self.fields["scenarios"].choices = [(s.slug, s.name) for s in scenarios.order_by("name")]
        self.fields["bearer"].choices = [(recipient.slug, recipient.name)] + [
            (o.slug, o.name) for o in bearers if o.slug != recipient.slug
        ]

    def clean_years(self):
        try:
            return parse_years(self.cleaned_data["years"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_scenarios(self):
        slugs = self.cleaned_data["scenarios"]
        if len(slugs) > MAX_SCENARIOS:
            raise forms.ValidationError(
                _("Bitte höchstens %(n)s Szenarien vergleichen (gewählt: %(count)s).")
                % {"n": MAX_SCENARIOS, "count": len(slugs)}
            )
        return slugs
