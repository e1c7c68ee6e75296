"""Login protection and who may use the Django admin.

Failed logins are counted by django-axes (chosen over a hand-made counter: it watches every
authentication path — the login page, the admin login and the API's token endpoint — and
stores attempts in the database, so every web worker sees the same count, and an admin unlocks
in the Django admin or with ``manage.py axes_reset_username``). After ``AXES_FAILURE_LIMIT``
failures of one username from one address that combination is locked.
"""

from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError

from kim_admin.errors import error_response_with

LOCKOUT_STATUS = 429


def lockout_message() -> str:
    return _(
        "Zu viele fehlgeschlagene Anmeldeversuche: die Anmeldung mit diesem Benutzernamen ist "
        "von Ihrer Adresse aus gesperrt. Die Administration kann die Sperre aufheben; sonst "
        "versuchen Sie es später erneut."
    )


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked login (AXES_LOCKOUT_CALLABLE): German, in the app's
    layout, JSON under /api/."""
    return error_response_with(request, LOCKOUT_STATUS, _("Anmeldung gesperrt"), lockout_message())


class TokenView(ObtainAuthToken):
    """``POST /api/auth/token/``: the token of a user, with the login protection's German
    answer. Django's ``authenticate`` swallows the lock (it returns no user), and DRF would
    answer "invalid credentials"; django-axes marks the request as locked out."""

    description = gettext_lazy(
        "Das Token einer Person für Skripte: username und password senden, danach jede "
        "Anfrage mit dem Kopf „Authorization: Token <token>“. Nach zu vielen Fehlversuchen "
        "wird die Anmeldung gesperrt (429)."
    )

    @extend_schema(summary=gettext_lazy("Token holen"))
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except (AxesBackendPermissionDenied, ValidationError):
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
