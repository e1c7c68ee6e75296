"""The REST API under /api/ (routers of the apps are included here)."""

urlpatterns = []
