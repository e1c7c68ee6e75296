from rest_framework.routers import SimpleRouter

from carriers.api import views

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet)
router.register("forwarding-agreements", views.ForwardingAgreementViewSet)
router.register("cost-splits", views.CostSplitViewSet)

urlpatterns = router.urls
