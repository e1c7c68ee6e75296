from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kim_admin.health import healthz
from kim_admin.jobqueue.api import JobDetailView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # /oidc/authenticate/ and /oidc/callback/ (mozilla-django-oidc); unused while OIDC is off.
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("admin/", admin.site.urls),
    path("api/jobs/<int:pk>/", JobDetailView.as_view(), name="api-job-detail"),
    # The API's description (OpenAPI 3) and its documentation page (Swagger UI, own static).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("kim_admin.api_urls")),
    path("auftraege/", include("kim_admin.jobqueue.urls")),
    path("einrichtung/", include("kim_admin.onboarding.urls")),
    path("foerderung/", include("funding.urls")),
    path("traeger/", include("carriers.urls")),
    path("import/", include("staffing.imports.urls")),
    path("", include("reports.urls")),
    path("", include("staffing.urls")),
    path("", include("kim_admin.urls_web")),
]

# German answers in the app's layout (JSON under /api/), also with DEBUG off.
handler400 = "kim_admin.errors.bad_request"
handler403 = "kim_admin.errors.permission_denied"
handler404 = "kim_admin.errors.page_not_found"
handler500 = "kim_admin.errors.server_error"
