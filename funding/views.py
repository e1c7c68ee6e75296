"""Pages of the funding app: rates, grant notices with their blocks, programme costs, revenue
accounts and the pay-grade costs (read only); and what the carriers' pages share with them
(the section's tabs, a history that shows the rows of a record, the "end" pages)."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.choices import RECIPIENT_KINDS
from carriers.models import CostSplit, ForwardingAgreement, Organisation
from funding import filtersets, forms, tables
from funding.models import (
    BuildingBlock,
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    Programme,
    ProgrammeCost,
    Projection,
    RevenueAccount,
    Scenario,
    YearClosing,
)
from kim_admin import generic
from kim_admin.generic import _value as display_value
from kim_admin.generic import has_model_perm
from kim_admin.roles import Role
from kim_admin.versioning import bump_version
from staffing.filtersets import PayGradeCostFilterSet
from staffing.models import PayGradeCost

# --- shared by the section's pages ----------------------------------------------------------

# The sub-pages of "Förderung": (label, URL name, model). A tab shows when the user may see
# the model and its scope holds rows for the role (carriers and towns see no grant notices).
SECTION_TABS = [
    (gettext_lazy("Fördersätze"), "funding:fundingrate_list", FundingRate),
    (gettext_lazy("Bescheide"), "funding:grantnotice_list", GrantNotice),
    (gettext_lazy("Programmkosten"), "funding:programmecost_list", ProgrammeCost),
    (gettext_lazy("Ertragskonten"), "funding:revenueaccount_list", RevenueAccount),
    (gettext_lazy("Weiterleitungen"), "carriers:forwardingagreement_list", ForwardingAgreement),
    (gettext_lazy("Kostenaufteilungen"), "carriers:costsplit_list", CostSplit),
    (gettext_lazy("Organisationen"), "carriers:organisation_list", Organisation),
    (gettext_lazy("Personalkostensätze"), "funding:paygradecost_list", PayGradeCost),
    (gettext_lazy("Szenarien"), "funding:scenario_list", Scenario),
    (gettext_lazy("Fortschreibungen"), "funding:projection_list", Projection),
]


def section_tabs(request, entries=None):
    """The section's sub-pages (``entries``: (label, url name, model); default this section's)
    that the user may see: the model's view permission and a scope at all."""
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    tabs = []
    for label, name, model in SECTION_TABS if entries is None else entries:
        if not has_model_perm(user, model, "view"):
            continue
        if user.role != Role.ADMIN and (
            user.role is None
            or user.organisation_id is None
            or model.scope_q(user.role, user.organisation_id) is None
        ):
            continue
        tabs.append({"label": str(label), "url": reverse(name), "current": name == current})
    return tabs


def programme_choices(user):
    return Programme.objects.order_by("name").values_list("slug", "name")


def block_choices(user):
    return [
        (str(number), f"{number} – {name}")
        for number, name in BuildingBlock.objects.order_by("number").values_list("number", "name")
    ]


def recipient_choices(user):
    return (
        Organisation.objects.filter(kind__in=RECIPIENT_KINDS)
        .order_by("name")
        .values_list("slug", "name")
    )


class SectionListView(generic.ObjectListView):
    """A list of the section, with its tabs (templates/includes/tabs_funding.html)."""

    filter_choices = {
        "programme": programme_choices,
        "block": block_choices,
        "recipient": recipient_choices,
    }

    def apply_filter_choices(self, form):
        # One's own recipient is the only one a non-admin sees: no choice to offer.
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        super().apply_filter_choices(form)

    template_name = "funding/object_list.html"
    # Administrators edit reference data in the Django admin; the list links there.
    admin_changelist = None
    # Columns users of one recipient do not need (finance, coordination and council see only
    # their own recipient's rows; carriers and towns may deal with several recipients).
    admin_only_columns: tuple[str, ...] = ("recipient",)

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.request.user.role in (Role.FINANCE, Role.COORDINATOR, Role.COUNCIL):
            kwargs["exclude"] = self.admin_only_columns
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tabs"] = section_tabs(self.request)
        if self.admin_changelist and self.request.user.is_staff:
            context["admin_url"] = reverse(self.admin_changelist)
        return context


class SectionDeleteView(generic.ObjectDeleteView):
    pass


class RowsEditView(generic.ObjectEditView):
    """Edit a record with its rows (a form with ``formset``, see forms.FormWithRows): both are
    validated together and saved in the generic view's one transaction, after the version
    check of the record."""

    def save(self, form):
        bump_version(form.instance, form.read_version if form.instance.pk else None)
        obj = form.save()
        form.formset.instance = obj
        form.formset.save()
        return obj

    def get_extra_context(self, form):
        return {"formset": form.formset}


class EndView(generic.ObjectEditView):
    """Ends a record on a date: an edit page with only the end date."""

    template_name = "funding/object_end.html"

    def get_extra_context(self, form):
        return {"title": _("%(obj)s beenden") % {"obj": self.object}}


def service_errors(form, error: ValidationError) -> ValidationError:
    """A service's errors for ``form.add_error(None, …)``: the keys that are no field of the
    form (rows, checks across rows) become messages above the form."""
    if not hasattr(error, "error_dict"):
        return error
    errors = {}
    for key, messages in error.message_dict.items():
        target = key if key in form.fields else NON_FIELD_ERRORS
        errors.setdefault(target, []).extend(messages)
    return ValidationError(errors)


class RowsHistoryView(generic.ObjectHistoryView):
    """The history of a record together with its rows' (blocks of a notice, towns of a split):
    a row added, changed or removed is an entry of its own, with who did it.

    ``rows``: (row model, name of its key to the record). Changes of the record's positions
    (many-to-many, not in the history tables) are kept as the history record's change reason,
    "Stellen: old → new" (carriers.services), and shown as a change of "Stellen".
    """

    rows: list[tuple[type, str]] = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = context["entries"]
        for entry in entries:
            reason = entry["record"].history_change_reason
            if reason:
                entry["changes"].append(_reason_change(reason))
        for model, key in self.rows:
            entries.extend(_row_entries(model, key, self.object.pk))
        entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id))
        entries.reverse()
        return context


def _reason_change(reason: str):
    """ "Stellen: A → A, B" as a change of "Stellen"; any other reason as it is."""
    label, _sep, rest = reason.partition(": ")
    old, arrow, new = rest.partition(" → ")
    if not arrow:
        return (_("Anmerkung"), "–", reason)
    return (label, old or "–", new or "–")


def _row_fields(model, key):
    return [
        field
        for field in model._meta.fields
        if field.name not in ("id", key, "version") and not field.name.endswith("_ptr")
    ]


def _describe(fields, record) -> str:
    parts = []
    for field in fields:
        value = getattr(record, field.attname)
        if value is None or value == "":
            continue
        shown = display_value(field, value)
        parts.append(shown if field.is_relation else f"{field.verbose_name} {shown}")
    return ", ".join(parts)


def _row_entries(model, key, parent_pk):
    fields = _row_fields(model, key)
    label = str(model._meta.verbose_name)
    records = list(
        model.history.filter(**{f"{key}_id": parent_pk})
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = []
    previous = {}
    for record in records:
        before = previous.get(record.id)
        if record.history_type == "+" or before is None:
            changes = [(label, "–", _describe(fields, record))]
        elif record.history_type == "-":
            changes = [(label, _describe(fields, record), "–")]
        else:
            delta = record.diff_against(before)
            name = _describe(fields[:1], record)
            changes = [
                (
                    f"{label} ({name}): {model._meta.get_field(change.field).verbose_name}",
                    display_value(model._meta.get_field(change.field), change.old),
                    display_value(model._meta.get_field(change.field), change.new),
                )
                for change in delta.changes
            ]
        previous[record.id] = record
        entries.append({"record": record, "changes": changes})
    return entries


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
    totals = {"approved_fte": Sum("fte_sum")}


class GrantNoticeDetailView(generic.ObjectDetailView):
    model = GrantNotice
    queryset = GrantNotice.objects.select_related("recipient", "programme")
    template_name = "funding/grantnotice_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blocks"] = self.object.blocks.select_related("block")
        context["end_url"] = reverse("funding:grantnotice_end", args=[self.object.pk])
        context["can_end"] = context["can_change"] and self.object.period_end is None
        return context


class GrantNoticeEditView(RowsEditView):
    model = GrantNotice
    form_class = forms.GrantNoticeForm
    template_name = "funding/grantnotice_form.html"


class GrantNoticeEndView(EndView):
    model = GrantNotice
    form_class = forms.GrantNoticeEndForm


class GrantNoticeDeleteView(SectionDeleteView):
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


class ProgrammeCostDeleteView(SectionDeleteView):
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


class RevenueAccountDeleteView(SectionDeleteView):
    model = RevenueAccount


class RevenueAccountHistoryView(generic.ObjectHistoryView):
    model = RevenueAccount


# --- pay-grade costs (reference data, read only) --------------------------------------------


class PayGradeCostListView(SectionListView):
    model = PayGradeCost
    queryset = PayGradeCost.objects.select_related("pay_grade")
    filterset_class = PayGradeCostFilterSet
    table_class = tables.PayGradeCostTable
    admin_changelist = "admin:staffing_paygradecost_changelist"
    admin_only_columns = ()


# --- year closings (shown in the forecasts section: actual figures count for closed years) ---


class YearClosingListView(SectionListView):
    model = YearClosing
    queryset = YearClosing.objects.select_related("recipient")
    filterset_class = filtersets.YearClosingFilterSet
    table_class = tables.YearClosingTable
    template_name = "carriers/forecast_section_list.html"

    def get_context_data(self, **kwargs):
        from carriers.forecast_views import section_tabs as forecast_tabs

        context = super().get_context_data(**kwargs)
        context["tabs"] = forecast_tabs(self.request)
        return context


class YearClosingDetailView(generic.ObjectDetailView):
    model = YearClosing
    queryset = YearClosing.objects.select_related("recipient")


class YearClosingEditView(generic.ObjectEditView):
    model = YearClosing
    form_class = forms.YearClosingForm


class YearClosingDeleteView(SectionDeleteView):
    model = YearClosing


class YearClosingHistoryView(generic.ObjectHistoryView):
    model = YearClosing
