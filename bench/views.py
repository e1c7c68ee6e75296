"""The lower bound of the position list (``position_list`` benchmark): a minimal Django view
that returns the same rows with ``.values()`` and no more (no scope rule, no filter form, no
table, no template, no cost engine), through the same middleware as the real page."""

from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import JsonResponse

# The columns the position list shows that live on the row (the year's figures do not).
FIELDS = (
    "id",
    "title",
    "block__number",
    "funding_kind",
    "fte",
    "employer__name",
    "department",
    "pay_grade__code",
    "planned_start",
    "end_date",
)


def position_values(request):
    """The user's recipient's positions of the current plan active in ``?year=`` (as the list
    shows them); ``?limit=N``: the first N rows (the list's page), with the count of all."""
    from staffing.models import Position

    year = int(request.GET["year"])
    queryset = (
        Position.objects.filter(recipient_id=request.user.organisation_id, scenario__isnull=True)
        .filter(planned_start__lte=date(year, 12, 31))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=date(year, 1, 1)))
        .order_by("block__number", "title")
    )
    limit = int(request.GET.get("limit") or 0) or None
    rows = list(queryset.values(*FIELDS)[:limit])
    return JsonResponse({"count": queryset.count(), "rows": rows}, encoder=DjangoJSONEncoder)
