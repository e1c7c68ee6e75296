"""Pages of projections: list, the projection with its figures, edit with its rows, delete,
history. The figures come from ``projection_selectors``; the pages format them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from carriers.filtersets import recipient_choices
from funding import filtersets, tables
from funding.models import (
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
)
from funding.projections.forms import ProjectionForm
from funding.projections.selectors import projection_result
from funding.projections.services import projection_save
from kim_admin import generic, navigation, sections
from kim_admin.chart import Bar, chart_description, funding_chart
from kim_admin.roles import may_draft
from kim_admin.sections import RowsHistoryView, service_errors


class ProjectionListView(sections.SectionListView):
    section = navigation.FUNDING
    filter_choices = {"recipient": recipient_choices}
    model = Projection
    queryset = Projection.objects.select_related("recipient", "scenario")
    filterset_class = filtersets.ProjectionFilterSet
    table_class = tables.ProjectionTable
    description = (
        "Fortschreibungen tragen den echten Plan oder ein Szenario über mehrere Jahre weiter: "
        "Tarifsteigerungen ab einem Datum, geänderte Fördersätze, endende und neue Stellen und "
        "das Ende der Landesförderung."
    )


class ProjectionDetailView(generic.ObjectDetailView):
    model = Projection
    queryset = Projection.objects.select_related("recipient", "scenario")
    template_name = "funding/projection_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projection = self.object
        result = projection_result(projection)
        bars = [
            Bar(str(row.year), row.projected.funding, row.projected.own_share)
            for row in result.rows
        ]
        chart_title = _("Landesförderung und Eigenanteil der Fortschreibung")
        context.update(
            result=result,
            chart=funding_chart(bars, chart_title, chart_description(bars)) if bars else None,
            chart_title=chart_title,
            tabs=navigation.FUNDING.tabs_for(self.request),
            pay_rises=projection.pay_rises.order_by("effective_from", "pk"),
            rate_changes=projection.rate_changes.select_related("block").order_by(
                "valid_from", "pk"
            ),
            position_changes=projection.position_changes.select_related("position").order_by(
                "on", "pk"
            ),
            report_url=self.report_url(projection) if may_draft(self.request.user) else None,
        )
        return context

    @staticmethod
    def report_url(projection: Projection) -> str:
        query = {
            "kind": "projection",
            "recipient": projection.recipient.slug,
            "year": projection.base_year,
            "projection": projection.pk,
        }
        return f"{reverse('reports:report_form')}?{urlencode(query)}"


class ProjectionEditView(generic.ObjectEditView):
    model = Projection
    form_class = ProjectionForm
    template_name = "funding/projection_form.html"

    def save(self, form):
        expected = form.read_version if form.instance.pk else None
        try:
            return projection_save(
                projection=form.instance,
                rows=form.rows(),
                actor=self.request.user,
                expected_version=expected,
            )
        except ValidationError as error:
            raise service_errors(form, error) from None

    def get_extra_context(self, form):
        return {"formsets": form.formsets}


class ProjectionDeleteView(generic.ObjectDeleteView):
    model = Projection


class ProjectionHistoryView(RowsHistoryView):
    model = Projection
    rows = [
        (ProjectionPayRise, "projection"),
        (ProjectionRateChange, "projection"),
        (ProjectionPositionChange, "projection"),
    ]
