from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from carriers.models import (
    AdvancePayment,
    CarrierPayment,
    CarrierProof,
    CostForecast,
    CostSplit,
    CostSplitMember,
    ForecastAttachment,
    ForecastLine,
    ForwardingAgreement,
    Organisation,
    ProofAttachment,
    ProofLine,
    SettlementStatement,
)
from funding.choices import SplitMethod
from kim_admin.admin import ReadOnlyAdminMixin, ScopedHistoryAdmin, ScopedTabularInline, live_rows
from staffing import rules


@admin.register(Organisation)
class OrganisationAdmin(ScopedHistoryAdmin):
    list_display = ("name", "slug", "kind", "parent", "levy_share")
    list_filter = ("kind", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug")
    list_select_related = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    fields = (
        "name",
        "slug",
        "kind",
        "parent",
        "levy_share",
        "four_eyes",
        "public_pay_tolerance",
        "bank_name",
        "iban",
        "bic",
        "payment_term_days",
        "notes",
    )


@admin.register(ForwardingAgreement)
class ForwardingAgreementAdmin(ScopedHistoryAdmin):
    list_display = (
        "carrier",
        "recipient",
        "scenario",
        "reference",
        "valid_from",
        "valid_to",
        "coverage_policy",
        "payer",
    )
    list_filter = (
        "coverage_policy",
        ("recipient", admin.RelatedOnlyFieldListFilter),
        ("carrier", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "carrier__name", "recipient__name", "notes")
    list_select_related = ("carrier", "recipient", "scenario", "payer")
    autocomplete_fields = ("carrier", "payer", "positions")
    date_hierarchy = "valid_from"
    fieldsets = (
        (None, {"fields": ("recipient", "scenario", "carrier", "reference", "signed_on")}),
        (_("Laufzeit"), {"fields": ("valid_from", "valid_to")}),
        (
            _("Übernahme der Mehrkosten"),
            {"fields": ("coverage_policy", "coverage_percent", "coverage_flat_per_fte", "payer")},
        ),
        (_("Stellen"), {"fields": ("positions", "notes")}),
    )


class CostSplitMemberFormSet(BaseInlineFormSet):
    """Fixed percentages of a split's towns must make 100 % (``rules.split_percents_error``)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if self.instance.method != SplitMethod.FIXED_PERCENT:
            return
        message = rules.split_percents_error(row.get("percent") for row in live_rows(self))
        if message:
            raise ValidationError(message)


class CostSplitMemberInline(ScopedTabularInline):
    model = CostSplitMember
    formset = CostSplitMemberFormSet
    autocomplete_fields = ("organisation",)
    fields = ("organisation", "percent")


@admin.register(CostSplit)
class CostSplitAdmin(ScopedHistoryAdmin):
    list_display = ("name", "recipient", "scenario", "method", "employer_town", "valid_from")
    list_filter = ("method", ("recipient", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "recipient__name", "employer_town__name")
    list_select_related = ("recipient", "scenario", "employer_town")
    autocomplete_fields = ("employer_town", "positions")
    inlines = (CostSplitMemberInline,)
    fieldsets = (
        (None, {"fields": ("recipient", "scenario", "name", "employer_town", "method")}),
        (_("Laufzeit"), {"fields": ("valid_from", "valid_to")}),
        (_("Stellen"), {"fields": ("positions", "notes")}),
    )


@admin.register(CostSplitMember)
class CostSplitMemberAdmin(ScopedHistoryAdmin):
    """Read-only list: members are edited with their split, where the percentages are checked
    together."""

    list_display = ("organisation", "split", "percent")
    list_filter = ("split__method", ("split__recipient", admin.RelatedOnlyFieldListFilter))
    search_fields = ("organisation__name", "split__name")
    list_select_related = ("organisation", "split")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ForecastLineInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = ForecastLine
    fields = ("position", "employer_gross", "material", "overhead", "months_filled", "remark")


@admin.register(CostForecast)
class CostForecastAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("carrier", "recipient", "year", "kind", "number", "state", "submitted_at")
    list_filter = ("state", "kind", "year", ("carrier", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("carrier", "recipient")
    search_fields = ("title", "carrier__name")
    inlines = [ForecastLineInline]


@admin.register(ForecastLine)
class ForecastLineAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("forecast", "position", "employer_gross", "material", "overhead")
    list_select_related = ("forecast__carrier", "position")


@admin.register(ForecastAttachment)
class ForecastAttachmentAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("name", "forecast", "size", "uploaded_by", "uploaded_at")
    exclude = ("content",)
    list_select_related = ("forecast__carrier", "uploaded_by")


class ProofLineInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = ProofLine
    fields = ("position", "employer_gross", "material", "overhead", "fte", "months_filled")


# Proofs are written through their workflow (carriers.proofs.services): read only here.
@admin.register(CarrierProof)
class CarrierProofAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("carrier", "recipient", "year", "state", "submitted_at", "reviewed_on")
    list_filter = ("state", "year", ("carrier", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("carrier", "recipient")
    search_fields = ("carrier__name", "findings")
    inlines = [ProofLineInline]


@admin.register(ProofLine)
class ProofLineAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("proof", "position", "employer_gross", "material", "overhead", "fte")
    list_select_related = ("proof__carrier", "position")


@admin.register(ProofAttachment)
class ProofAttachmentAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    list_display = ("name", "proof", "size", "uploaded_by", "uploaded_at")
    exclude = ("content",)
    list_select_related = ("proof__carrier", "uploaded_by")


@admin.register(CarrierPayment)
class CarrierPaymentAdmin(ScopedHistoryAdmin):
    list_display = ("carrier", "recipient", "year", "position", "paid_on", "amount", "purpose")
    list_filter = ("year", ("carrier", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("carrier", "recipient", "position")
    search_fields = ("purpose", "carrier__name")
    autocomplete_fields = ("carrier", "position")


@admin.register(AdvancePayment)
class AdvancePaymentAdmin(ScopedHistoryAdmin):
    list_display = ("town", "split", "year", "paid_on", "amount", "note")
    list_filter = ("year", ("split", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("town", "split")
    search_fields = ("note", "town__name")
    autocomplete_fields = ("town",)


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ScopedHistoryAdmin):
    """Read only: statements are issued by the service with their PDF and never changed."""

    list_display = ("town", "split", "year", "number", "state", "own_share", "balance")
    list_filter = ("year", "state", ("split", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("town", "split")
    exclude = ("pdf",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
