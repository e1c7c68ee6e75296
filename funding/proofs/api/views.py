"""``/api/proofs-of-use/``: the recipient's proofs of use (finance and coordination; issue 15).
A list narrowed to one recipient and year (``?recipient=<slug>&year=<YYYY>``) and a proof's
detail carry the figures of the command's JSON; PATCH changes the factual report through the
service. Carriers, towns and the council have no proof of use (403 for the list, 404 for one)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view

from funding.models import ProofOfUse
from funding.proofs import services
from funding.proofs.api import serializers
from funding.proofs.filtersets import ProofOfUseFilterSet
from kim_admin.api import RestrictedModelViewSet


@extend_schema_view(
    list=extend_schema(parameters=[serializers.ProofOfUseQuerySerializer]),
    retrieve=extend_schema(parameters=[serializers.ProofOfUseQuerySerializer]),
)
class ProofOfUseViewSet(RestrictedModelViewSet):
    """Proofs of use (Verwendungsnachweise) with their figures and factual report."""

    description = _(
        "Verwendungsnachweise eines Zuwendungsempfängers: der Sachbericht und der "
        "zahlenmäßige Nachweis (wie manage.py proof_of_use). Die Liste mit recipient (Kürzel) "
        "und year zeigt die Zahlen des einen Nachweises; PATCH ändert den Sachbericht."
    )
    http_method_names = ["get", "patch", "head", "options"]
    queryset = ProofOfUse.objects.select_related("recipient")
    serializer_class = serializers.ProofOfUseSerializer
    write_serializer_class = serializers.ProofOfUseWriteSerializer
    filterset_class = ProofOfUseFilterSet

    def figures_as_of(self):
        """The day the interest is counted to where the answer carries figures, else None:
        the detail, and the list narrowed to one recipient and year (at most one row)."""
        params = self.request.query_params
        if self.action == "list" and not (params.get("recipient") and params.get("year")):
            return None
        if self.action not in ("list", "retrieve"):
            return None
        query = serializers.ProofOfUseQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        return query.validated_data.get("as_of") or timezone.localdate()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and getattr(self, "action", None):
            context["figures_as_of"] = self.figures_as_of()
        return context

    def save_object(self, obj, expected_version, related):
        services.save_proof_of_use(obj, actor=self.request.user, expected_version=expected_version)
