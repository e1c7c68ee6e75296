"""Pages of the carriers app: forwarding agreements (with the positions they cover), cost
splits (with their towns and positions) and the organisations (read only).

Agreements and splits are saved through carriers.services in the generic edit view's
transaction, after the version check; carriers see their own agreements and towns the splits
they take part in, read only (kim_admin.scoping).
"""

from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from carriers import filtersets, forms, services, tables
from carriers.models import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from funding.filtersets import block_choices, programme_choices
from kim_admin import generic, navigation, sections
from kim_admin.sections import EndView, RowsHistoryView, ServiceEditView

FTE_SUM = DecimalField(max_digits=9, decimal_places=3)


def positions_annotations(model):
    """Number and FTE of a record's positions, as subqueries (no GROUP BY over the list, so
    the totals row can sum them). Their names differ from the columns': an aggregate named
    like the annotation it sums would replace it."""
    through = model.positions.through
    key = f"{model._meta.model_name}_id"
    rows = through.objects.filter(**{key: OuterRef("pk")}).order_by().values(key)
    return {
        "number_of_positions": Coalesce(
            Subquery(
                rows.annotate(n=Count("position_id")).values("n"), output_field=IntegerField()
            ),
            Value(0),
        ),
        "fte_of_positions": Coalesce(
            Subquery(rows.annotate(s=Sum("position__fte")).values("s"), output_field=FTE_SUM),
            Value(0, output_field=FTE_SUM),
        ),
    }


class RecordWithPositionsDetailView(generic.ObjectDetailView):
    """A record's page with the positions it covers (those the user may see) and, while it
    has no end, the "Beenden" button."""

    end_field = "valid_to"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context["positions"] = (
            obj.positions.restrict(self.request.user)
            .select_related("employer", "block", "scenario")
            .order_by("block__number", "title", "pk")
        )
        context["position_url_name"] = _position_url_name()
        context["end_url"] = reverse(generic.url_name(type(obj), "end"), args=[obj.pk])
        context["can_end"] = context["can_change"] and getattr(obj, self.end_field) is None
        return context


def _position_url_name():
    """The position pages' URL name, where the staffing pages exist."""
    from django.urls import NoReverseMatch

    try:
        reverse("staffing:position_detail", args=[1])
    except NoReverseMatch:
        return None
    return "staffing:position_detail"


class SectionListView(sections.SectionListView):
    """A list of the "Förderung" section."""

    section = navigation.FUNDING
    filter_choices = {
        "programme": programme_choices,
        "block": block_choices,
        "recipient": filtersets.recipient_choices,
    }


# --- forwarding agreements ------------------------------------------------------------------

AGREEMENT_QUERYSET = ForwardingAgreement.objects.select_related(
    "recipient", "carrier", "payer", "scenario"
)


def _names(organisations):
    """(slug, name) of organisations for a filter's select, each once, by name."""
    return organisations.distinct().order_by("name").values_list("slug", "name")


class ForwardingAgreementListView(SectionListView):
    model = ForwardingAgreement
    queryset = AGREEMENT_QUERYSET.annotate(**positions_annotations(ForwardingAgreement))
    filterset_class = filtersets.ForwardingAgreementFilterSet
    filter_choices = {
        **SectionListView.filter_choices,
        "carrier": lambda user: _names(
            Organisation.objects.filter(
                carrier_agreements__in=ForwardingAgreement.objects.restrict(user)
            )
        ),
        "payer": lambda user: _names(
            Organisation.objects.filter(
                paid_agreements__in=ForwardingAgreement.objects.restrict(user)
            )
        ),
    }
    table_class = tables.ForwardingAgreementTable
    totals = {"positions_fte": Sum("fte_of_positions")}


class ForwardingAgreementDetailView(RecordWithPositionsDetailView):
    model = ForwardingAgreement
    queryset = AGREEMENT_QUERYSET
    template_name = "carriers/forwardingagreement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object.payer_id is None:
            # No payer named: the recipient carries the cost it takes over.
            label = ForwardingAgreement._meta.get_field("payer").verbose_name
            recipient = _("%(recipient)s (Zuwendungsempfänger)") % {
                "recipient": self.object.recipient
            }
            context["fields"] = [
                (name, recipient if name == label else value) for name, value in context["fields"]
            ]
        return context


class ForwardingAgreementEditView(ServiceEditView):
    model = ForwardingAgreement
    form_class = forms.ForwardingAgreementForm
    template_name = "carriers/forwardingagreement_form.html"

    def save_with_service(self, form, expected):
        return services.agreement_save(
            agreement=form.instance,
            actor=self.request.user,
            positions=form.cleaned_data["positions"],
            expected_version=expected,
        )


class ForwardingAgreementEndView(EndView):
    model = ForwardingAgreement
    form_class = forms.ForwardingAgreementEndForm


class ForwardingAgreementDeleteView(generic.ObjectDeleteView):
    model = ForwardingAgreement


class ForwardingAgreementHistoryView(RowsHistoryView):
    model = ForwardingAgreement


# --- cost splits ----------------------------------------------------------------------------

SPLIT_QUERYSET = CostSplit.objects.select_related("recipient", "employer_town", "scenario")


class CostSplitListView(SectionListView):
    model = CostSplit
    queryset = SPLIT_QUERYSET.prefetch_related(
        Prefetch("members", queryset=CostSplitMember.objects.select_related("organisation"))
    ).annotate(**positions_annotations(CostSplit))
    filterset_class = filtersets.CostSplitFilterSet
    filter_choices = {
        **SectionListView.filter_choices,
        "employer_town": lambda user: _names(
            Organisation.objects.filter(employer_splits__in=CostSplit.objects.restrict(user))
        ),
        "member": lambda user: _names(
            Organisation.objects.filter(
                split_memberships__split__in=CostSplit.objects.restrict(user)
            )
        ),
    }
    table_class = tables.CostSplitTable
    totals = {"positions_fte": Sum("fte_of_positions")}


class CostSplitDetailView(RecordWithPositionsDetailView):
    model = CostSplit
    queryset = SPLIT_QUERYSET
    template_name = "carriers/costsplit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = self.object.members.select_related("organisation")
        return context


class CostSplitEditView(ServiceEditView):
    model = CostSplit
    form_class = forms.CostSplitForm
    template_name = "carriers/costsplit_form.html"

    def save_with_service(self, form, expected):
        return services.split_save(
            split=form.instance,
            actor=self.request.user,
            members=form.shares(),
            positions=form.cleaned_data["positions"],
            expected_version=expected,
        )

    def get_extra_context(self, form):
        return {"formset": form.formset}


class CostSplitEndView(EndView):
    model = CostSplit
    form_class = forms.CostSplitEndForm


class CostSplitDeleteView(generic.ObjectDeleteView):
    model = CostSplit


class CostSplitHistoryView(RowsHistoryView):
    model = CostSplit
    rows = [(CostSplitMember, "split")]


# --- organisations (reference data, read only) ----------------------------------------------


class OrganisationListView(SectionListView):
    model = Organisation
    queryset = Organisation.objects.select_related("parent")
    filterset_class = filtersets.OrganisationFilterSet
    filter_choices = {
        "parent": lambda user: _names(Organisation.objects.restrict(user).filter(kind="county"))
    }
    table_class = tables.OrganisationTable
    admin_changelist = "admin:carriers_organisation_changelist"
    admin_only_columns = ()
