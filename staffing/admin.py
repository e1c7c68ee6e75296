from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from kim_admin.admin import ScopedHistoryAdmin, ScopedTabularInline, live_rows
from staffing import rules
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)

RELATED_ONLY = admin.RelatedOnlyFieldListFilter


class PayGradeCostInline(ScopedTabularInline):
    model = PayGradeCost
    fields = ("year", "employer_gross_per_fte", "source")


@admin.register(PayGrade)
class PayGradeAdmin(ScopedHistoryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")
    inlines = (PayGradeCostInline,)


@admin.register(OrganisationalUnit)
class OrganisationalUnitAdmin(ScopedHistoryAdmin):
    list_display = ("name", "kind", "recipient")
    list_filter = ("kind", ("recipient", RELATED_ONLY))
    search_fields = ("name", "recipient__name")
    list_select_related = ("recipient",)


@admin.register(PayGradeCost)
class PayGradeCostAdmin(ScopedHistoryAdmin):
    list_display = ("pay_grade", "year", "employer_gross_per_fte", "source")
    list_filter = ("year", "pay_grade")
    search_fields = ("pay_grade__code", "source")
    list_select_related = ("pay_grade",)


class ServedTownsFormSet(BaseInlineFormSet):
    """The towns a position serves: none, or shares that sum to 100 %
    (``rules.served_shares_error``, the one rule the whole project uses)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        message = rules.served_shares_error(
            row["share"] for row in live_rows(self) if row.get("share") is not None
        )
        if message:
            raise ValidationError(message)


class OccupanciesFormSet(BaseInlineFormSet):
    """Occupancy never exceeds the position's FTE on any day, counting all rows of the form
    together (each row's own ``clean()`` only sees the rows already saved)."""

    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.fte is None:
            return
        periods = [
            (row["start"], row.get("end"), row["fte"])
            for row in live_rows(self)
            if row.get("start") and row.get("fte") is not None
        ]
        message = rules.occupancy_above_fte_error(self.instance.fte, periods)
        if message:
            raise ValidationError(message)


class PositionTownInline(ScopedTabularInline):
    model = PositionTown
    formset = ServedTownsFormSet
    autocomplete_fields = ("town",)
    fields = ("town", "share")
    verbose_name_plural = _("Betreute Kommunen (Anteile zusammen 100 %)")


class OccupancyInline(ScopedTabularInline):
    model = Occupancy
    formset = OccupanciesFormSet
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 24})}}
    fields = ("start", "end", "fte", "note")


class PositionCostInline(ScopedTabularInline):
    """Narrow enough for 1280 px; the note is edited on the cost's own page."""

    model = PositionCost
    formfield_overrides = {
        models.DecimalField: {
            "localize": True,
            "widget": forms.TextInput(attrs={"size": 9, "inputmode": "decimal"}),
        },
    }
    fields = (
        "year",
        "status",
        "employer_gross",
        "material",
        "overhead_rate",
        "overhead_amount",
        "one_off",
    )


@admin.register(Position)
class PositionAdmin(ScopedHistoryAdmin):
    list_display = (
        "title",
        "block_number",
        "funding_kind",
        "fte",
        "employer_and_unit",
        "planned_start",
        "end_date",
        "recipient",
    )
    list_filter = (
        ("recipient", RELATED_ONLY),
        "block",
        "funding_kind",
        ("employer", RELATED_ONLY),
        ("scenario", RELATED_ONLY),
    )
    search_fields = (
        "title",
        "department",
        "employer__name",
        "recipient__name",
        "cost_centre",
        "budget_product",
    )
    list_select_related = ("block", "employer", "recipient", "scenario", "unit")
    autocomplete_fields = ("employer", "origin")
    inlines = (PositionTownInline, OccupancyInline, PositionCostInline)
    fieldsets = (
        (
            None,
            {"fields": ("recipient", "scenario", "origin", "block", "funding_kind", "title")},
        ),
        (_("Stelle"), {"fields": ("fte", "employer", "unit", "department", "pay_grade")}),
        (_("Laufzeit"), {"fields": ("planned_start", "end_date")}),
        (
            _("Buchung"),
            {"fields": ("budget_product", "ledger_account", "cost_centre")},
        ),
        (None, {"fields": ("notes",)}),
    )

    @admin.display(description=_("Anstellungsträger"), ordering="employer__name")
    def employer_and_unit(self, obj):
        return f"{obj.employer} – {obj.unit_label}" if obj.unit_label else str(obj.employer)

    @admin.display(description=_("Baustein"), ordering="block__number")
    def block_number(self, obj):
        return obj.block.number


class PositionPartAdmin(ScopedHistoryAdmin):
    """Rows of a position: listed and filtered here, edited on the position's page."""

    list_select_related = ("position__recipient", "position__block")
    search_fields = ("position__title", "position__recipient__name")
    autocomplete_fields = ("position",)

    @admin.display(description=_("Zuwendungsempfänger"), ordering="position__recipient__name")
    def recipient(self, obj):
        return obj.position.recipient


@admin.register(PositionTown)
class PositionTownAdmin(PositionPartAdmin):
    """Read-only: the shares of a position are checked together, on the position's page."""

    list_display = ("position", "town", "share", "recipient")
    list_filter = (("town", RELATED_ONLY), ("position__recipient", RELATED_ONLY))
    list_select_related = ("position__recipient", "town")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Occupancy)
class OccupancyAdmin(PositionPartAdmin):
    list_display = ("position", "start", "end", "fte", "note", "recipient")
    list_filter = (("position__recipient", RELATED_ONLY),)
    date_hierarchy = "start"


@admin.register(PositionCost)
class PositionCostAdmin(PositionPartAdmin):
    list_display = (
        "position",
        "year",
        "status",
        "employer_gross",
        "material",
        "overhead_rate",
        "overhead_amount",
        "one_off",
        "recipient",
    )
    list_filter = ("year", "status", ("position__recipient", RELATED_ONLY))
