from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from funding.funds.selectors import calls_beyond_approved
from funding.models import (
    ApplicationDueDate,
    BaseRate,
    BuildingBlock,
    DeadlineReminder,
    DeadlineSubmission,
    FundingRate,
    FundsCall,
    FundsPayment,
    GrantNotice,
    GrantNoticeBlock,
    PayRise,
    Programme,
    ProgrammeCost,
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
    ProofOfUse,
    RevenueAccount,
    Scenario,
    ScenarioStep,
    YearClosing,
)
from kim_admin.admin import ReadOnlyAdminMixin, ScopedHistoryAdmin, ScopedTabularInline
from kim_admin.formatting import de_money


class BuildingBlockInline(ScopedTabularInline):
    model = BuildingBlock
    fields = ("number", "name")


@admin.register(Programme)
class ProgrammeAdmin(ScopedHistoryAdmin):
    list_display = ("name", "slug", "legal_basis")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (BuildingBlockInline,)


@admin.register(BuildingBlock)
class BuildingBlockAdmin(ScopedHistoryAdmin):
    list_display = ("number", "name", "programme")
    list_display_links = ("number", "name")
    list_filter = ("programme",)
    search_fields = ("name",)
    list_select_related = ("programme",)


@admin.register(Scenario)
class ScenarioAdmin(ScopedHistoryAdmin):
    list_display = ("name", "recipient", "slug", "created_at")
    list_filter = (("recipient", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug", "description")
    list_select_related = ("recipient",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "copied_at")


@admin.register(ScenarioStep)
class ScenarioStepAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    """Read only: steps are recorded by the scenario's quick changes and replayed by its rebase
    (funding.scenarios.services)."""

    list_display = ("scenario", "order", "kind", "created_by", "created_at")
    list_filter = ("kind", ("scenario__recipient", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("scenario", "created_by")
    search_fields = ("scenario__name",)


@admin.register(ApplicationDueDate)
class ApplicationDueDateAdmin(ScopedHistoryAdmin):
    list_display = ("year", "due_on", "note")
    search_fields = ("note",)


@admin.register(PayRise)
class PayRiseAdmin(ScopedHistoryAdmin):
    list_display = ("effective_from", "percent", "note")
    search_fields = ("note",)
    date_hierarchy = "effective_from"


@admin.register(FundingRate)
class FundingRateAdmin(ScopedHistoryAdmin):
    list_display = (
        "kind",
        "block",
        "amount",
        "valid_from",
        "capped_at_cost",
        "recipient",
        "scenario",
    )
    list_filter = (
        "programme",
        "block",
        "kind",
        "capped_at_cost",
        ("recipient", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("source",)
    list_select_related = ("block", "recipient", "scenario")
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("programme", "block", "kind", "amount", "valid_from")}),
        (_("Geltung"), {"fields": ("capped_at_cost", "recipient", "scenario", "source")}),
    )


class GrantNoticeBlockInline(ScopedTabularInline):
    model = GrantNoticeBlock
    fields = ("block", "approved_fte", "max_personnel_funding")


@admin.register(GrantNotice)
class GrantNoticeAdmin(ScopedHistoryAdmin):
    list_display = ("__str__", "reference", "period_start", "period_end", "programme")
    list_filter = (("recipient", admin.RelatedOnlyFieldListFilter), "programme")
    search_fields = ("reference", "recipient__name", "notes")
    list_select_related = ("recipient", "programme")
    date_hierarchy = "issued_on"
    inlines = (GrantNoticeBlockInline,)
    fieldsets = (
        (None, {"fields": ("recipient", "programme", "reference", "issued_on")}),
        (_("Bewilligungszeitraum"), {"fields": ("period_start", "period_end", "notes")}),
    )


@admin.register(GrantNoticeBlock)
class GrantNoticeBlockAdmin(ScopedHistoryAdmin):
    list_display = ("notice", "block", "approved_fte", "max_personnel_funding")
    list_filter = ("block", ("notice__recipient", admin.RelatedOnlyFieldListFilter))
    search_fields = ("notice__reference", "notice__recipient__name")
    list_select_related = ("notice__recipient", "block")
    autocomplete_fields = ("notice",)


@admin.register(ProgrammeCost)
class ProgrammeCostAdmin(ScopedHistoryAdmin):
    list_display = (
        "year",
        "category",
        "block",
        "status",
        "amount",
        "recipient",
        "scenario",
        "ledger_account",
    )
    list_filter = (
        "year",
        "status",
        "category",
        "block",
        ("recipient", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("description", "budget_product", "ledger_account", "recipient__name")
    list_select_related = ("block", "recipient", "scenario")
    fieldsets = (
        (None, {"fields": ("recipient", "scenario", "block", "year", "category", "status")}),
        (_("Betrag und Buchung"), {"fields": ("amount", "budget_product", "ledger_account")}),
        (None, {"fields": ("description",)}),
    )


@admin.register(RevenueAccount)
class RevenueAccountAdmin(ScopedHistoryAdmin):
    list_display = ("ledger_account", "category", "budget_product", "recipient")
    list_filter = ("category", ("recipient", admin.RelatedOnlyFieldListFilter))
    search_fields = ("ledger_account", "budget_product", "recipient__name")
    list_select_related = ("recipient",)


@admin.register(YearClosing)
class YearClosingAdmin(ScopedHistoryAdmin):
    list_display = ("recipient", "year", "closed_on", "note")
    list_filter = (("recipient", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("recipient",)


class ProjectionPayRiseInline(ScopedTabularInline):
    model = ProjectionPayRise
    fields = ("effective_from", "percent", "note")


class ProjectionRateChangeInline(ScopedTabularInline):
    model = ProjectionRateChange
    fields = ("block", "kind", "amount", "valid_from", "capped_at_cost")


class ProjectionPositionChangeInline(ScopedTabularInline):
    model = ProjectionPositionChange
    fields = ("action", "position", "on", "fte", "title")
    raw_id_fields = ("position",)


@admin.register(Projection)
class ProjectionAdmin(ScopedHistoryAdmin):
    list_display = ("name", "recipient", "scenario", "base_year", "last_year", "programme_end_year")
    list_filter = (("recipient", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "notes")
    list_select_related = ("recipient", "scenario")
    readonly_fields = ("created_at",)
    inlines = (ProjectionPayRiseInline, ProjectionRateChangeInline, ProjectionPositionChangeInline)


@admin.register(ProjectionPayRise)
class ProjectionPayRiseAdmin(ScopedHistoryAdmin):
    list_display = ("projection", "effective_from", "percent")
    list_select_related = ("projection",)


@admin.register(ProjectionRateChange)
class ProjectionRateChangeAdmin(ScopedHistoryAdmin):
    list_display = ("projection", "block", "kind", "amount", "valid_from")
    list_select_related = ("projection", "block")


@admin.register(ProjectionPositionChange)
class ProjectionPositionChangeAdmin(ScopedHistoryAdmin):
    list_display = ("projection", "action", "position", "on")
    list_select_related = ("projection", "position")
    raw_id_fields = ("position",)


# --- Funds calls and the proof of use (issue 15) ------------------------------------------------


@admin.register(BaseRate)
class BaseRateAdmin(ScopedHistoryAdmin):
    list_display = ("valid_from", "percent", "source")
    search_fields = ("source",)
    date_hierarchy = "valid_from"


class FundsCallAdminForm(forms.ModelForm):
    """The admin refuses a call beyond the year's approved funding like the pages and the API
    (``funding.funds.services.save_funds_call``)."""

    class Meta:
        model = FundsCall
        fields = [
            "notice",
            "called_on",
            "period_start",
            "period_end",
            "amount",
            "reference",
            "note",
        ]

    def clean(self):
        cleaned = super().clean()
        notice, start, amount = (cleaned.get(k) for k in ("notice", "period_start", "amount"))
        if not self.errors and notice and start and amount is not None:
            candidate = FundsCall(
                pk=self.instance.pk, notice=notice, period_start=start, amount=amount
            )
            beyond = calls_beyond_approved(candidate)
            if beyond is not None:
                approved, called = beyond
                self.add_error(
                    "amount",
                    _(
                        "Der Abruf übersteigt die bewilligte Förderung: bewilligt %(approved)s, "
                        "schon abgerufen %(called)s."
                    )
                    % {"approved": de_money(approved), "called": de_money(called)},
                )
        return cleaned


@admin.register(FundsCall)
class FundsCallAdmin(ScopedHistoryAdmin):
    form = FundsCallAdminForm
    list_display = ("called_on", "notice", "period_start", "period_end", "amount", "reference")
    list_select_related = ("notice", "notice__recipient")
    date_hierarchy = "called_on"


@admin.register(FundsPayment)
class FundsPaymentAdmin(ScopedHistoryAdmin):
    list_display = ("received_on", "call", "amount", "note")
    list_select_related = ("call",)
    date_hierarchy = "received_on"


@admin.register(ProofOfUse)
class ProofOfUseAdmin(ScopedHistoryAdmin):
    list_display = ("recipient", "year", "created_at")
    list_filter = (("recipient", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("recipient",)
    readonly_fields = ("created_at",)


@admin.register(DeadlineSubmission)
class DeadlineSubmissionAdmin(ScopedHistoryAdmin):
    list_display = ("recipient", "kind", "year", "submitted_on", "note")
    list_filter = ("kind", ("recipient", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("recipient",)


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    """What ``send_deadline_reminders`` sent: read only (the log of the mails)."""

    list_display = ("sent_on", "key", "threshold", "due_on", "recipient", "sent_to")
    list_filter = ("threshold", ("recipient", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("recipient",)
    date_hierarchy = "sent_on"
