"""REST framework pieces named in the settings (pagination, parsers). They live apart from
kim_admin.api, which imports DRF's views: the views read these settings when they load."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, renderers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.field_mapping import ClassLookupDict
from rest_framework.utils.serializer_helpers import BoundField


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


# How the pages write a date; the browsable API's forms take it besides ISO 8601
# (REST_FRAMEWORK["DATE_INPUT_FORMATS"]).
GERMAN_DATE = "%d.%m.%Y"


class HTMLFormRenderer(renderers.HTMLFormRenderer):
    """DRF's HTML forms with dates as the pages write them (16.12.2024): DRF renders a date as
    ``<input type="date">``, which a browser shows in the order of its own language (mm/dd/yyyy
    in an English one), whatever the page's language."""

    default_style = ClassLookupDict(
        {
            **renderers.HTMLFormRenderer.default_style.mapping,
            serializers.DateField: {
                "base_template": "input.html",
                "input_type": "text",
                "placeholder": "TT.MM.JJJJ",
            },
        }
    )

    def render_field(self, field, parent_style):
        if isinstance(field._field, serializers.DateField) and isinstance(field.value, str):
            try:
                shown = date.fromisoformat(field.value).strftime(GERMAN_DATE)
            except ValueError:  # empty, or what someone typed and got an error for
                shown = field.value
            field = BoundField(field._field, shown, field.errors, field._prefix)
        return super().render_field(field, parent_style)


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API in German: its templates are the app's (templates/rest_framework/),
    the labels of the raw data form here (DRF writes "Media type" and "Content" in its code,
    outside any translation)."""

    form_renderer_class = HTMLFormRenderer

    def get_raw_data_form(self, data, view, method, request):
        form = super().get_raw_data_form(data, view, method, request)
        if form is not None:
            form.fields["_content_type"].label = _("Medientyp")
            form.fields["_content"].label = _("Inhalt")
        return form


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
