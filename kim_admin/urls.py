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
