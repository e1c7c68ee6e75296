from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from carriers.models import Organisation
from funding.deadlines import selectors
from funding.deadlines.api.serializers import DeadlineQuerySerializer, DeadlineSerializer
from kim_admin.api import HasRole
from kim_admin.roles import Role


class DeadlineListView(APIView):
    """``GET /api/deadlines/``: the deadlines the user sees (``funding.deadlines.selectors``):
    finance and coordination their recipient's, a carrier its own proofs and forecasts,
    administrators every recipient's or the one named."""

    permission_classes = [HasRole]
    name = _("Fristen")

    @extend_schema(
        parameters=[DeadlineQuerySerializer],
        responses={200: DeadlineSerializer(many=True)},
        summary=_("Fristen des Förderjahres"),
    )
    def get(self, request):
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slug = query.validated_data.get("recipient")
        recipient = None
        if slug:
            recipient = Organisation.objects.recipients().filter(slug=slug).first()
            user = request.user
            if recipient is None or (
                user.role != Role.ADMIN and recipient.pk != user.organisation_id
            ):
                raise NotFound(_("Unbekannter Zuwendungsempfänger „%(slug)s“.") % {"slug": slug})
        items = selectors.deadlines_for(request.user, timezone.localdate(), recipient)
        items = selectors.filter_by_status(items, query.validated_data.get("status", ""))
        return Response(DeadlineSerializer(items, many=True).data)
