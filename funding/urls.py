from funding import views
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
]
