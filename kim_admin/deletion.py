"""Deleting a row that others still refer to: a German answer that names them, never a 500."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

# Referring rows named per kind; more are counted.
NAMED = 3
REFERENCE_ERRORS = (ProtectedError, RestrictedError)


def delete_refused_message(obj, error: ProtectedError | RestrictedError) -> str:
    """ "„Casemanagement 1“ kann nicht gelöscht werden, solange noch darauf verweisen:
    Prognosezeilen: Prognose 2025 (Caritas …); Zahlungen an Trägerinnen: 2." """
    referrers = getattr(error, "protected_objects", None) or error.restricted_objects
    by_kind: dict[str, list[str]] = defaultdict(list)
    for referrer in referrers:
        by_kind[str(referrer._meta.verbose_name_plural)].append(str(referrer))
    parts = []
    for kind, names in sorted(by_kind.items()):
        shown = ", ".join(names[:NAMED])
        more = len(names) - NAMED
        if more > 0:
            shown += " " + _("und %(n)s weitere") % {"n": more}
        parts.append(f"{kind}: {shown}")
    return _(
        "„%(obj)s“ kann nicht gelöscht werden, solange noch darauf verweisen: %(refs)s. "
        "Bitte diese zuerst löschen oder ändern."
    ) % {"obj": obj, "refs": "; ".join(parts)}
