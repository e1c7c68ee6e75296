from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("kim_admin.api_urls")),
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
