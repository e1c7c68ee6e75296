"""REST framework pieces named in the settings (pagination, parsers). They live apart from
kim_admin.api, which imports DRF's views: the views read these settings when they load."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """Pages of at most 1,000 rows (``?limit=`` above that gives 1,000): a list's size is
    bounded whatever a client asks for."""

    max_limit = 1000


class JSONParser(parsers.JSONParser):
    """JSON with a German answer to a body nested too deep to parse (Python's parser would
    raise RecursionError: a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("Der JSON-Inhalt ist zu tief verschachtelt.")) from None


def exception_handler(exc, context):
    """DRF's answer to an exception, with a German 404 also where a view's ``get_object``
    raised Django's Http404 (whose English text DRF would pass on: "No Position matches the
    given query.")."""
    from django.http import Http404
    from rest_framework.exceptions import NotFound
    from rest_framework.views import exception_handler as drf_exception_handler

    from kim_admin.errors import MESSAGES

    if isinstance(exc, Http404):
        exc = NotFound(MESSAGES[404][1])
    return drf_exception_handler(exc, context)
