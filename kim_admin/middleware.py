"""Request guards that every page and endpoint share."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kim_admin.errors import error_response


class RejectNulBytesMiddleware:
    """A NUL byte in the path or a query parameter is never meant: PostgreSQL refuses it in
    text (a 500 deep in a query); answer 400 in German before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return error_response(
                request, 400, _("Die Anfrage enthält ein unzulässiges Steuerzeichen (NUL).")
            )
        return self.get_response(request)
