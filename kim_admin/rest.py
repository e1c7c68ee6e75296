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
