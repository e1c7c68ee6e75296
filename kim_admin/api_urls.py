"""The REST API under /api/ (routers of the apps are included here).

Lists and details of every model of the plan, each narrowed to the user's scope, and the
writes a role may make (through the same services as the pages); ``POST auth/token/`` hands
scripts a token; ``overview/`` is the cost overview of a year.
"""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView

from carriers.api import urls as carriers_urls
from funding.api import urls as funding_urls
from kim_admin.onboarding.api import RecipientSetupView
from kim_admin.security import TokenView
from staffing.api import urls as staffing_urls

app_name = "api"

APP_ROUTERS = (carriers_urls.router, funding_urls.router, staffing_urls.router)


class KimAPIRootView(APIRootView):
    """The endpoints of the kim-admin API (token for scripts: ``POST /api/auth/token/``).

    Named "Alle Endpunkte": the browsable API's title adds "KIM-Verwaltung: Schnittstelle" to
    every view's name, which the root's name repeated."""

    name = _("Alle Endpunkte")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # The published reports live in the reports app's namespace (/api/reports/), which
        # the root view's own reversing (under "api:") does not reach.
        response.data["reports"] = reverse(
            "reports:api-report-list", request=request, format=kwargs.get("format")
        )
        return response


api_root = KimAPIRootView.as_view(
    api_root_dict={
        prefix: f"{basename}-list"
        for router in APP_ROUTERS
        for prefix, _viewset, basename in router.registry
    }
    | {"overview": "overview", "deadlines": "deadlines"}
)

urlpatterns = [
    path("", api_root, name="api-root"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("recipient-setup/", RecipientSetupView.as_view(), name="recipient-setup"),
    path("", include(carriers_urls)),
    path("", include(funding_urls)),
    path("", include(staffing_urls)),
]
