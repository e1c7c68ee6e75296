"""Pages of the funds calls and payments (issue 15): lists per recipient and notice, adding
and editing in the browser (through the services), and the year's funds overview with the
need of the next two months and the funds left idle."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from carriers.models import Organisation
from funding.choices import RECIPIENT_KINDS
from funding.funds import filtersets, forms, selectors, services, tables
from funding.models import FundsCall, FundsPayment
from funding.views import SectionListView
from kim_admin import generic, navigation
from kim_admin.roles import Role
from kim_admin.scoping import VIEW
from kim_admin.sections import ServiceEditView


def _received():
    rows = (
        FundsPayment.objects.filter(call=OuterRef("pk"))
        .order_by()
        .values("call")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(rows, output_field=money), Value(0, output_field=money))


class FundsCallListView(SectionListView):
    model = FundsCall
    queryset = FundsCall.objects.select_related("notice", "notice__recipient").annotate(
        received=_received()
    )
    filterset_class = filtersets.FundsCallFilterSet
    table_class = tables.FundsCallTable
    totals = {"amount": Sum("amount")}


class FundsCallDetailView(generic.ObjectDetailView):
    model = FundsCall
    queryset = FundsCall.objects.select_related("notice", "notice__recipient")


class FundsCallEditView(ServiceEditView):
    model = FundsCall
    form_class = forms.FundsCallForm
    template_name = "funding/fundscall_form.html"

    def get_extra_context(self, form):
        """The need of the next two months beside the form (the user's own recipient)."""
        recipient = self.request.user.organisation
        if recipient is None or not recipient.is_recipient_kind:
            return {}
        return {"need": selectors.funds_need(recipient, timezone.localdate())}

    def save_with_service(self, form, expected_version):
        return services.save_funds_call(
            form.instance, actor=self.request.user, expected_version=expected_version
        )


class FundsCallDeleteView(generic.ObjectDeleteView):
    model = FundsCall


class FundsCallHistoryView(generic.ObjectHistoryView):
    model = FundsCall


class FundsPaymentListView(SectionListView):
    model = FundsPayment
    queryset = FundsPayment.objects.select_related("call", "call__notice__recipient")
    filterset_class = filtersets.FundsPaymentFilterSet
    table_class = tables.FundsPaymentTable
    totals = {"amount": Sum("amount")}


class FundsPaymentDetailView(generic.ObjectDetailView):
    model = FundsPayment
    queryset = FundsPayment.objects.select_related("call", "call__notice__recipient")


class FundsPaymentEditView(ServiceEditView):
    model = FundsPayment
    form_class = forms.FundsPaymentForm

    def save_with_service(self, form, expected_version):
        return services.save_funds_payment(
            form.instance, actor=self.request.user, expected_version=expected_version
        )


class FundsPaymentDeleteView(generic.ObjectDeleteView):
    model = FundsPayment


class FundsPaymentHistoryView(generic.ObjectHistoryView):
    model = FundsPayment


def funds_recipient(user, slug: str | None):
    """The recipient whose funds the user may see: its own (admins: the one asked for)."""
    if not user.has_perm("funding.view_fundscall"):
        raise PermissionDenied
    recipients = Organisation.objects.restrict(user, VIEW).filter(kind__in=RECIPIENT_KINDS)
    if user.role != Role.ADMIN:
        recipients = recipients.filter(pk=user.organisation_id)
    if slug:
        recipients = recipients.filter(slug=slug)
    return recipients.order_by("name").first()


class FundsOverviewView(LoginRequiredMixin, View):
    """The year's funds: approved, called, received, the need of the next two months and the
    funds left idle beyond two months with the interest they may cost."""

    def get(self, request):
        today = timezone.localdate()
        try:
            year = int(request.GET.get("jahr") or today.year)
        except ValueError:
            year = today.year
        year = min(max(year, 1990), 2100)
        # ``?recipient=<slug>`` as on the start page (``empfaenger`` as before).
        slug = request.GET.get("recipient") or request.GET.get("empfaenger")
        recipient = funds_recipient(request.user, slug)
        funds = selectors.funds_year(recipient, year, today) if recipient else None
        # Administrators choose the recipient, as on the start page.
        recipients = (
            Organisation.objects.recipients().order_by("name")
            if request.user.role == Role.ADMIN
            else None
        )
        return render(
            request,
            "funding/funds_overview.html",
            {
                "title": f"Mittel {year}",
                "year": year,
                "years": list(range(today.year - 3, today.year + 2)),
                "recipient": recipient,
                "recipients": recipients,
                "funds": funds,
                "today": today,
                "tabs": navigation.FUNDING.tabs_for(request),
            },
        )
