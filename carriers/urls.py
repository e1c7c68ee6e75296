from django.urls import path

from carriers import views
from carriers.forecasts import views as fv
from carriers.models import AdvancePayment, CarrierPayment
from carriers.proofs import views as pv
from carriers.settlements import views as sv
from kim_admin.generic import object_urls

app_name = "carriers"

urlpatterns = [
    *object_urls(
        views.ForwardingAgreementListView.model,
        "weiterleitungen",
        list_view=views.ForwardingAgreementListView,
        detail_view=views.ForwardingAgreementDetailView,
        edit_view=views.ForwardingAgreementEditView,
        delete_view=views.ForwardingAgreementDeleteView,
        history_view=views.ForwardingAgreementHistoryView,
    ),
    path(
        "weiterleitungen/<int:pk>/beenden/",
        views.ForwardingAgreementEndView.as_view(),
        name="forwardingagreement_end",
    ),
    *object_urls(
        views.CostSplitListView.model,
        "aufteilungen",
        list_view=views.CostSplitListView,
        detail_view=views.CostSplitDetailView,
        edit_view=views.CostSplitEditView,
        delete_view=views.CostSplitDeleteView,
        history_view=views.CostSplitHistoryView,
    ),
    path(
        "aufteilungen/<int:pk>/beenden/",
        views.CostSplitEndView.as_view(),
        name="costsplit_end",
    ),
    # Reference data: read only here, administrators edit it in the Django admin.
    path("organisationen/", views.OrganisationListView.as_view(), name="organisation_list"),
]

# Carriers' cost forecasts and actual statements (carriers.forecasts.views).
urlpatterns += [
    path("prognosen/", fv.CostForecastListView.as_view(), name="costforecast_list"),
    path("prognosen/neu/", fv.CostForecastCreateView.as_view(), name="costforecast_add"),
    path("prognosen/aufgaben/", fv.TasksView.as_view(), name="forecast_tasks"),
    path("prognosen/vergleich/", fv.CompareView.as_view(), name="forecast_compare"),
    path("prognosen/prognose-und-ist/", fv.ActualsView.as_view(), name="forecast_actuals"),
    path("prognosen/<int:pk>/", fv.CostForecastDetailView.as_view(), name="costforecast_detail"),
    path(
        "prognosen/<int:pk>/bearbeiten/",
        fv.CostForecastEditView.as_view(),
        name="costforecast_edit",
    ),
    path(
        "prognosen/<int:pk>/verlauf/",
        fv.CostForecastHistoryView.as_view(),
        name="costforecast_history",
    ),
    path(
        "prognosen/<int:pk>/anhaenge/",
        fv.AttachmentUploadView.as_view(),
        name="forecastattachment_add",
    ),
    # Last: a workflow step's name is any slug.
    path(
        "prognosen/<int:pk>/<slug:action>/",
        fv.ForecastActionView.as_view(),
        name="costforecast_action",
    ),
    path(
        "anhaenge/<int:pk>/",
        fv.AttachmentDownloadView.as_view(),
        name="forecastattachment_download",
    ),
    path(
        "anhaenge/<int:pk>/loeschen/",
        fv.AttachmentDeleteView.as_view(),
        name="forecastattachment_delete",
    ),
    *object_urls(
        CarrierPayment,
        "zahlungen",
        list_view=fv.CarrierPaymentListView,
        detail_view=fv.CarrierPaymentDetailView,
        edit_view=fv.CarrierPaymentEditView,
        delete_view=fv.CarrierPaymentDeleteView,
        history_view=fv.CarrierPaymentHistoryView,
    ),
]

# Carriers' proofs of use with the review note (carriers.proofs.views).
urlpatterns += [
    path("nachweise/", pv.CarrierProofListView.as_view(), name="carrierproof_list"),
    path("nachweise/neu/", pv.CarrierProofCreateView.as_view(), name="carrierproof_add"),
    path("nachweise/aufgaben/", pv.ProofTasksView.as_view(), name="proof_tasks"),
    path("nachweise/<int:pk>/", pv.CarrierProofDetailView.as_view(), name="carrierproof_detail"),
    path(
        "nachweise/<int:pk>/bearbeiten/",
        pv.CarrierProofEditView.as_view(),
        name="carrierproof_edit",
    ),
    path(
        "nachweise/<int:pk>/verlauf/",
        pv.CarrierProofHistoryView.as_view(),
        name="carrierproof_history",
    ),
    path(
        "nachweise/<int:pk>/anhaenge/",
        pv.ProofAttachmentUploadView.as_view(),
        name="proofattachment_add",
    ),
    # Last: a workflow step's name is any slug.
    path(
        "nachweise/<int:pk>/<slug:action>/",
        pv.ProofActionView.as_view(),
        name="carrierproof_action",
    ),
    path(
        "nachweis-anhaenge/<int:pk>/",
        pv.ProofAttachmentDownloadView.as_view(),
        name="proofattachment_download",
    ),
    path(
        "nachweis-anhaenge/<int:pk>/loeschen/",
        pv.ProofAttachmentDeleteView.as_view(),
        name="proofattachment_delete",
    ),
]

# The yearly settlement between the towns of a split (carriers.settlements.views).
urlpatterns += [
    path(
        "abrechnungen/",
        sv.SettlementStatementListView.as_view(),
        name="settlementstatement_list",
    ),
    path("abrechnungen/erstellen/", sv.SettlementIssueView.as_view(), name="settlement_issue"),
    path("abrechnungen/stapel/", sv.SettlementBatchView.as_view(), name="settlement_batch"),
    path("abrechnungen/zip/", sv.SettlementZipView.as_view(), name="settlement_zip"),
    path(
        "abrechnungen/<int:pk>/",
        sv.SettlementStatementDetailView.as_view(),
        name="settlementstatement_detail",
    ),
    path(
        "abrechnungen/<int:pk>/pdf/",
        sv.SettlementStatementPdfView.as_view(),
        name="settlementstatement_pdf",
    ),
    path(
        "abrechnungen/<int:pk>/verlauf/",
        sv.SettlementStatementHistoryView.as_view(),
        name="settlementstatement_history",
    ),
    *object_urls(
        AdvancePayment,
        "abrechnungen/abschlaege",
        list_view=sv.AdvancePaymentListView,
        detail_view=sv.AdvancePaymentDetailView,
        edit_view=sv.AdvancePaymentEditView,
        delete_view=sv.AdvancePaymentDeleteView,
        history_view=sv.AdvancePaymentHistoryView,
    ),
]
