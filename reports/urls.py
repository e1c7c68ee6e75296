"""Pages under /berichte/ and the API under /api/reports/ (one include in kim_admin.urls)."""

from django.urls import include, path

from reports import views
from reports.api.urls import router

app_name = "reports"

urlpatterns = [
    path("berichte/", views.PublishedReportListView.as_view(), name="publishedreport_list"),
    path("berichte/neu/", views.report_form, name="report_form"),
    path(
        "berichte/<int:pk>/",
        views.PublishedReportDetailView.as_view(),
        name="publishedreport_detail",
    ),
    path("berichte/<int:pk>/pdf/", views.download, name="publishedreport_download"),
    path("api/", include(router.urls)),
]
