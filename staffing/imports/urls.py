"""The Excel import: template download, upload, preview, apply (mounted under ``import/``)."""

from django.urls import path

from staffing.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.UploadView.as_view(), name="upload"),
    path("vorlage.xlsx", views.template_download, name="template"),
    path("<str:token>/vorschau/", views.PreviewView.as_view(), name="preview"),
    path("<str:token>/anwenden/", views.ApplyView.as_view(), name="apply"),
    path("<str:token>/verwerfen/", views.DiscardView.as_view(), name="discard"),
    path("<str:token>/ergebnis/", views.DoneView.as_view(), name="done"),
]
