"""The steps of the guided setup. Each form parses one step and puts the models' own German
messages at the field that caused them (an unsaved model's ``clean`` and field validators);
the service checks everything once more when it saves."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import ForwardingAgreement, Organisation
from funding.choices import POSITION_KINDS, RECIPIENT_KINDS, OrganisationKind, SplitMethod
from funding.models import BuildingBlock, FundingRate, GrantNotice, Programme
from kim_admin.formatting import de_date, de_money
from kim_admin.forms import PlainRowFormSet, germanise
from kim_admin.onboarding import services
from kim_admin.onboarding.services import DEFAULT_KI_NAME
from staffing.models import OrganisationalUnit, PayGrade, Position

REQUIRED = _("Bitte ausfüllen.")


def _germanise_all(form: forms.Form) -> None:
    for field in form.fields.values():
        germanise(field)
        field.error_messages.setdefault("required", REQUIRED)


def _place(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a model's errors at the form's fields (``fields`` maps model to form names)."""
    fields = fields or {}
    for name, texts in error.message_dict.items():
        target = fields.get(name, name)
        for text in texts:
            form.add_error(target if target in form.fields else None, text)


def model_fields(model, names: list[str]) -> dict[str, forms.Field]:
    """The model's form fields with the model's own validators (FTE range, percent, not
    negative, IBAN), which a plain form would otherwise only meet when the service saves."""
    fields = fields_for_model(model, fields=names)
    for name, field in fields.items():
        extra = [
            v
            for v in model._meta.get_field(name).validators
            if getattr(v, "__module__", "") == "kim_admin.validators"
        ]
        field.validators = [*field.validators, *extra]
    return fields


def _slug_taken(slug: str) -> bool:
    return Organisation.objects.filter(slug=slug).exists()


SLUG_TAKEN = _("Dieses Kürzel ist schon vergeben. Bitte ein anderes wählen.")


class RecipientStepForm(forms.Form):
    """Step 1: the recipient (a county or a county-free city)."""

    name = fields_for_model(Organisation, fields=["name"])["name"]
    kind = forms.ChoiceField(label=_("Art"), choices=[(k.value, k.label) for k in RECIPIENT_KINDS])
    slug = fields_for_model(Organisation, fields=["slug"])["slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = _(
            "Kurzname in Adressen und Exporten, nur Kleinbuchstaben, Ziffern und Bindestriche "
            "(z. B. kreis-heinsberg)."
        )
        _germanise_all(self)

    def clean(self):
        data = super().clean()
        if data.get("slug") and _slug_taken(data["slug"]):
            self.add_error("slug", SLUG_TAKEN)
        if data.get("name") and data.get("kind"):
            try:
                Organisation(name=data["name"], slug="x", kind=data["kind"]).clean()
            except ValidationError as error:
                _place(self, error)
        return data


class UnitRowForm(forms.Form):
    """Step 2, one row: an organisational unit of the recipient (the KI first)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(model_fields(OrganisationalUnit, ["name", "kind"]))
        self.fields["name"].label = _("Name der Organisationseinheit")
        _germanise_all(self)

    def has_changed(self):
        return bool(self.data.get(self.add_prefix("name"), "").strip())


class UnitFormSet(PlainRowFormSet):
    def clean(self):
        if any(self.errors):
            return
        rows = self.rows()
        if not rows:
            raise ValidationError(_("Bitte mindestens eine Organisationseinheit angeben (das KI)."))
        seen = set()
        for form in rows:
            name = form.cleaned_data["name"].strip().lower()
            if name in seen:
                form.add_error("name", _("Diese Einheit steht schon in einer anderen Zeile."))
            seen.add(name)


class TownRowForm(forms.Form):
    """Step 2, one row: a town of the county that shares the cost."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(model_fields(Organisation, ["name", "slug", "levy_share"]))
        self.fields["name"].label = _("Name der Kommune")
        self.fields["name"].required = False
        self.fields["slug"].label = _("Kürzel der Kommune")
        self.fields["split_percent"] = forms.DecimalField(
            label=_("Fester Anteil an der Aufteilung (%)"),
            max_digits=7,
            decimal_places=4,
            min_value=0,
            max_value=100,
            required=False,
            help_text=_("Nur bei der Aufteilung nach festen Prozentsätzen."),
        )
        self.fields["employer_town"] = forms.BooleanField(
            label=_("Anstellungskörperschaft"),
            required=False,
            help_text=_("Die Kommune, die die Förderung erhält und mit den anderen abrechnet."),
        )
        _germanise_all(self)

    def has_changed(self):
        keys = ("name", "slug", "levy_share", "split_percent")
        return any(self.data.get(self.add_prefix(k), "").strip() for k in keys)

    def clean(self):
        data = super().clean()
        if not data.get("name"):
            self.add_error("name", REQUIRED)
        if data.get("slug") and _slug_taken(data["slug"]):
            self.add_error("slug", SLUG_TAKEN)
        return data


class TownFormSet(PlainRowFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.rows():
            slug = form.cleaned_data["slug"]
            if slug in seen:
                form.add_error("slug", _("Dieses Kürzel steht schon in einer anderen Zeile."))
            seen.add(slug)
        if sum(1 for form in self.rows() if form.cleaned_data.get("employer_town")) > 1:
            raise ValidationError(_("Nur eine Kommune kann Anstellungskörperschaft sein."))


class SplitForm(forms.Form):
    """Step 2: whether and how the towns share the own share of the positions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split_method"] = forms.ChoiceField(
            label=_("Aufteilung des Eigenanteils auf die Kommunen"),
            choices=[("", _("– keine Aufteilung –")), *SplitMethod.choices],
            required=False,
        )
        self.fields["split_name"] = forms.CharField(
            label=_("Bezeichnung der Aufteilung"), max_length=200, required=False
        )
        self.fields["split_valid_from"] = forms.DateField(
            label=_("Aufteilung gültig ab"), required=False
        )
        _germanise_all(self)

    def clean(self):
        data = super().clean()
        if data.get("split_method"):
            for name in ("split_name", "split_valid_from"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, REQUIRED)
        return data


class UnitsTownsStep:
    """Step 2 as one object for the wizard: the units, the towns and the split, valid together
    (towns only for a county; a split needs towns; fixed percentages need each town's)."""

    def __init__(self, data=None, recipient_kind: str = ""):
        self.recipient_kind = recipient_kind
        self.units = forms.formset_factory(UnitRowForm, formset=UnitFormSet, extra=3)(
            data=data,
            prefix="einheiten",
            initial=None if data is not None else [{"name": DEFAULT_KI_NAME}],
        )
        self.towns = forms.formset_factory(TownRowForm, formset=TownFormSet, extra=4)(
            data=data, prefix="kommunen"
        )
        self.split = SplitForm(data=data)
        self._errors: list[str] | None = None

    def is_valid(self) -> bool:
        valid = all([self.units.is_valid(), self.towns.is_valid(), self.split.is_valid()])
        self._errors = []
        if valid:
            towns = self.towns.rows()
            method = self.split.cleaned_data.get("split_method")
            if towns and (message := services.towns_kind_error(self.recipient_kind)):
                self._errors.append(message)
            if method and not towns:
                self.split.add_error(
                    "split_method", _("Eine Kostenaufteilung braucht mindestens eine Kommune.")
                )
            if method == SplitMethod.FIXED_PERCENT:
                for form in towns:
                    if form.cleaned_data.get("split_percent") is None:
                        form.add_error("split_percent", _("Bitte den festen Anteil angeben."))
            valid = (
                not self._errors
                and not self.split.errors
                and not any(form.errors for form in towns)
            )
        return valid

    @property
    def errors(self):
        return self._errors or any(
            [self.units.total_error_count(), self.towns.total_error_count(), self.split.errors]
        )

    def non_field_errors(self) -> list[str]:
        return list(self._errors or [])

    def unit_rows(self) -> list[dict]:
        return [form.cleaned_data for form in self.units.rows()]

    def town_rows(self) -> list[dict]:
        return [form.cleaned_data for form in self.towns.rows()]


class NoticeStepForm(forms.Form):
    """Step 3: the grant notice and, per block of the programme, the FTE approved and the
    yearly maximum (blank: no maximum; 0 FTE or blank: the block is not in the notice); and the
    rates in force: the programme's, each with a field for the recipient's own amount where its
    notice grants another (blank: the programme's rate applies)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"] = forms.ModelChoiceField(
            label=_("Förderprogramm"), queryset=Programme.objects.order_by("name"), empty_label=None
        )
        self.fields.update(
            fields_for_model(
                GrantNotice, fields=["reference", "issued_on", "period_start", "period_end"]
            )
        )
        self.blocks = list(BuildingBlock.objects.select_related("programme").order_by("number"))
        for block in self.blocks:
            self.fields[f"block_{block.pk}_fte"] = forms.DecimalField(
                label=_("Baustein %(n)s: bewilligte Stellen (VZ)") % {"n": block.number},
                max_digits=6,
                decimal_places=3,
                min_value=0,
                required=False,
                help_text=block.name,
            )
            self.fields[f"block_{block.pk}_max"] = forms.DecimalField(
                label=_("Baustein %(n)s: Höchstbetrag Personal je Jahr (€)") % {"n": block.number},
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                help_text=_("Leer: kein Höchstbetrag im Bescheid."),
            )
        self.rates = programme_rates()
        for rate in self.rates:
            self.fields[f"rate_{rate.block_id}_{rate.kind}"] = forms.DecimalField(
                label=_("Baustein %(n)s, %(kind)s: eigener Betrag (€)")
                % {"n": rate.block.number, "kind": rate.get_kind_display()},
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                help_text=_("Programm: %(amount)s ab %(date)s. Leer: dieser Satz gilt.")
                % {"amount": de_money(rate.amount), "date": de_date(rate.valid_from)},
            )
        _germanise_all(self)
        for name, field in self.fields.items():
            if name.endswith("_fte") or name.endswith("_max") or name.startswith("rate_"):
                field.error_messages["min_value"] = _("Der Wert darf nicht negativ sein.")

    def block_rows(self):
        """(block, fte field, maximum field) for the template."""
        return [
            (block, self[f"block_{block.pk}_fte"], self[f"block_{block.pk}_max"])
            for block in self.blocks
        ]

    def rate_rows(self):
        """(programme rate, own amount field) for the template."""
        return [(rate, self[f"rate_{rate.block_id}_{rate.kind}"]) for rate in self.rates]

    def own_rates(self) -> list[services.RateSetup]:
        """The recipient's own amounts, in force from the notice's start."""
        data = self.cleaned_data
        return [
            services.RateSetup(
                block=rate.block,
                kind=rate.kind,
                amount=data[f"rate_{rate.block_id}_{rate.kind}"],
                valid_from=data["period_start"],
                capped_at_cost=rate.capped_at_cost,
                source=_("Eigener Satz laut Bewilligungsbescheid %(ref)s")
                % {"ref": data.get("reference") or ""},
            )
            for rate in self.rates
            if data.get(f"rate_{rate.block_id}_{rate.kind}") is not None
        ]

    def notice_blocks(self) -> list[tuple[BuildingBlock, object, object]]:
        data = self.cleaned_data
        return [
            (block, data[f"block_{block.pk}_fte"], data.get(f"block_{block.pk}_max"))
            for block in self.blocks
            if data.get(f"block_{block.pk}_fte")
        ]

    def clean(self):
        data = super().clean()
        programme = data.get("programme")
        if programme is not None:
            for block in self.blocks:
                filled = data.get(f"block_{block.pk}_fte")
                if filled and block.programme_id != programme.pk:
                    self.add_error(
                        f"block_{block.pk}_fte",
                        _("Der Baustein gehört zu einem anderen Förderprogramm."),
                    )
        if not any(data.get(f"block_{b.pk}_fte") for b in self.blocks) and not self.errors:
            self.add_error(
                None, _("Bitte für mindestens einen Baustein bewilligte Stellen angeben.")
            )
        if data.get("issued_on") and data.get("period_start"):
            try:
                GrantNotice(
                    issued_on=data["issued_on"],
                    period_start=data["period_start"],
                    period_end=data.get("period_end"),
                ).clean()
            except ValidationError as error:
                _place(self, error)
        return data


def programme_rates() -> list[FundingRate]:
    """The programme-wide rate in force now of each block and kind (the latest that has
    started; where none has started yet, the first)."""
    rows = FundingRate.objects.filter(recipient__isnull=True, scenario__isnull=True)
    latest: dict[tuple[int, str], FundingRate] = {}
    for rate in rows.select_related("block").order_by("valid_from", "pk"):
        key = (rate.block_id, rate.kind)
        if key not in latest or rate.valid_from <= timezone.localdate():
            latest[key] = rate
    return sorted(latest.values(), key=lambda r: (r.block.number, r.kind))


class CarrierRowForm(forms.Form):
    """Step 3, one row: a carrier the recipient forwards positions to (an existing one, or a
    new one by name and slug) with the forwarding agreement's coverage policy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing"] = forms.ModelChoiceField(
            label=_("Vorhandene Trägerin"),
            queryset=Organisation.objects.carriers().order_by("name"),
            required=False,
            empty_label=_("– neue Trägerin –"),
        )
        self.fields["name"] = forms.CharField(
            label=_("Name der neuen Trägerin"), max_length=200, required=False
        )
        self.fields["slug"] = forms.SlugField(
            label=_("Kürzel der neuen Trägerin"), max_length=80, required=False
        )
        self.fields.update(
            model_fields(
                ForwardingAgreement,
                [
                    "valid_from",
                    "coverage_policy",
                    "coverage_percent",
                    "coverage_flat_per_fte",
                ],
            )
        )
        self.fields["valid_from"].label = _("Weiterleitungsvertrag gültig ab")
        _germanise_all(self)

    def has_changed(self):
        # The coverage choice (a select always sends one) and the agreement's start (filled in
        # from the notice) alone are no row: a carrier is named or nothing is meant.
        data = self.data
        keys = ("existing", "name", "slug")
        return any(data.get(self.add_prefix(k), "").strip() for k in keys)

    def clean(self):
        data = super().clean()
        existing, name, slug = data.get("existing"), data.get("name"), data.get("slug")
        if existing is None and not name:
            self.add_error(
                "name", _("Bitte eine vorhandene Trägerin wählen oder einen Namen angeben.")
            )
        if existing is None and name and not slug:
            self.add_error("slug", REQUIRED)
        if existing is not None and (name or slug):
            self.add_error(
                "name",
                _("Entweder eine vorhandene Trägerin wählen oder eine neue angeben, nicht beides."),
            )
        if existing is None and slug and _slug_taken(slug):
            self.add_error("slug", SLUG_TAKEN)
        if data.get("coverage_policy") and data.get("valid_from"):
            try:
                ForwardingAgreement(
                    valid_from=data["valid_from"],
                    coverage_policy=data["coverage_policy"],
                    coverage_percent=data.get("coverage_percent"),
                    coverage_flat_per_fte=data.get("coverage_flat_per_fte"),
                ).clean()
            except ValidationError as error:
                _place(self, error)
        return data

    def label(self) -> str:
        data = self.cleaned_data
        return str(data["existing"]) if data.get("existing") else data.get("name", "")


class CarrierFormSet(PlainRowFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.rows():
            key = form.cleaned_data.get("existing") or form.cleaned_data.get("slug")
            if key in seen:
                form.add_error(None, _("Diese Trägerin steht schon in einer anderen Zeile."))
            seen.add(key)


def carrier_formset(data=None, extra=3):
    FormSet = forms.formset_factory(CarrierRowForm, formset=CarrierFormSet, extra=extra)
    return FormSet(data=data, prefix="traeger")


class PositionRowForm(forms.Form):
    """Step 5, one row: a first position, employed by the recipient (in one of its units), by
    one of its towns or by one of the carriers of step 4, filled from a date on with its full
    FTE (blank: vacant). ``own_rates``: the recipient's own rates of step 3."""

    def __init__(self, *args, employers=(), own_rates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.own_rates = own_rates
        self.fields.update(model_fields(Position, ["title", "block"]))
        self.fields["funding_kind"] = forms.ChoiceField(
            label=_("Förderart"), choices=[("", "–"), *[(k.value, k.label) for k in POSITION_KINDS]]
        )
        self.fields.update(model_fields(Position, ["pay_grade", "fte", "planned_start"]))
        self.fields["pay_grade"].queryset = PayGrade.objects.all()
        self.fields["pay_grade"].help_text = _(
            "Ohne eingetragene Kosten rechnet die Übersicht mit dem Personalkostensatz der "
            "Entgeltgruppe."
        )
        self.fields["employer"] = forms.ChoiceField(
            label=_("Anstellungsträger"), choices=list(employers)
        )
        self.fields["occupied_from"] = forms.DateField(
            label=_("Besetzt ab"),
            required=False,
            help_text=_("Leer: die Stelle ist noch nicht besetzt."),
        )
        _germanise_all(self)

    def has_changed(self):
        # Selects always send a value and the start is filled in from the notice: a row counts
        # once something is typed into it.
        keys = ("title", "fte", "occupied_from")
        return any(self.data.get(self.add_prefix(k), "").strip() for k in keys)

    def clean(self):
        data = super().clean()
        block, kind = data.get("block"), data.get("funding_kind")
        if block and kind and (message := services.missing_rate_error(block, kind, self.own_rates)):
            self.add_error("funding_kind", message)
        if message := services.occupancy_start_error(
            data.get("planned_start"), data.get("occupied_from")
        ):
            self.add_error("occupied_from", message)
        return data

    def employer(self) -> dict:
        """The employer choice as the setup's indexes (``unit``, ``town``, ``carrier``)."""
        kind, index = self.cleaned_data["employer"].split("-")
        return {kind: int(index)}


class PositionFormSet(PlainRowFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise ValidationError(_("Bitte mindestens eine Stelle angeben."))


def position_formset(data=None, employers=(), own_rates=(), extra=4):
    FormSet = forms.formset_factory(PositionRowForm, formset=PositionFormSet, extra=extra)
    return FormSet(
        data=data, prefix="stellen", form_kwargs={"employers": employers, "own_rates": own_rates}
    )


class LoginsStepForm(forms.Form):
    """Step 5: the first logins of the recipient, finance and KI coordination (a blank user
    name: no login of that role now)."""

    ROLES = services.LOGIN_ROLES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in self.ROLES:
            self.fields[f"{role}_username"] = forms.CharField(
                label=_("%(role)s: Benutzername") % {"role": role.label},
                max_length=150,
                required=False,
            )
            self.fields[f"{role}_email"] = forms.EmailField(
                label=_("%(role)s: E-Mail-Adresse") % {"role": role.label}, required=False
            )
            self.fields[f"{role}_password"] = forms.CharField(
                label=_("%(role)s: Passwort") % {"role": role.label},
                required=False,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            )
        _germanise_all(self)

    def clean(self):
        data = super().clean()
        names = []
        for role in self.ROLES:
            username = data.get(f"{role}_username", "").strip()
            password = data.get(f"{role}_password", "")
            if not username:
                if password:
                    self.add_error(f"{role}_username", REQUIRED)
                continue
            names.append(username)
            login = services.LoginSetup(role.value, username, password)
            for name, texts in services.login_errors(login).items():
                for text in texts:
                    self.add_error(f"{role}_{name}", text)
        if len(names) != len({n.lower() for n in names}):
            self.add_error(
                f"{self.ROLES[1]}_username",
                _("Bitte für jede Rolle einen eigenen Benutzernamen wählen."),
            )
        return data

    def logins(self) -> list[tuple[str, str, str, str]]:
        data = self.cleaned_data
        return [
            (
                role.value,
                data[f"{role}_username"].strip(),
                data[f"{role}_password"],
                data[f"{role}_email"],
            )
            for role in self.ROLES
            if data.get(f"{role}_username", "").strip()
        ]


def recipient_kind_label(kind: str) -> str:
    return OrganisationKind(kind).label
