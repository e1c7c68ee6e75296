"""Pages of the settlement between towns (seed 003): statements, issuing one or all, the batch
with its progress display and ZIP, and the towns' advance payments.

Views stay thin: they find objects in the user's scope (404 outside), call the selector for
the preview and one service of ``carriers.settlements.services`` for every write.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from carriers import filtersets, tables
from carriers.choices import StatementState
from carriers.jobs import start_batch
from carriers.models import AdvancePayment, CostSplit, Organisation, SettlementStatement
from carriers.settlements import services
from carriers.settlements.forms import AdvancePaymentForm, IssueForm, SettlementSelectForm
from carriers.settlements.selectors import current_statements, is_unchanged, recipient_settlements
from funding.models import YearClosing
from kim_admin import generic, navigation, sections
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE
from kim_admin.sections import service_errors

STATEMENT_QUERYSET = SettlementStatement.objects.without_pdf().select_related(
    "split", "town", "recipient"
)
ADVANCE_QUERYSET = AdvancePayment.objects.select_related("split", "town", "recipient")


class SectionMixin(sections.SectionMixin):
    section = navigation.SETTLEMENTS


def section_tabs(request):
    return navigation.SETTLEMENTS.tabs_for(request)


def _splits_of(model):
    def rows(user):
        return (
            CostSplit.objects.filter(pk__in=model.objects.restrict(user).values("split_id"))
            .order_by("name")
            .values_list("pk", "name")
        )

    return rows


def _towns_of(model):
    def rows(user):
        return (
            Organisation.objects.filter(pk__in=model.objects.restrict(user).values("town_id"))
            .order_by("name")
            .values_list("slug", "name")
        )

    return rows


class _ListBase(SectionMixin, generic.ObjectListView):
    template_name = "carriers/settlement_section_list.html"

    def apply_filter_choices(self, form):
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        super().apply_filter_choices(form)


# --- Statements ----------------------------------------------------------------------------------


class SettlementStatementListView(_ListBase):
    model = SettlementStatement
    queryset = STATEMENT_QUERYSET
    filterset_class = filtersets.SettlementStatementFilterSet
    filter_choices = {
        "split": _splits_of(SettlementStatement),
        "town": _towns_of(SettlementStatement),
    }
    table_class = tables.SettlementStatementTable

    def get_empty_text(self):
        if self.request.user.role == Role.TOWN:
            return _(
                "Noch keine Abrechnung. Ist Ihre Kommune an einer Kostenaufteilung beteiligt, "
                "stellt der Kreis nach dem Jahresabschluss jährlich eine Abrechnung aus; sie "
                "erscheint dann hier."
            )
        return _(
            "Noch keine Abrechnung ausgestellt. Ist ein Jahr abgeschlossen, stellen Sie unter "
            "„Abrechnung erstellen“ die Abrechnungen einer Kostenaufteilung aus; sie "
            "erscheinen dann hier, je Kommune und Fassung."
        )

    totals = {
        "total_cost": Sum("total_cost"),
        "funding_share": Sum("funding_share"),
        "own_share": Sum("own_share"),
        "advances": Sum("advances"),
        "balance": Sum("balance"),
    }


class SettlementStatementDetailView(SectionMixin, generic.ObjectDetailView):
    model = SettlementStatement
    queryset = STATEMENT_QUERYSET.select_related("employer_town", "issued_by", "replaces")
    template_name = "carriers/settlement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        s = self.object
        context["versions"] = (
            SettlementStatement.objects.without_pdf()
            .restrict(self.request.user)
            .filter(split_id=s.split_id, town_id=s.town_id, year=s.year)
            .select_related("issued_by")
            .order_by("-number")
        )
        context["can_issue"] = services.may_issue(self.request.user, s.split)
        context["rows"] = s.item_rows()
        return context


class SettlementStatementHistoryView(generic.ObjectHistoryView):
    model = SettlementStatement
    queryset = STATEMENT_QUERYSET


class SettlementStatementPdfView(LoginRequiredMixin, View):
    """The stored PDF, exactly as issued."""

    def get(self, request, pk):
        statement = get_object_or_404(SettlementStatement.objects.restrict(request.user), pk=pk)
        response = HttpResponse(bytes(statement.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{statement.download_name}"'
        response["ETag"] = f'"{statement.pdf_sha256}"'
        return response


# --- Issuing -------------------------------------------------------------------------------------


class IssuerMixin(LoginRequiredMixin):
    """Pages that issue: finance, coordination and admins (the service checks the split)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(
            "carriers.add_settlementstatement"
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def select_form(self, data, with_split=True):
        user = self.request.user
        initial = {"year": timezone.localdate().year - 1}
        if user.role != Role.ADMIN:
            initial["recipient"] = user.organisation.slug if user.organisation_id else None
        data = {**initial, **{k: v for k, v in data.items() if v not in ("", None)}}
        return SettlementSelectForm(data, user=user, with_split=with_split)


def preview_rows(previews, statements):
    """The preview's rows per split: each town's settlement with its issued statement and
    whether the figures changed since."""
    sections = []
    for preview in previews:
        towns = []
        if preview.settlement is not None:
            for town in preview.settlement.towns:
                current = statements.get((preview.split.pk, town.town.id))
                towns.append(
                    {
                        "settlement": town,
                        "current": current,
                        "unchanged": current is not None
                        and is_unchanged(current, preview.settlement),
                    }
                )
        sections.append({"preview": preview, "towns": towns})
    return sections


class SettlementIssueView(IssuerMixin, View):
    """ "Abrechnung erstellen": the computed settlement per town of a recipient's year (one
    split or all), with a sum row equal to the engine's totals, and issuing per town."""

    template_name = "carriers/settlement_issue.html"

    def get(self, request):
        return self.render(self.select_form(request.GET))

    def post(self, request):
        form = self.select_form(request.POST)
        issue = IssueForm(request.POST)
        if form.is_valid() and issue.is_valid():
            split = get_object_or_404(
                CostSplit.objects.restrict(request.user), pk=issue.cleaned_data["split"]
            )
            town = get_object_or_404(Organisation, pk=issue.cleaned_data["town"])
            try:
                statement = services.statement_issue(
                    split=split,
                    town=town,
                    year=issue.cleaned_data["year"],
                    actor=request.user,
                    replaces=issue.cleaned_data["replaces"],
                )
            except ValidationError as error:
                form.add_error(None, service_errors(form, error))
                return self.render(form, status=400)
            return render(
                request,
                self.template_name,
                self.context(form) | {"issued": statement},
            )
        return self.render(form, status=400)

    def context(self, form):
        context = {
            "title": _("Abrechnung erstellen"),
            "tabs": section_tabs(self.request),
            "form": form,
            "sections": [],
        }
        if form.is_valid():
            recipient, year = form.cleaned_data["recipient"], form.cleaned_data["year"]
            split = form.cleaned_data.get("split")
            splits = (
                [split]
                if split
                else list(
                    CostSplit.objects.restrict(self.request.user, CHANGE)
                    .filter(recipient=recipient, scenario__isnull=True)
                    .select_related("employer_town")
                    .order_by("name")
                )
            )
            previews = recipient_settlements(recipient, year, splits)
            context.update(
                recipient=recipient,
                year=year,
                closed=YearClosing.objects.filter(recipient=recipient, year=year).exists(),
                sections=preview_rows(previews, current_statements(recipient, year)),
            )
        return context

    def render(self, form, status=200):
        return render(self.request, self.template_name, self.context(form), status=status)


class SettlementBatchView(IssuerMixin, View):
    """All towns of a county at once: the page shows what is to be issued; "Alle ausstellen"
    starts the batch job (carriers.jobs), whose page shows "n von N" and offers the ZIP."""

    template_name = "carriers/settlement_batch.html"

    def get(self, request):
        form = self.select_form(request.GET, with_split=False)
        context = {
            "title": _("Abrechnungen aller Kommunen"),
            "tabs": section_tabs(request),
            "form": form,
            "jobs": [],
        }
        if form.is_valid():
            recipient, year = form.cleaned_data["recipient"], form.cleaned_data["year"]
            previews = recipient_settlements(
                recipient,
                year,
                list(
                    CostSplit.objects.restrict(request.user, CHANGE)
                    .filter(recipient=recipient, scenario__isnull=True)
                    .order_by("name")
                ),
            )
            sections = preview_rows(previews, current_statements(recipient, year))
            jobs, done, errors = [], 0, []
            for section in sections:
                if section["preview"].error is not None:
                    errors.append(section["preview"].error.message)
                for row in section["towns"]:
                    if row["unchanged"]:
                        done += 1
                        continue
                    jobs.append(
                        {
                            "split": section["preview"].split.pk,
                            "town": row["settlement"].town.id,
                            "name": f"{row['settlement'].town.name} ({section['preview'].split.name})",
                            "replaces": row["current"].number if row["current"] else None,
                        }
                    )
            closed = YearClosing.objects.filter(recipient=recipient, year=year).exists()
            if not closed:
                form.add_error(
                    "year",
                    _(
                        "Das Jahr %(year)s ist bei %(recipient)s noch nicht abgeschlossen. "
                        "Abgerechnet wird erst nach dem Jahresabschluss."
                    )
                    % {"year": year, "recipient": recipient.name},
                )
            context.update(
                recipient=recipient,
                year=year,
                closed=closed,
                jobs=jobs,
                done=done,
                errors=errors,
                zip_url=reverse("carriers:settlement_zip")
                + f"?recipient={recipient.slug}&year={year}",
            )
        return render(request, self.template_name, context)

    def post(self, request):
        form = self.select_form(request.POST, with_split=False)
        if not form.is_valid():
            return HttpResponse(_("Ungültige Anfrage."), status=400)
        recipient, year = form.cleaned_data["recipient"], form.cleaned_data["year"]
        if (
            not CostSplit.objects.restrict(request.user, CHANGE)
            .filter(recipient=recipient)
            .exists()
        ):
            raise PermissionDenied
        job = start_batch(recipient=recipient, year=year, user=request.user)
        return HttpResponseRedirect(job.get_absolute_url())


class SettlementZipView(LoginRequiredMixin, View):
    """The PDFs of the recipient's current statements for a year, as one ZIP."""

    def get(self, request):
        recipient = request.GET.get("recipient", "")
        year = request.GET.get("year", "")
        if not year.isdigit():
            return HttpResponse(_("Bitte ein Jahr angeben."), status=400)
        statements = (
            SettlementStatement.objects.restrict(request.user)
            .filter(recipient__slug=recipient, year=int(year), state=StatementState.ISSUED)
            .select_related("split", "town")
            .order_by("split__name", "town__name")
        )
        if not statements.exists():
            return HttpResponse(_("Keine Abrechnungen gefunden."), status=404)
        response = HttpResponse(services.statements_zip(statements), content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="abrechnungen-{recipient}-{int(year)}.zip"'
        )
        return response


# --- Advance payments ----------------------------------------------------------------------------


class AdvancePaymentListView(_ListBase):
    model = AdvancePayment
    queryset = ADVANCE_QUERYSET
    filterset_class = filtersets.AdvancePaymentFilterSet
    filter_choices = {"split": _splits_of(AdvancePayment), "town": _towns_of(AdvancePayment)}
    table_class = tables.AdvancePaymentTable
    totals = {"amount": Sum("amount")}
    empty_text = gettext_lazy(
        "Noch keine Abschlagszahlung erfasst. Zahlt eine Kommune im Laufe des Jahres Abschläge an "
        "die Anstellungskörperschaft, trägt die Finanzverwaltung sie hier ein; die Abrechnung "
        "rechnet sie an."
    )


class AdvancePaymentDetailView(SectionMixin, generic.ObjectDetailView):
    model = AdvancePayment
    queryset = ADVANCE_QUERYSET


class AdvancePaymentEditView(generic.ObjectEditView):
    model = AdvancePayment
    form_class = AdvancePaymentForm

    def save(self, form):
        return services.advance_save(
            advance=form.instance,
            actor=self.request.user,
            expected_version=form.read_version if form.instance.pk else None,
        )


class AdvancePaymentDeleteView(generic.ObjectDeleteView):
    model = AdvancePayment

    def delete(self, obj):
        services.advance_delete(advance=obj, actor=self.request.user)


class AdvancePaymentHistoryView(generic.ObjectHistoryView):
    model = AdvancePayment
    queryset = ADVANCE_QUERYSET
