from django.urls import path
from rest_framework.routers import SimpleRouter

from funding.api import views
from funding.deadlines.api import views as deadline_views
from funding.funds.api import views as funds_views
from funding.projections.api import views as projection_views
from funding.proofs.api import views as proof_views
from funding.scenarios.api import views as scenario_views

router = SimpleRouter()
router.register("programmes", views.ProgrammeViewSet)
router.register("building-blocks", views.BuildingBlockViewSet)
router.register("funding-rates", views.FundingRateViewSet)
router.register("pay-rises", views.PayRiseViewSet)
router.register("grant-notices", views.GrantNoticeViewSet)
router.register("scenarios", scenario_views.ScenarioViewSet)
router.register("projections", projection_views.ProjectionViewSet)
router.register("programme-costs", views.ProgrammeCostViewSet)
router.register("revenue-accounts", views.RevenueAccountViewSet)
router.register("funds-calls", funds_views.FundsCallViewSet)
router.register("funds-payments", funds_views.FundsPaymentViewSet)
router.register("proofs-of-use", proof_views.ProofOfUseViewSet)

urlpatterns = [
    path("overview/", views.CostOverviewView.as_view(), name="overview"),
    path("deadlines/", deadline_views.DeadlineListView.as_view(), name="deadlines"),
    *router.urls,
]
