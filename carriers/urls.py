from django.urls import path

from carriers import views
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
