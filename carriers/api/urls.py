from rest_framework.routers import SimpleRouter

from carriers.api import views
from carriers.forecasts.api import views as forecast_views
from carriers.proofs.api import views as proof_views
from carriers.settlements.api import views as settlement_views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet)
router.register("forwarding-agreements", views.ForwardingAgreementViewSet)
router.register("cost-splits", views.CostSplitViewSet)
# Carriers' cost statements (issue 4).
router.register("forecasts", forecast_views.CostForecastViewSet)
router.register("forecast-attachments", forecast_views.ForecastAttachmentViewSet)
router.register("carrier-payments", forecast_views.CarrierPaymentViewSet)
router.register("year-closings", forecast_views.YearClosingViewSet)
router.register("carrier-actuals", forecast_views.CarrierActualsViewSet, basename="carrieractuals")
router.register("forecast-inbox", forecast_views.ForecastInboxViewSet, basename="forecastinbox")
# Carriers' proofs of use with the review note.
router.register("carrier-proofs", proof_views.CarrierProofViewSet)
router.register("proof-attachments", proof_views.ProofAttachmentViewSet)
# The settlement between towns (seed 003).
router.register("settlements", settlement_views.SettlementStatementViewSet)
router.register("advance-payments", settlement_views.AdvancePaymentViewSet)

urlpatterns = router.urls
