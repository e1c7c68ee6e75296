"""Answers when something goes wrong: German pages in the app's layout with a way back, and
JSON for the API (also with DEBUG off, where Django's own answers are bare English HTML)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

MESSAGES = {
    400: (
        _("Ungültige Anfrage"),
        _("Die Anfrage enthält Angaben, die nicht verarbeitet werden können."),
    ),
    403: (
        _("Keine Berechtigung"),
        _("Für diese Seite oder Aktion fehlt Ihnen die Berechtigung."),
    ),
    404: (
        _("Nicht gefunden"),
        _(
            "Diese Seite gibt es nicht, oder der Datensatz liegt außerhalb Ihres "
            "Zuständigkeitsbereichs."
        ),
    ),
    500: (
        _("Fehler auf dem Server"),
        _(
            "Bei der Verarbeitung ist ein Fehler aufgetreten. Es wurde nichts halb gespeichert; "
            "bitte versuchen Sie es später erneut."
        ),
    ),
}


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request, status: int, detail: str = ""):
    title, text = MESSAGES[status]
    return error_response_with(request, status, title, detail or text)


def error_response_with(request, status: int, title: str, text: str):
    """An error page in the app's layout (JSON ``{"detail": …}`` under /api/)."""
    if is_api(request):
        return JsonResponse(
            {"detail": text}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    context = {"status": status, "title": title, "text": text}
    if status == 500:
        # No context processors: the request that failed may be what broke them.
        return HttpResponse(render_to_string("error.html", context), status=status)
    return render(request, "error.html", context, status=status)


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    return error_response(request, 403, message)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500)


def csrf_failure(request, reason=""):
    if is_api(request):
        return JsonResponse({"detail": _("Die Anfrage kam ohne gültiges CSRF-Token.")}, status=403)
    return render(
        request,
        "error.html",
        {
            "status": 403,
            "title": _("Formular abgelaufen"),
            "text": _(
                "Das Formular war zu alt oder kam nicht von dieser Seite. Bitte laden Sie die "
                "Seite neu und senden Sie es noch einmal."
            ),
        },
        status=403,
    )
