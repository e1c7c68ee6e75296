from rest_framework.routers import SimpleRouter

from staffing.api import views

router = SimpleRouter()
router.register("pay-grades", views.PayGradeViewSet)
router.register("pay-grade-costs", views.PayGradeCostViewSet)
router.register("organisational-units", views.OrganisationalUnitViewSet)
router.register("positions", views.PositionViewSet)
router.register("occupancies", views.OccupancyViewSet)
router.register("position-costs", views.PositionCostViewSet)

urlpatterns = router.urls
