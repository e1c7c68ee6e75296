"""Pages of the positions under ``stellen/``: the generic list, page, form, delete and history
of a position, ending it, and its occupancy periods and costs (the position in the URL)."""

from django.urls import path

from kim_admin.generic import object_urls
from staffing import views
from staffing.models import OrganisationalUnit, Position

app_name = "staffing"

urlpatterns = [
    *object_urls(
        Position,
        "stellen",
        list_view=views.PositionListView,
        detail_view=views.PositionDetailView,
        edit_view=views.PositionEditView,
        delete_view=views.PositionDeleteView,
        history_view=views.PositionHistoryView,
    ),
    path("stellen/<int:pk>/beenden/", views.PositionEndView.as_view(), name="position_end"),
    # The recipient's own units (e.g. its KI), a list of the "Förderung" section.
    *object_urls(
        OrganisationalUnit,
        "foerderung/organisationseinheiten",
        list_view=views.OrganisationalUnitListView,
        detail_view=views.OrganisationalUnitDetailView,
        edit_view=views.OrganisationalUnitEditView,
        delete_view=views.OrganisationalUnitDeleteView,
        history_view=views.OrganisationalUnitHistoryView,
    ),
    # Reference data of the "Förderung" section (read only; admins edit it in the Django admin).
    path(
        "foerderung/personalkostensaetze/",
        views.PayGradeCostListView.as_view(),
        name="paygradecost_list",
    ),
    path(
        "stellen/<int:position_pk>/besetzungen/neu/",
        views.OccupancyEditView.as_view(),
        name="occupancy_add",
    ),
    path(
        "stellen/<int:position_pk>/besetzungen/<int:pk>/bearbeiten/",
        views.OccupancyEditView.as_view(),
        name="occupancy_edit",
    ),
    path(
        "stellen/<int:position_pk>/besetzungen/<int:pk>/loeschen/",
        views.OccupancyDeleteView.as_view(),
        name="occupancy_delete",
    ),
    path(
        "stellen/<int:position_pk>/kosten/neu/",
        views.PositionCostEditView.as_view(),
        name="positioncost_add",
    ),
    path(
        "stellen/<int:position_pk>/kosten/<int:pk>/bearbeiten/",
        views.PositionCostEditView.as_view(),
        name="positioncost_edit",
    ),
    path(
        "stellen/<int:position_pk>/kosten/<int:pk>/loeschen/",
        views.PositionCostDeleteView.as_view(),
        name="positioncost_delete",
    ),
]
