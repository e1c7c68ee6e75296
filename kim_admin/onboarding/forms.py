"""The steps of the guided setup. Each form parses one step and puts the models' own German
messages at the field that caused them (an unsaved model's ``clean`` and field validators);
the service checks everything once more when it saves."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from carriers.models import ForwardingAgreement, Organisation
from funding.choices import POSITION_KINDS, RECIPIENT_KINDS, OrganisationKind
from funding.models import BuildingBlock, FundingRate, GrantNotice, Programme
from kim_admin.forms import PlainRowFormSet, germanise
from kim_admin.models import User
from kim_admin.onboarding.services import DEFAULT_KI_NAME
from kim_admin.roles import Role
from staffing.models import PayGrade, Position

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
    """Step 1: the recipient (a county or a county-free city) and its KI."""

    name = fields_for_model(Organisation, fields=["name"])["name"]
    kind = forms.ChoiceField(label=_("Art"), choices=[(k.value, k.label) for k in RECIPIENT_KINDS])
    slug = fields_for_model(Organisation, fields=["slug"])["slug"]
    ki_name = forms.CharField(
        label=_("Kommunales Integrationszentrum (Organisationseinheit)"),
        max_length=200,
        initial=DEFAULT_KI_NAME,
        help_text=_(
            "Die Einheit, bei der die eigenen Stellen des Empfängers angesiedelt sind; sie steht "
            "bei jeder dieser Stellen als Organisationseinheit."
        ),
    )

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


class NoticeStepForm(forms.Form):
    """Step 2: the grant notice and, per block of the programme, the FTE approved and the
    yearly maximum (blank: no maximum; 0 FTE or blank: the block is not in the notice)."""

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
        _germanise_all(self)
        for name, field in self.fields.items():
            if name.endswith("_fte") or name.endswith("_max"):
                field.error_messages["min_value"] = _("Der Wert darf nicht negativ sein.")

    def block_rows(self):
        """(block, fte field, maximum field) for the template."""
        return [
            (block, self[f"block_{block.pk}_fte"], self[f"block_{block.pk}_max"])
            for block in self.blocks
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


SELF = "self"


class PositionRowForm(forms.Form):
    """Step 4, one row: a first position, employed by the recipient (in its KI) or by one of
    the carriers of step 3, filled from a date on with its full FTE (blank: vacant)."""

    def __init__(self, *args, employers=(), **kwargs):
        super().__init__(*args, **kwargs)
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
        if (
            block
            and kind
            and not FundingRate.objects.filter(
                block=block, kind=kind, recipient__isnull=True, scenario__isnull=True
            ).exists()
        ):
            self.add_error(
                "funding_kind",
                _("Für „%(kind)s“ gibt es in Baustein %(n)s keinen Fördersatz.")
                % {"kind": dict(self.fields["funding_kind"].choices)[kind], "n": block.number},
            )
        start, occupied = data.get("planned_start"), data.get("occupied_from")
        if start and occupied and occupied < start:
            self.add_error("occupied_from", _("Die Besetzung beginnt vor dem Beginn der Stelle."))
        return data


class PositionFormSet(PlainRowFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise ValidationError(_("Bitte mindestens eine Stelle angeben."))


def position_formset(data=None, employers=(), extra=4):
    FormSet = forms.formset_factory(PositionRowForm, formset=PositionFormSet, extra=extra)
    return FormSet(data=data, prefix="stellen", form_kwargs={"employers": employers})


class LoginsStepForm(forms.Form):
    """Step 5: the first logins of the recipient, finance and KI coordination (a blank user
    name: no login of that role now)."""

    ROLES = (Role.FINANCE, Role.COORDINATOR)

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
            try:
                User.username_validator(username)
            except ValidationError as error:
                for text in error.messages:
                    self.add_error(f"{role}_username", text)
            if User.objects.filter(username__iexact=username).exists():
                self.add_error(f"{role}_username", _("Diesen Benutzernamen gibt es schon."))
            if not password:
                self.add_error(f"{role}_password", REQUIRED)
            else:
                try:
                    password_validation.validate_password(password, User(username=username))
                except ValidationError as error:
                    for text in error.messages:
                        self.add_error(f"{role}_password", text)
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
