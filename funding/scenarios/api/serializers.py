"""What clients send to the scenario endpoints (copy, rename, quick changes, comparison)."""

from __future__ import annotations

from rest_framework import serializers

from funding.choices import FundingKind, ScenarioStepKind
from funding.scenarios.forms import parse_years
from funding.scenarios.selectors import describe_step


class ScenarioCopySerializer(serializers.Serializer):
    recipient = serializers.SlugField(required=False, help_text="Kürzel; nur für Administration")
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    source = serializers.SlugField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Kürzel eines Szenarios; leer: echter Plan",
    )


class ScenarioUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class MoveSerializer(serializers.Serializer):
    carrier = serializers.SlugField(required=False, allow_blank=True, default="")


class CutBlockSerializer(serializers.Serializer):
    block = serializers.IntegerField(min_value=1)
    n_positions = serializers.IntegerField(min_value=0)
    effective = serializers.DateField()


class LowerExtraCostSerializer(serializers.Serializer):
    carrier = serializers.SlugField(required=False, allow_blank=True, default="")
    percent = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)


class TownEmploysSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    town = serializers.SlugField()


class ChangeRateSerializer(serializers.Serializer):
    block = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=FundingKind.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    valid_from = serializers.DateField()


class StepSerializer(serializers.Serializer):
    order = serializers.IntegerField(help_text="Reihenfolge im Szenario")
    kind = serializers.ChoiceField(choices=ScenarioStepKind.choices)
    description = serializers.CharField()


class FailedStepSerializer(StepSerializer):
    reason = serializers.CharField(help_text="Warum der Schritt nicht wiederholt werden konnte")


class HandEditSerializer(serializers.Serializer):
    model = serializers.CharField()
    row = serializers.CharField()
    action = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField()


class RebaseResultSerializer(serializers.Serializer):
    """The answer of ``POST /api/scenarios/{id}/rebase/``."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    version = serializers.IntegerField()
    copied_at = serializers.DateTimeField(help_text="Stand des Plans nach dem Neuaufsetzen")
    replayed = StepSerializer(many=True)
    failed = FailedStepSerializer(many=True)
    hand_edits = HandEditSerializer(many=True, help_text="von Hand geändert, nicht wiederholt")


def rebase_payload(result) -> dict:
    """The rebase's result as the endpoint answers it."""
    scenario = result.scenario

    def step(one):
        return {"order": one.order, "kind": one.kind, "description": describe_step(one)}

    return RebaseResultSerializer(
        {
            "id": scenario.pk,
            "slug": scenario.slug,
            "version": scenario.version,
            "copied_at": scenario.copied_at,
            "replayed": [step(one) for one in result.replayed],
            "failed": [{**step(one), "reason": reason} for one, reason in result.failed],
            "hand_edits": [
                {"model": e.model, "row": e.row, "action": e.action, "at": e.at, "by": e.by}
                for e in result.hand_edits
            ],
        }
    ).data


class CompareQuerySerializer(serializers.Serializer):
    recipient = serializers.SlugField()
    scenarios = serializers.CharField(required=False, allow_blank=True, default="")
    years = serializers.CharField()
    bearer = serializers.SlugField(required=False, allow_blank=True, default="")

    def validate_years(self, value):
        try:
            return parse_years(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error

    def validate_scenarios(self, value):
        return [s.strip() for s in value.split(",") if s.strip()]


def figures_payload(figures, orgs) -> dict:
    return {
        "cost": str(figures.cost),
        "funding": str(figures.funding),
        "own_share": str(figures.own_share),
        "bearers": {o.slug: str(figures.bearer(o.slug)) for o in orgs},
    }


def comparison_payload(result) -> dict:
    """The comparison as JSON: amounts as strings with two decimals, per plan by year, the
    total, the differences to the baseline and the saving of the chosen bearer."""
    orgs = result.bearer_orgs
    plans = []
    for plan in result.plans:
        plans.append(
            {
                "scenario": plan.scenario.slug if plan.scenario else None,
                "label": str(plan.label),
                "years": {str(y): figures_payload(plan.by_year[y], orgs) for y in result.years},
                "total": figures_payload(plan.total, orgs),
                "difference": {
                    str(y): figures_payload(plan.diff_by_year[y], orgs) for y in result.years
                },
                "difference_total": figures_payload(plan.diff_total, orgs),
                "saving": {str(y): str(plan.saving_by_year[y]) for y in result.years},
                "saving_total": str(plan.saving_total),
                "warnings": {str(y): list(w) for y, w in plan.warnings.items()},
            }
        )
    return {
        "recipient": result.recipient.slug,
        "years": list(result.years),
        "bearer": result.bearer.slug,
        "bearers": [{"slug": o.slug, "name": o.name} for o in orgs],
        "plans": plans,
        "ranking": [p.scenario.slug for p in result.ranking],
    }
