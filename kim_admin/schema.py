"""The API's OpenAPI 3 description (drf-spectacular): German tags, summaries and descriptions
where a user reads them, and every operation's error answers with one shared schema.

The errors are what the API really returns (kim_admin.errors, DRF's exceptions, the JSON
parser of kim_admin.rest): ``{"detail": "<German message>"}``, or for a refused input the
German messages by field (``{"title": ["…"], "non_field_errors": ["…"]}``; nested inputs nest
the same way).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent

ERROR_COMPONENT = "Fehler"
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Eine Fehlermeldung auf Deutsch: `detail`, oder bei abgelehnten Eingaben die "
        "Meldungen je Feld (Liste von Texten; bei verschachtelten Angaben je Unterfeld), "
        "Meldungen zum ganzen Datensatz unter `non_field_errors`."
    ),
    "properties": {"detail": {"type": "string", "description": "Die Meldung."}},
    "additionalProperties": {
        "description": "Die Meldungen zu einem Feld.",
        "anyOf": [{"type": "array", "items": {}}, {"type": "object"}],
    },
}

ERRORS = {
    "400": _("Ungültige Anfrage: die Meldungen je Feld (oder `detail`)."),
    "403": _("Nicht angemeldet oder keine Berechtigung für diese Aktion."),
    "404": _("Nicht gefunden oder außerhalb Ihres Zuständigkeitsbereichs."),
    "409": _("Nicht möglich, solange andere Datensätze darauf verweisen (die Meldung nennt sie)."),
    "412": _("Veraltete Version (If-Match): inzwischen von jemand anderem geändert."),
    "429": _("Zu viele Anfragen in kurzer Zeit; bitte später erneut versuchen (Retry-After)."),
}

# Path prefix -> tag (the tags are described in SPECTACULAR_SETTINGS["TAGS"]).
TAGS = {
    "auth": "Anmeldung",
    "positions": "Stellen",
    "occupancies": "Stellen",
    "position-costs": "Stellen",
    "pay-grades": "Stellen",
    "pay-grade-costs": "Stellen",
    "programmes": "Förderung",
    "building-blocks": "Förderung",
    "funding-rates": "Förderung",
    "grant-notices": "Förderung",
    "programme-costs": "Förderung",
    "revenue-accounts": "Förderung",
    "year-closings": "Förderung",
    "overview": "Förderung",
    "deadlines": "Förderung",
    "scenarios": "Szenarien",
    "projections": "Fortschreibungen",
    "organisations": "Organisationen",
    "organisational-units": "Stellen",
    "recipient-setup": "Organisationen",
    "forwarding-agreements": "Weiterleitungen",
    "cost-splits": "Weiterleitungen",
    "forecasts": "Kostenprognosen",
    "forecast-attachments": "Kostenprognosen",
    "carrier-payments": "Kostenprognosen",
    "carrier-actuals": "Kostenprognosen",
    "forecast-inbox": "Kostenprognosen",
    "carrier-proofs": "Kostenprognosen",
    "proof-attachments": "Kostenprognosen",
    "settlements": "Abrechnungen",
    "advance-payments": "Abrechnungen",
    "reports": "Berichte",
    "jobs": "Berichte",
}

# Summaries of the standard actions: (model's verbose name, plural) -> text.
ACTION_SUMMARIES = {
    "list": "{plural} auflisten",
    "retrieve": "{name} abrufen",
    "create": "{name} anlegen",
    "update": "{name} ersetzen (alle Felder)",
    "partial_update": "{name} ändern (einzelne Felder)",
    "destroy": "{name} löschen",
}
# Summaries of the extra actions, by the action's name.
EXTRA_SUMMARIES = {
    "submit": _("Einreichen"),
    "check": _("Prüfen (inhaltlich oder rechnerisch)"),
    "approve": _("Freigeben"),
    "return_": _("Zurückgeben (mit Kommentar)"),
    "revise": _("Überarbeiten (neue Fassung)"),
    "effect": _("Auswirkung auf die Kosten"),
    "findings": _("Auffälligkeiten"),
    "compare": _("Vergleichen"),
    "attachments": _("Anhänge"),
    "download": _("Datei herunterladen"),
    "pdf": _("PDF herunterladen"),
    "issue": _("Abrechnung ausstellen"),
    "results": _("Ergebnisse der Fortschreibung"),
    "move_to_recipient": _("Stellen einer Trägerin zum Zuwendungsempfänger verlagern"),
    "cut_block": _("Baustein kürzen"),
    "lower_extra_cost": _("Mehrkosten einer Trägerin senken"),
    "town_employs_own": _("Kommune stellt selbst an"),
    "change_rate": _("Fördersatz ändern"),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with German texts and the error answers of each operation."""

    def _prefix(self) -> str:
        parts = [p for p in self.path.split("/") if p]
        return parts[1] if len(parts) > 1 else ""

    def get_tags(self) -> list[str]:
        return [TAGS.get(self._prefix(), "Förderung")]

    def _model_names(self):
        queryset = getattr(self.view, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is None:
            return None
        return str(model._meta.verbose_name), str(model._meta.verbose_name_plural)

    def get_summary(self):
        action = getattr(self.view, "action", None)
        if action in EXTRA_SUMMARIES:
            return str(EXTRA_SUMMARIES[action])
        names = self._model_names()
        if action in ACTION_SUMMARIES and names and self._model_names_fit():
            name, plural = names
            return ACTION_SUMMARIES[action].format(name=name, plural=plural)
        name = getattr(self.view, "name", None) or self.view.get_view_name()
        return str(name)

    def _model_names_fit(self) -> bool:
        # Views whose queryset is only a placeholder (none()) list something else.
        queryset = self.view.queryset
        return not queryset.query.is_empty()

    def get_response_serializers(self):
        """A write answers with the object as a read shows it (``serializer_class``), not in
        the shape the client sends (``write_serializer_class`` and the like)."""
        action = getattr(self.view, "action", None)
        read = getattr(self.view, "serializer_class", None)
        if action in ("create", "update", "partial_update") and read is not None:
            return read
        return super().get_response_serializers()

    def get_description(self) -> str:
        """The view class's German ``description``; never a (English) docstring: DRF's
        ``@action`` puts the method's docstring on the view instance as its description."""
        return str(getattr(type(self.view), "description", "") or "")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR_COMPONENT,
                type=ResolvedComponent.SCHEMA,
                object=ERROR_COMPONENT,
                schema=ERROR_SCHEMA,
            )
        )
        for code in self.error_codes():
            responses.setdefault(
                code,
                {
                    "description": str(ERRORS[code]),
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
                        }
                    },
                },
            )
        return responses

    def error_codes(self) -> list[str]:
        method = self.method
        has_object = "{" in self.path
        codes = ["400", "403", "404", "429"]
        if method == "DELETE":
            codes.append("409")
        if has_object and method in ("PUT", "PATCH", "DELETE", "POST"):
            codes.append("412")
        return sorted(codes)
