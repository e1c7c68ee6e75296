"""Pages of the funding app: rates, grant notices with their blocks, programme costs, revenue
accounts and the year closings. The section's machinery (tabs, rows, history, "end" pages) is
kim_admin.sections'."""

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse

from carriers.filtersets import recipient_choices
from funding import filtersets, forms, tables
from funding.choices import NoticeKind
from funding.models import (
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    PayRise,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
)
from funding.notices.selectors import notice_history
from kim_admin import generic, navigation, sections
from kim_admin.formatting import de_date
from kim_admin.generic import has_model_perm
from kim_admin.scoping import CHANGE
from kim_admin.sections import EndView, RowsEditView, RowsHistoryView


class SectionListView(sections.SectionListView):
    """A list of the "Förderung" section."""

    section = navigation.FUNDING
    filter_choices = {
        "programme": filtersets.programme_choices,
        "block": filtersets.block_choices,
        "recipient": recipient_choices,
    }


# --- funding rates (the worked example) -----------------------------------------------------


class FundingRateListView(SectionListView):
    model = FundingRate
    admin_only_columns = ()  # "Nur für": a recipient's own rate beside the programme's
    queryset = FundingRate.objects.select_related("block", "recipient", "scenario", "programme")
    filterset_class = filtersets.FundingRateFilterSet
    table_class = tables.FundingRateTable


class FundingRateDetailView(generic.ObjectDetailView):
    model = FundingRate
    queryset = FundingRate.objects.select_related("block", "recipient", "scenario", "programme")


class FundingRateEditView(generic.ObjectEditView):
    model = FundingRate
    form_class = forms.FundingRateForm


class FundingRateDeleteView(generic.ObjectDeleteView):
    model = FundingRate


class FundingRateHistoryView(generic.ObjectHistoryView):
    model = FundingRate


# --- pay rises (reference data, read only) ----------------------------------------------------


class PayRiseListView(SectionListView):
    """The programme's pay rises (TVöD) with which the plan is carried forward."""

    model = PayRise
    queryset = PayRise.objects.all()
    filterset_class = filtersets.PayRiseFilterSet
    table_class = tables.PayRiseTable
    admin_changelist = "admin:funding_payrise_changelist"
    admin_only_columns = ()


# --- grant notices --------------------------------------------------------------------------


def _fte_sum():
    rows = (
        GrantNoticeBlock.objects.filter(notice=OuterRef("pk"))
        .order_by()
        .values("notice")
        .annotate(total=Sum("approved_fte"))
        .values("total")
    )
    return Coalesce(
        Subquery(rows, output_field=DecimalField(max_digits=9, decimal_places=3)),
        Value(0, output_field=DecimalField(max_digits=9, decimal_places=3)),
    )


class GrantNoticeListView(SectionListView):
    model = GrantNotice
    queryset = (
        GrantNotice.objects.select_related("recipient", "programme")
        .prefetch_related(
            Prefetch("blocks", queryset=GrantNoticeBlock.objects.select_related("block"))
        )
        .annotate(fte_sum=_fte_sum())
    )
    filterset_class = filtersets.GrantNoticeFilterSet
    table_class = tables.GrantNoticeTable
    # An amendment replaces what it changes: its FTE are never added to the original's.
    totals = {"approved_fte": Sum("fte_sum", filter=~Q(kind=NoticeKind.AMENDMENT))}


class GrantNoticeDetailView(generic.ObjectDetailView):
    """A notice with its history: the original, its amendments in the order they take
    effect (what each changed per block) and the follow-up notices (issue 15)."""

    model = GrantNotice
    queryset = GrantNotice.objects.select_related("recipient", "programme", "amends__recipient")
    template_name = "funding/grantnotice_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notice = self.object
        context["blocks"] = notice.blocks.select_related("block")
        context["end_url"] = reverse("funding:grantnotice_end", args=[notice.pk])
        context["can_end"] = context["can_change"] and notice.period_end is None
        # An empty "Wirksam ab" means from the start of the period: the page says the day.
        effective_label = GrantNotice._meta.get_field("effective_from").verbose_name
        context["fields"] = [
            (label, de_date(notice.takes_effect) if label == effective_label else value)
            for label, value in context["fields"]
        ]
        context["notice_history"] = notice_history(notice)
        context["is_amendment"] = notice.kind == NoticeKind.AMENDMENT
        context["can_amend"] = (
            context["can_change"]
            and has_model_perm(self.request.user, GrantNotice, "add")
            and not context["is_amendment"]
        )
        context["amend_url"] = reverse("funding:grantnotice_amend", args=[notice.pk])
        return context


class GrantNoticeEditView(RowsEditView):
    model = GrantNotice
    form_class = forms.GrantNoticeForm
    template_name = "funding/grantnotice_form.html"


class GrantNoticeAmendView(GrantNoticeEditView):
    """A new amendment (Änderungsbescheid) of the notice ``pk`` in the user's change scope
    (outside it: 404), with the notice's recipient, programme and period filled in. Needs
    the permission to change notices (the generic view, for a ``pk``) and to add them."""

    def get_object(self):
        if not has_model_perm(self.request.user, GrantNotice, "add"):
            raise PermissionDenied
        amended = get_object_or_404(
            GrantNotice.objects.restrict(self.request.user, CHANGE).exclude(
                kind=NoticeKind.AMENDMENT
            ),
            pk=self.kwargs["pk"],
        )
        return GrantNotice(
            recipient=amended.recipient,
            programme=amended.programme,
            kind=NoticeKind.AMENDMENT,
            amends=amended,
            period_start=amended.period_start,
            period_end=amended.period_end,
        )

    def get_form_kwargs(self):
        # Only the blocks the amendment changes: one empty row to start with.
        return {"block_rows": 1}


class GrantNoticeEndView(EndView):
    model = GrantNotice
    form_class = forms.GrantNoticeEndForm


class GrantNoticeDeleteView(generic.ObjectDeleteView):
    model = GrantNotice


class GrantNoticeHistoryView(RowsHistoryView):
    model = GrantNotice
    rows = [(GrantNoticeBlock, "notice")]


# --- programme costs ------------------------------------------------------------------------


class ProgrammeCostListView(SectionListView):
    model = ProgrammeCost
    queryset = ProgrammeCost.objects.select_related("block", "recipient", "scenario")
    filterset_class = filtersets.ProgrammeCostFilterSet
    table_class = tables.ProgrammeCostTable
    totals = {"amount": Sum("amount")}


class ProgrammeCostDetailView(generic.ObjectDetailView):
    model = ProgrammeCost
    queryset = ProgrammeCost.objects.select_related("block", "recipient", "scenario")


class ProgrammeCostEditView(generic.ObjectEditView):
    model = ProgrammeCost
    form_class = forms.ProgrammeCostForm


class ProgrammeCostDeleteView(generic.ObjectDeleteView):
    model = ProgrammeCost


class ProgrammeCostHistoryView(generic.ObjectHistoryView):
    model = ProgrammeCost


# --- revenue accounts -----------------------------------------------------------------------


class RevenueAccountListView(SectionListView):
    model = RevenueAccount
    queryset = RevenueAccount.objects.select_related("recipient")
    filterset_class = filtersets.RevenueAccountFilterSet
    table_class = tables.RevenueAccountTable


class RevenueAccountDetailView(generic.ObjectDetailView):
    model = RevenueAccount
    queryset = RevenueAccount.objects.select_related("recipient")


class RevenueAccountEditView(generic.ObjectEditView):
    model = RevenueAccount
    form_class = forms.RevenueAccountForm


class RevenueAccountDeleteView(generic.ObjectDeleteView):
    model = RevenueAccount


class RevenueAccountHistoryView(generic.ObjectHistoryView):
    model = RevenueAccount


# --- year closings (shown in the forecasts section: actual figures count for closed years) ---


class YearClosingListView(SectionListView):
    section = navigation.FORECASTS
    model = YearClosing
    queryset = YearClosing.objects.select_related("recipient")
    filterset_class = filtersets.YearClosingFilterSet
    table_class = tables.YearClosingTable


class YearClosingDetailView(generic.ObjectDetailView):
    model = YearClosing
    queryset = YearClosing.objects.select_related("recipient")


class YearClosingEditView(generic.ObjectEditView):
    model = YearClosing
    form_class = forms.YearClosingForm


class YearClosingDeleteView(generic.ObjectDeleteView):
    model = YearClosing


class YearClosingHistoryView(generic.ObjectHistoryView):
    model = YearClosing
