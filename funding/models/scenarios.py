"""Scenarios: named copies of a recipient's plan, and the steps (quick changes) recorded on
them so that a rebase can replay them (issue 14)."""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.choices import FundingKind, ScenarioStepKind
from kim_admin.roles import PLANNING_ROLES
from kim_admin.scoping import RecipientScopedModel
from kim_admin.versioning import VersionedModel


class Scenario(VersionedModel, RecipientScopedModel):
    """A named copy of a recipient's plan; rows with ``scenario=None`` are the real plan.

    Positions, programme costs, forwarding agreements, cost splits and rate overrides carry a
    ``scenario`` key, so a scenario holds its own version of all of them and the cost engine
    computes either the same way (the scenarios issue adds the editing tools).
    """

    @classmethod
    def scope_q(cls, role, organisation_id):
        """A recipient's scenarios are its confidential planning: its finance and
        coordination users see them, carriers, towns and the council do not."""
        if role not in PLANNING_ROLES:
            return None
        return super().scope_q(role, organisation_id)

    recipient = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Zuwendungsempfänger"),
        on_delete=models.PROTECT,
        related_name="scenarios",
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    slug = models.SlugField(_("Kürzel"), max_length=80)
    description = models.TextField(_("Beschreibung"), blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    copied_at = models.DateTimeField(
        _("Stand des Plans"),
        null=True,
        blank=True,
        help_text=_(
            "Wann der echte Plan zuletzt kopiert wurde (beim Anlegen oder beim Neuaufsetzen)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Szenario")
        verbose_name_plural = _("Szenarien")
        ordering = ["recipient", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "slug"],
                name="scenario_slug_unique",
                violation_error_message=_("Dieses Kürzel ist beim Empfänger schon vergeben."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def plan_state_at(self):
        """When the real plan was copied into this scenario: its changes since then make the
        scenario stale (``funding.scenarios.selectors.plan_changes_since_copy``)."""
        return self.copied_at or self.created_at


# --- the steps of a scenario ------------------------------------------------------------------


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_decimal(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_ref(value) -> bool:
    """A position of the scenario, named by its real position (``origin``, None for one made
    in the scenario) and its title (for the messages)."""
    return (
        isinstance(value, dict)
        and set(value) == {"origin", "title"}
        and (value["origin"] is None or _is_int(value["origin"]))
        and isinstance(value["title"], str)
    )


def _is_refs(value) -> bool:
    return isinstance(value, list) and all(_is_ref(v) for v in value)


def _optional(check):
    return lambda value: value is None or check(value)


# Per kind: each parameter with its check (a required key) ; names of organisations are kept
# for the messages only.
STEP_PARAMETERS = {
    ScenarioStepKind.MOVE_TO_RECIPIENT: {
        "carrier": _optional(_is_int),
        "positions": _optional(_is_refs),
        "department": _optional(lambda v: isinstance(v, str)),
    },
    ScenarioStepKind.CUT_BLOCK: {
        "block": _is_int,
        "n_positions": lambda v: _is_int(v) and v >= 0,
        "effective": _is_date,
        "keep": _optional(_is_refs),
    },
    ScenarioStepKind.LOWER_EXTRA_COST: {
        "carrier": _is_int,
        "percent": _optional(_is_decimal),
        "amount": _optional(_is_decimal),
    },
    ScenarioStepKind.TOWN_EMPLOYS_OWN: {"position": _is_ref, "town": _is_int},
    ScenarioStepKind.CHANGE_RATE: {
        "block": _is_int,
        "kind": lambda v: v in FundingKind.values,
        "amount": _is_decimal,
        "valid_from": _is_date,
    },
}
STEP_NAMES = ("carrier_name", "town_name")


def validate_step_parameters(kind: str, parameters) -> None:
    """The parameters of a step as its kind needs them to be replayed: every key of the
    kind, each of its type (ids as numbers, amounts as decimal strings, dates as ISO
    strings), nothing else but the names kept for the messages."""
    checks = STEP_PARAMETERS.get(kind)
    if checks is None:
        raise ValidationError({"kind": _("Unbekannte Art von Schritt.")})
    if not isinstance(parameters, dict):
        raise ValidationError({"parameters": _("Die Angaben des Schritts fehlen.")})
    missing = [name for name in checks if name not in parameters]
    unknown = [name for name in parameters if name not in checks and name not in STEP_NAMES]
    wrong = [
        name for name, check in checks.items() if name in parameters and not check(parameters[name])
    ]
    if missing or unknown or wrong:
        raise ValidationError(
            {
                "parameters": _("Ungültige Angaben für „%(kind)s“: %(names)s.")
                % {
                    "kind": ScenarioStepKind(kind).label,
                    "names": ", ".join(missing + unknown + wrong),
                }
            }
        )


class ScenarioStep(RecipientScopedModel):
    """A quick change made to a scenario, recorded by its service in the same transaction so
    that "Aus aktuellem Plan neu aufsetzen" can replay it on a fresh copy of the plan (issue
    14). Hand edits of a scenario's rows are no steps: their history names them."""

    recipient_path = "scenario__recipient"
    scenario_path = "scenario"

    @classmethod
    def scope_q(cls, role, organisation_id):
        """Like their scenario: the planning roles of its recipient only."""
        if role not in PLANNING_ROLES:
            return None
        return super().scope_q(role, organisation_id)

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("Szenario"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField(_("Reihenfolge"))
    kind = models.CharField(_("Art"), max_length=30, choices=ScenarioStepKind.choices)
    parameters = models.JSONField(_("Angaben"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Angelegt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Angelegt am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Szenario-Schritt")
        verbose_name_plural = _("Szenario-Schritte")
        ordering = ["scenario", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "order"],
                name="scenario_step_order_unique",
                violation_error_message=_("Diesen Schritt gibt es im Szenario schon."),
            )
        ]

    def __str__(self):
        return f"{self.scenario} – {self.order}. {self.get_kind_display()}"

    def clean(self):
        super().clean()
        validate_step_parameters(self.kind, self.parameters)
