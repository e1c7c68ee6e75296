"""The projection form: the projection with its three kinds of rows (pay rises, rate changes,
position changes), validated and saved together."""

from __future__ import annotations

from django import forms
from django.forms.models import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from funding.models import (
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
)
from kim_admin.forms import RecipientFormMixin, RowForm, RowsFormSet, ScopedModelForm

PAY_RISE_TWICE = _("An diesem Tag ist schon eine Tarifänderung eingetragen.")


class PayRiseForm(RowForm):
    class Meta:
        model = ProjectionPayRise
        fields = ["effective_from", "percent", "note"]


class PayRiseFormSet(RowsFormSet):
    unique_field = "effective_from"
    duplicate_message = PAY_RISE_TWICE


class EmptyRowForm(RowForm):
    """A row that starts empty: no choice preselected, even where only one is possible (an
    extra row that looks filled in would be taken for an assumption)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.clear()


class RateChangeForm(EmptyRowForm):
    class Meta:
        model = ProjectionRateChange
        fields = ["block", "kind", "amount", "valid_from", "capped_at_cost"]


class PositionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.scenario_id:
            return f"{obj.title} (Szenario {obj.scenario.name})"
        return obj.title


class PositionChangeForm(EmptyRowForm):
    class Meta:
        model = ProjectionPositionChange
        fields = ["action", "position", "on", "fte", "title"]
        field_classes = {"position": PositionChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["position"]
        field.queryset = field.queryset.select_related("scenario").order_by(
            "scenario__name", "title", "pk"
        )


def _rows(model, form, formset=RowsFormSet, extra=1):
    return inlineformset_factory(
        Projection,
        model,
        form=form,
        formset=formset,
        fields=form._meta.fields,
        extra=extra,
        can_delete=True,
    )


PayRiseFormSetClass = _rows(ProjectionPayRise, PayRiseForm, PayRiseFormSet, extra=2)
RateChangeFormSetClass = _rows(ProjectionRateChange, RateChangeForm)
PositionChangeFormSetClass = _rows(ProjectionPositionChange, PositionChangeForm)


class ProjectionForm(RecipientFormMixin, ScopedModelForm):
    """A projection with its rows: the form is validated first (its base year is what the
    rows' dates are checked against), then every formset; all are saved in one transaction."""

    formset_classes = {
        "pay_rises": PayRiseFormSetClass,
        "rate_changes": RateChangeFormSetClass,
        "position_changes": PositionChangeFormSetClass,
    }

    class Meta:
        model = Projection
        fields = [
            "recipient",
            "scenario",
            "name",
            "base_year",
            "last_year",
            "programme_end_year",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.narrow_recipient()
        self.formsets = {
            prefix: formset_class(
                data, instance=self.instance, prefix=prefix, form_kwargs={"user": self.user}
            )
            for prefix, formset_class in self.formset_classes.items()
        }

    def is_valid(self):
        form_valid = super().is_valid()
        rows_valid = all([formset.is_valid() for formset in self.formsets.values()])
        return form_valid and rows_valid

    def rows(self) -> dict[str, list[dict]]:
        """The rows entered, by kind, for ``projection_services.projection_save``: each with
        the id of the stored row it changes (None for a new one)."""
        return {
            prefix: [
                {"id": row.instance.pk}
                | {name: row.cleaned_data[name] for name in row._meta.fields}
                for row in formset.live_forms()
            ]
            for prefix, formset in self.formsets.items()
        }
