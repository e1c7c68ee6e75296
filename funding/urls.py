from django.urls import path

from funding import views
from funding.applications import views as application_views
from funding.deadlines import views as deadline_views
from funding.funds import views as funds_views
from funding.models import Projection
from funding.projections import views as projection_views
from funding.proofs import views as proof_views
from funding.scenarios import views as scenario_views
from kim_admin.generic import object_urls

app_name = "funding"

urlpatterns = [
    *object_urls(
        views.FundingRateListView.model,
        "saetze",
        list_view=views.FundingRateListView,
        detail_view=views.FundingRateDetailView,
        edit_view=views.FundingRateEditView,
        delete_view=views.FundingRateDeleteView,
        history_view=views.FundingRateHistoryView,
    ),
    *object_urls(
        views.GrantNoticeListView.model,
        "bescheide",
        list_view=views.GrantNoticeListView,
        detail_view=views.GrantNoticeDetailView,
        edit_view=views.GrantNoticeEditView,
        delete_view=views.GrantNoticeDeleteView,
        history_view=views.GrantNoticeHistoryView,
    ),
    path(
        "bescheide/<int:pk>/beenden/",
        views.GrantNoticeEndView.as_view(),
        name="grantnotice_end",
    ),
    path("antrag/", application_views.ApplicationView.as_view(), name="application"),
    path("fristen/", deadline_views.DeadlineListView.as_view(), name="deadline_list"),
    path(
        "bescheide/<int:pk>/aendern/",
        views.GrantNoticeAmendView.as_view(),
        name="grantnotice_amend",
    ),
    *object_urls(
        views.ProgrammeCostListView.model,
        "programmkosten",
        list_view=views.ProgrammeCostListView,
        detail_view=views.ProgrammeCostDetailView,
        edit_view=views.ProgrammeCostEditView,
        delete_view=views.ProgrammeCostDeleteView,
        history_view=views.ProgrammeCostHistoryView,
    ),
    *object_urls(
        views.RevenueAccountListView.model,
        "ertragskonten",
        list_view=views.RevenueAccountListView,
        detail_view=views.RevenueAccountDetailView,
        edit_view=views.RevenueAccountEditView,
        delete_view=views.RevenueAccountDeleteView,
        history_view=views.RevenueAccountHistoryView,
    ),
    *object_urls(
        views.YearClosingListView.model,
        "jahresabschluesse",
        list_view=views.YearClosingListView,
        detail_view=views.YearClosingDetailView,
        edit_view=views.YearClosingEditView,
        delete_view=views.YearClosingDeleteView,
        history_view=views.YearClosingHistoryView,
    ),
    # Funds calls, payments and the proof of use (issue 15).
    *object_urls(
        funds_views.FundsCall,
        "mittelabrufe",
        list_view=funds_views.FundsCallListView,
        detail_view=funds_views.FundsCallDetailView,
        edit_view=funds_views.FundsCallEditView,
        delete_view=funds_views.FundsCallDeleteView,
        history_view=funds_views.FundsCallHistoryView,
    ),
    *object_urls(
        funds_views.FundsPayment,
        "zahlungseingaenge",
        list_view=funds_views.FundsPaymentListView,
        detail_view=funds_views.FundsPaymentDetailView,
        edit_view=funds_views.FundsPaymentEditView,
        delete_view=funds_views.FundsPaymentDeleteView,
        history_view=funds_views.FundsPaymentHistoryView,
    ),
    path("mittel/", funds_views.FundsOverviewView.as_view(), name="funds_overview"),
    *object_urls(
        proof_views.ProofOfUse,
        "verwendungsnachweise",
        list_view=proof_views.ProofOfUseListView,
        detail_view=proof_views.ProofOfUseDetailView,
        edit_view=proof_views.ProofOfUseEditView,
        delete_view=proof_views.ProofOfUseDeleteView,
        history_view=proof_views.ProofOfUseHistoryView,
    ),
    path(
        "verwendungsnachweise/<int:pk>/xlsx/",
        proof_views.proof_xlsx,
        name="proofofuse_xlsx",
    ),
    path("tariferhoehungen/", views.PayRiseListView.as_view(), name="payrise_list"),
    # Reference data: read only here, administrators edit it in the Django admin.
    *object_urls(
        Projection,
        "fortschreibungen",
        list_view=projection_views.ProjectionListView,
        detail_view=projection_views.ProjectionDetailView,
        edit_view=projection_views.ProjectionEditView,
        delete_view=projection_views.ProjectionDeleteView,
        history_view=projection_views.ProjectionHistoryView,
    ),
    # Scenarios (issue 6): copies of the plan, quick changes, the comparison.
    path("szenarien/", scenario_views.scenario_list, name="scenario_list"),
    path("szenarien/neu/", scenario_views.scenario_create, name="scenario_add"),
    path("szenarien/vergleich/", scenario_views.scenario_compare, name="scenario_compare"),
    path("szenarien/<int:pk>/", scenario_views.scenario_detail, name="scenario_detail"),
    path("szenarien/<int:pk>/loeschen/", scenario_views.scenario_delete, name="scenario_delete"),
    path(
        "szenarien/<int:pk>/planaenderungen/",
        scenario_views.scenario_plan_changes,
        name="scenario_plan_changes",
    ),
    path(
        "szenarien/<int:pk>/neu-aufsetzen/",
        scenario_views.scenario_rebase,
        name="scenario_rebase",
    ),
    path(
        "szenarien/<int:pk>/<slug:action>/",
        scenario_views.scenario_quick_change,
        name="scenario_quick_change",
    ),
]
