"""Pages of the Excel import: template download, upload, preview, apply, result.

Finance, coordinator and admin users import into one recipient's real plan (their own; an
admin chooses); every other role gets 403 on every page. The uploaded bytes are kept between
preview and apply in a file named by a random token; the token, the file's SHA-256, the user
and the recipient are in the user's session, so a token is worth nothing in another session.
The preview records the versions of every row the file touches and a digest of the changes;
the apply parses the same bytes again, validates them again against the database as it is
then, and refuses when anything the preview showed has moved on. All of it or nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from carriers.models import Organisation
from kim_admin.exports import XLSX_TYPE
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE
from kim_admin.versioning import VersionConflict
from staffing.imports.apply import apply_plan, seen_versions
from staffing.imports.columns import SHEETS
from staffing.imports.plan import build_plan, describe_occupancy
from staffing.imports.problems import ImportRefused, NotAnXlsx
from staffing.imports.state import load_state, organisation_keys, referenced_ids
from staffing.imports.template import template_bytes
from staffing.imports.workbook import MAX_FILE_BYTES, check_xlsx, read_workbook
from staffing.models import Occupancy, PayGrade, Position, PositionCost

IMPORT_ROLES = {Role.FINANCE, Role.COORDINATOR, Role.ADMIN}
IMPORT_PERMISSIONS = (
    "staffing.add_position",
    "staffing.change_position",
    "staffing.add_occupancy",
    "staffing.change_occupancy",
    "staffing.delete_occupancy",
    "staffing.add_positioncost",
    "staffing.change_positioncost",
)
SESSION_KEY = "kim_imports"
RESULTS_KEY = "kim_import_results"
MAX_PENDING = 5
MAX_AGE_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_PROBLEMS_SHOWN = 500


def may_import(user) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role in IMPORT_ROLES
        and user.has_perms(IMPORT_PERMISSIONS)
    )


def storage_dir() -> Path:
    path = Path(
        getattr(settings, "KIM_IMPORT_DIR", None)
        or Path(tempfile.gettempdir()) / "kim-admin-import"
    )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _file(token: str) -> Path:
    return storage_dir() / f"{token}.xlsx"


def _remove_file(token: str) -> None:
    _file(token).unlink(missing_ok=True)


def _sweep_old_files() -> None:
    """Uploads nobody applied or discarded: gone after a day."""
    limit = time.time() - MAX_AGE_SECONDS
    for path in storage_dir().glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel-Datei (.xlsx)"),
        help_text=gettext_lazy("Höchstens 5 MB; am besten die ausgefüllte Vorlage."),
        error_messages={
            "required": gettext_lazy("Bitte eine Datei auswählen."),
            "empty": gettext_lazy("Die Datei ist leer."),
        },
    )
    recipient = forms.ModelChoiceField(
        label=gettext_lazy("Zuwendungsempfänger"),
        queryset=Organisation.objects.recipients().order_by("name"),
        to_field_name="slug",
        empty_label=gettext_lazy("– bitte wählen –"),
        error_messages={"required": gettext_lazy("Bitte den Zuwendungsempfänger wählen.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        if user.role != Role.ADMIN:
            del self.fields["recipient"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Die Datei ist größer als %(mb)s MB. Bitte teilen Sie sie auf.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        data = upload.read()
        try:
            check_xlsx(data)
        except NotAnXlsx as error:
            raise forms.ValidationError(str(error)) from None
        self.data_bytes = data
        return upload


class ImportAccessMixin(LoginRequiredMixin):
    """Only roles that edit plans may import; the recipient is the user's own (admins choose)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_import(request.user):
            raise PermissionDenied
        if request.user.role != Role.ADMIN and request.user.organisation_id is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def own_recipient(self):
        user = self.request.user
        return None if user.role == Role.ADMIN else user.organisation


# --- the pending upload, kept between preview and apply --------------------------------------


class PendingMixin(ImportAccessMixin):
    """Finds the upload of ``token`` in the user's session; a missing one answers 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not may_import(request.user):
            return super().dispatch(request, *args, **kwargs)
        token = kwargs["token"]
        entry = request.session.get(SESSION_KEY, {}).get(token) if TOKEN.match(token) else None
        data = None
        if entry and entry.get("user") == request.user.pk:
            try:
                data = _file(token).read_bytes()
            except OSError:
                data = None
            if data is not None and hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                data = None
        if data is None:
            result = request.session.get(RESULTS_KEY, {}).get(token)
            if result and result.get("user") == request.user.pk:
                # Applied already (e.g. the button clicked twice): show what was done.
                return HttpResponseRedirect(reverse("imports:done", args=[token]))
            return render(request, "imports/missing.html", status=404)
        self.token, self.entry, self.data = token, entry, data
        if request.user.role == Role.ADMIN:
            recipient = Organisation.objects.filter(pk=entry["recipient"]).first()
        elif request.user.organisation_id == entry["recipient"]:
            recipient = request.user.organisation  # the page header reads it anyway
        else:
            recipient = None
        if recipient is None:
            return render(request, "imports/missing.html", status=404)
        self.recipient = recipient
        return super().dispatch(request, *args, **kwargs)

    def evaluate(self):
        return evaluate(self.request.user, self.recipient, self.data)

    def save_entry(self, **changes):
        pending = self.request.session.get(SESSION_KEY, {})
        pending[self.token] = {**self.entry, **changes}
        self.request.session[SESSION_KEY] = pending

    def drop_entry(self):
        pending = self.request.session.get(SESSION_KEY, {})
        pending.pop(self.token, None)
        self.request.session[SESSION_KEY] = pending
        _remove_file(self.token)


def evaluate(user, recipient, data: bytes):
    """Parse, load what the file refers to, validate and diff: (plan, state)."""
    parsed = read_workbook(data)
    state = load_state(user, recipient, referenced_ids(parsed), organisation_keys(parsed))
    return build_plan(parsed, state), state


def _report_context(plan) -> dict:
    problems = plan.problems
    return {
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "problem_rows": len({(p.sheet, p.row) for p in problems}),
        "problems_hidden": max(0, len(problems) - MAX_PROBLEMS_SHOWN),
    }


def _format_context() -> dict:
    return {"sheets": SHEETS}


# --- pages -------------------------------------------------------------------------------------


class UploadView(ImportAccessMixin, View):
    template_name = "imports/upload.html"

    def get(self, request):
        return self.render(UploadForm(user=request.user, initial=self.initial()))

    def initial(self):
        slug = self.request.GET.get("empfaenger")
        return {"recipient": slug} if slug else {}

    def post(self, request):
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render(form)
        recipient = form.cleaned_data.get("recipient") or self.own_recipient()
        data = form.data_bytes
        try:
            plan, _state = evaluate(request.user, recipient, data)
        except NotAnXlsx as error:
            form.add_error("file", str(error))
            return self.render(form)
        upload = form.cleaned_data["file"]
        if not plan.ok:
            return self.render(form, plan=plan, filename=upload.name)
        _sweep_old_files()
        token = secrets.token_urlsafe(24)
        path = _file(token)
        path.write_bytes(data)
        path.chmod(0o600)
        pending = request.session.get(SESSION_KEY, {})
        for old in sorted(pending, key=lambda t: pending[t].get("created", 0))[
            : max(0, len(pending) - MAX_PENDING + 1)
        ]:
            pending.pop(old, None)
            _remove_file(old)
        pending[token] = {
            "user": request.user.pk,
            "recipient": recipient.pk,
            "sha256": hashlib.sha256(data).hexdigest(),
            "filename": upload.name[:200],
            "created": time.time(),
            "seen": None,
            "signature": None,
        }
        request.session[SESSION_KEY] = pending
        return HttpResponseRedirect(reverse("imports:preview", args=[token]))

    def render(self, form, plan=None, filename=None, status=200):
        user = self.request.user
        context = {
            "form": form,
            "recipient": self.own_recipient(),
            "is_admin": user.role == Role.ADMIN,
            "recipients": Organisation.objects.recipients().order_by("name")
            if user.role == Role.ADMIN
            else None,
            "selected_recipient": self.request.GET.get("empfaenger", ""),
            "plan": plan,
            "filename": filename,
            **_format_context(),
        }
        if plan is not None:
            context.update(_report_context(plan))
        return render(self.request, self.template_name, context, status=status)


class PreviewView(PendingMixin, View):
    template_name = "imports/preview.html"

    def get(self, request, token):
        plan, state = self.evaluate()
        if not plan.ok:
            # The data moved since the upload and the file no longer fits it.
            return self.render_report(plan, changed_meanwhile=True)
        self.save_entry(seen=seen_versions(plan, state), signature=plan.signature())
        return render(request, self.template_name, self.context(plan))

    def context(self, plan, **extra):
        return {
            "token": self.token,
            "filename": self.entry.get("filename"),
            "recipient": self.recipient,
            "plan": plan,
            "counts": plan.counts(),
            "occupancy_rows": _occupancy_rows(plan),
            "cost_rows": [c for c in plan.costs if c.needs_write],
            **extra,
        }

    def render_report(self, plan, changed_meanwhile=False, status=200):
        context = {
            "token": self.token,
            "filename": self.entry.get("filename"),
            "recipient": self.recipient,
            "plan": plan,
            "changed_meanwhile": changed_meanwhile,
            **_report_context(plan),
            **_format_context(),
        }
        return render(self.request, "imports/report.html", context, status=status)


def _occupancy_rows(plan) -> list[dict]:
    rows = []
    for position in plan.positions:
        diff = position.occupancy_diff
        for new in diff.added:
            rows.append(
                {"position": position, "action": _("neu"), "old": "", "new": new.describe()}
            )
        for old, new in diff.changed:
            rows.append(
                {
                    "position": position,
                    "action": _("geändert"),
                    "old": describe_occupancy(old),
                    "new": new.describe(),
                }
            )
        for old in diff.removed:
            rows.append(
                {
                    "position": position,
                    "action": _("entfernt"),
                    "old": describe_occupancy(old),
                    "new": "",
                }
            )
    return rows


class ApplyView(PreviewView):
    http_method_names = ["post"]

    def post(self, request, token):
        if not self.entry.get("seen"):
            return HttpResponseRedirect(reverse("imports:preview", args=[token]))
        plan, state = self.evaluate()
        if not plan.ok:
            return self.render_report(plan, changed_meanwhile=True, status=409)
        if (
            seen_versions(plan, state) != self.entry["seen"]
            or plan.signature() != self.entry["signature"]
        ):
            return self.stale(plan)
        try:
            summary = apply_plan(plan, state, request.user, seen=self.entry["seen"])
        except VersionConflict:
            return self.stale(plan)
        except ImportRefused as error:
            context = self.context(plan, apply_errors=error.messages)
            return render(request, self.template_name, context, status=400)
        self.drop_entry()
        results = request.session.get(RESULTS_KEY, {})
        results = dict(list(results.items())[-(MAX_PENDING - 1) :]) if results else {}
        results[token] = {
            "user": request.user.pk,
            "recipient": self.recipient.name,
            "filename": self.entry.get("filename"),
            "created": summary.created,
            "changed": summary.changed,
            "counts": summary.counts,
            "at": timezone.localtime().strftime("%d.%m.%Y %H:%M"),
        }
        request.session[RESULTS_KEY] = results
        return HttpResponseRedirect(reverse("imports:done", args=[token]))

    def stale(self, plan):
        context = self.context(plan, stale=True)
        return render(self.request, self.template_name, context, status=409)


class DiscardView(PendingMixin, View):
    http_method_names = ["post"]

    def post(self, request, token):
        self.drop_entry()
        messages.info(request, _("Der Import wurde verworfen; es wurde nichts gespeichert."))
        return HttpResponseRedirect(reverse("imports:upload"))


class DoneView(ImportAccessMixin, View):
    def get(self, request, token):
        result = request.session.get(RESULTS_KEY, {}).get(token)
        if not result or result.get("user") != request.user.pk:
            return render(request, "imports/missing.html", status=404)
        links = [
            {"pk": pk, "title": title, "new": new, **_position_links(request.user, pk)}
            for new, items in ((True, result["created"]), (False, result["changed"]))
            for pk, title in items
        ]
        return render(request, "imports/done.html", {"result": result, "links": links})


def _position_links(user, pk: int) -> dict:
    """Where to look at a written position: its page, else the admin (for staff)."""
    detail = history = None
    for detail_name, history_name in (
        ("staffing:position_detail", "staffing:position_history"),
        ("admin:staffing_position_change", "admin:staffing_position_history"),
    ):
        if detail_name.startswith("admin:") and not user.is_staff:
            continue
        try:
            detail = reverse(detail_name, args=[pk])
            history = reverse(history_name, args=[pk])
            break
        except NoReverseMatch:
            continue
    return {"detail_url": detail, "history_url": history}


def template_download(request):
    """The XLSX template, prefilled with the recipient's real-plan positions (admins:
    ``?empfaenger=<slug>``; without it an empty template)."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('login')}?next={request.get_full_path()}")
    if not may_import(user):
        raise PermissionDenied
    if user.role == Role.ADMIN:
        slug = request.GET.get("empfaenger", "")
        recipient = Organisation.objects.recipients().filter(slug=slug).first() if slug else None
        if slug and recipient is None:
            return render(request, "imports/missing.html", status=404)
    else:
        if user.organisation_id is None:
            raise PermissionDenied
        recipient = user.organisation
    from funding.models import BuildingBlock

    positions, occupancies, costs, employers = [], {}, {}, []
    if recipient is not None:
        positions = list(
            Position.objects.restrict(user, CHANGE)
            .filter(recipient=recipient, scenario__isnull=True)
            .select_related("block", "employer", "pay_grade")
            .order_by("block__number", "title", "pk")
        )
        for occupancy in Occupancy.objects.filter(position__in=positions).order_by("start", "pk"):
            occupancies.setdefault(occupancy.position_id, []).append(occupancy)
        for cost in PositionCost.objects.filter(position__in=positions):
            costs.setdefault(cost.position_id, []).append(cost)
        employers = list(
            Organisation.objects.filter(
                Q(pk=recipient.pk)
                | Q(parent=recipient)
                | Q(carrier_agreements__recipient=recipient)
                | Q(employed_positions__recipient=recipient)
            )
            .distinct()
            .order_by("name")
        )
    data = template_bytes(
        recipient,
        positions,
        occupancies,
        costs,
        employers,
        sorted(set(BuildingBlock.objects.values_list("number", flat=True))),
        list(PayGrade.objects.order_by("code").values_list("code", flat=True)),
    )
    name = (
        f"kim-import-{recipient.slug if recipient else 'vorlage'}-{timezone.localdate():%Y-%m-%d}"
    )
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
