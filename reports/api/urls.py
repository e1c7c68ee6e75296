from rest_framework.routers import SimpleRouter

from reports.api.views import PublishedReportViewSet

router = SimpleRouter()
router.register("reports", PublishedReportViewSet, basename="api-report")
