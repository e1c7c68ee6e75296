"""The page "Fristen": a recipient's deadlines for finance and coordination (administrators
choose a recipient), filtered by state, with the note "eingereicht am" for the application
and the proof of use."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from carriers.models import Organisation
from funding.deadlines import selectors
from funding.deadlines.forms import SubmissionForm
from funding.deadlines.services import deadline_submission_record
from kim_admin import navigation
from kim_admin.roles import PLANNING_ROLES, Role

STATUS_CHOICES = [
    ("", "Alle"),
    ("open", "Offen"),
    *selectors.STATUS_LABELS.items(),
]


class DeadlineListView(LoginRequiredMixin, View):
    """GET: the list; POST: the note that an application or a proof of use was submitted."""

    template_name = "funding/deadlines.html"

    def _recipient(self, request, slug: str | None):
        user = request.user
        if user.role not in PLANNING_ROLES:
            raise PermissionDenied
        if user.role == Role.ADMIN:
            if not slug:
                return None
            recipient = Organisation.objects.recipients().filter(slug=slug).first()
            if recipient is None:
                raise Http404(_("Unbekannter Zuwendungsempfänger."))
            return recipient
        return user.organisation

    def get(self, request, form=None, form_key=None, status=400):
        recipient = self._recipient(request, request.GET.get("recipient"))
        today = timezone.localdate()
        items = selectors.deadlines_for(request.user, today, recipient)
        chosen = request.GET.get("status", "")
        shown = selectors.filter_by_status(items, chosen)
        recipients = (
            list(Organisation.objects.recipients().order_by("name"))
            if request.user.role == Role.ADMIN
            else []
        )
        response = render(
            request,
            self.template_name,
            {
                "title": _("Fristen"),
                "tabs": navigation.FUNDING.tabs_for(request),
                "items": shown,
                "total": len(items),
                "status": chosen,
                "status_choices": STATUS_CHOICES,
                "recipient": recipient,
                "recipients": recipients,
                "today": today,
                "form": form,
                "form_key": form_key,
                # Errors of a note whose row is not shown (filtered out): above the table.
                "form_errors_above": form is not None and not any(d.key == form_key for d in shown),
            },
        )
        if form is not None:
            response.status_code = status
        return response

    def post(self, request):
        form = SubmissionForm(request.POST)
        key = request.POST.get("key", "")
        if not form.is_valid():
            return self.get(request, form=form, form_key=key)
        data = form.cleaned_data
        if request.user.role == Role.ADMIN:
            recipient = (
                Organisation.objects.recipients().filter(pk=data.get("recipient") or 0).first()
            )
            if recipient is None:
                raise Http404(_("Unbekannter Zuwendungsempfänger."))
        else:
            recipient = self._recipient(request, None)
            if recipient is None or not recipient.is_recipient_kind:
                raise PermissionDenied
        try:
            submission = deadline_submission_record(
                recipient=recipient,
                kind=data["kind"],
                year=data["year"],
                submitted_on=data["submitted_on"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                target = field if field in ("submitted_on",) else None
                for message in errors:
                    form.add_error(target, message)
            return self.get(request, form=form, form_key=key)
        messages.success(
            request,
            _("%(what)s %(year)s als eingereicht am %(date)s vermerkt.")
            % {
                "what": submission.get_kind_display(),
                "year": submission.year,
                "date": f"{submission.submitted_on:%d.%m.%Y}",
            },
        )
        return redirect(request.get_full_path())
