"""Pages of the carriers' proofs of use: the list, a carrier's new proof, its edit page and
attachments, the detail page with the coordinator's checks and review note, the tasks
(reviewer's inbox, carrier's due proofs) and the history.

Views stay thin: they find the proof in the user's scope (404 outside), call one service of
``carriers.proofs.services`` (which checks who may act, the state and the version) or one
selector of ``carriers.proofs.selectors``, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from carriers import filtersets, tables
from carriers.choices import EDITABLE_PROOF_STATES, ProofState
from carriers.forecasts.forms import AttachmentForm, ReturnForm
from carriers.forecasts.services import position_choices
from carriers.forecasts.views import _carriers_of, _disposition
from carriers.models import CarrierProof, ForwardingAgreement, ProofAttachment, ProofLine
from carriers.models.forecasts import ATTACHMENT_MAX_BYTES
from carriers.proofs import selectors, services
from carriers.proofs.forms import ProofCreateForm, ProofEditForm, ReviewForm
from kim_admin import generic, navigation, sections
from kim_admin.forms import STALE_MESSAGE
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.sections import row_history_entries, service_errors
from kim_admin.versioning import VersionConflict

MONEY = DecimalField(max_digits=14, decimal_places=2)
PROOF_QUERYSET = CarrierProof.objects.select_related("carrier", "recipient")


class SectionMixin(sections.SectionMixin):
    section = navigation.FORECASTS


def section_tabs(request):
    return navigation.FORECASTS.tabs_for(request)


def lines_total():
    rows = (
        ProofLine.objects.filter(proof_id=OuterRef("pk"))
        .order_by()
        .values("proof_id")
        .annotate(s=Sum("employer_gross") + Sum("material") + Sum("overhead"))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(0, output_field=MONEY))


class CarrierProofListView(SectionMixin, generic.ObjectListView):
    model = CarrierProof
    queryset = PROOF_QUERYSET.annotate(lines_total=lines_total())
    filterset_class = filtersets.CarrierProofFilterSet
    filter_choices = {"carrier": _carriers_of(CarrierProof)}
    table_class = tables.CarrierProofTable
    template_name = "carriers/forecast_section_list.html"

    def get_empty_text(self):
        if self.request.user.role == Role.CARRIER:
            return _(
                "Noch kein Verwendungsnachweis. Mit „Neu anlegen“ öffnen Sie den Nachweis "
                "eines abgeschlossenen Jahres für einen Weiterleitungsvertrag, vorausgefüllt "
                "mit den Zahlen Ihrer Stellen."
            )
        return _(
            "Noch kein Verwendungsnachweis. Die Trägerinnen legen ihre Nachweise selbst an "
            "und reichen sie ein; sie erscheinen dann hier und unter „Nachweise: Aufgaben“."
        )

    def apply_filter_choices(self, form):
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        if self.request.user.role == Role.CARRIER:
            form.fields.pop("carrier", None)
        super().apply_filter_choices(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = user.role in (Role.CARRIER, Role.ADMIN) and generic.has_model_perm(
            user, CarrierProof, "add"
        )
        context["add_url"] = reverse("carriers:carrierproof_add")
        return context


# --- Create --------------------------------------------------------------------------------------


def _agreements_for(user):
    """The real plan's forwarding agreements a carrier user may prove under."""
    rows = ForwardingAgreement.objects.filter(scenario__isnull=True).select_related("recipient")
    if user.role == Role.ADMIN:
        return list(rows.order_by("recipient__name", "valid_from", "pk"))
    if user.role != Role.CARRIER or user.organisation_id is None:
        return []
    return list(
        rows.filter(carrier_id=user.organisation_id).order_by("recipient__name", "valid_from")
    )


class CarrierProofCreateView(LoginRequiredMixin, View):
    template_name = "carriers/proof_create.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        user = request.user
        if user.role not in (Role.CARRIER, Role.ADMIN) or not generic.has_model_perm(
            user, CarrierProof, "add"
        ):
            raise PermissionDenied
        self.agreements = _agreements_for(user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {}
        if request.GET.get("year", "").isdigit():
            initial["year"] = int(request.GET["year"])
        if request.GET.get("agreement", "").isdigit():
            initial["agreement"] = int(request.GET["agreement"])
        return self.render(ProofCreateForm(initial=initial, agreements=self.agreements))

    def post(self, request):
        form = ProofCreateForm(request.POST, agreements=self.agreements)
        if form.is_valid():
            agreement = next(a for a in self.agreements if a.pk == form.cleaned_data["agreement"])
            try:
                proof = services.proof_create(
                    agreement=agreement, year=form.cleaned_data["year"], actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, service_errors(form, error))
            else:
                messages.success(
                    request,
                    _("Der Nachweis wurde angelegt. Bitte die Zahlen prüfen und ergänzen."),
                )
                return HttpResponseRedirect(reverse("carriers:carrierproof_edit", args=[proof.pk]))
        return self.render(form)

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "title": _("Verwendungsnachweis anlegen"),
                "tabs": section_tabs(self.request),
                "no_agreements": not self.agreements,
            },
            status=status,
        )


# --- Detail --------------------------------------------------------------------------------------


class ProofObjectMixin(LoginRequiredMixin):
    """Finds the proof in the user's view scope: 404 outside."""

    def get_proof(self, pk):
        if not generic.has_model_perm(self.request.user, CarrierProof, "view"):
            raise PermissionDenied
        return get_object_or_404(
            PROOF_QUERYSET.restrict(self.request.user, VIEW).select_related(
                "agreement",
                "submitted_by",
                "content_checked_by",
                "arithmetic_checked_by",
                "reviewed_by",
                "created_by",
            ),
            pk=pk,
        )


def detail_context(request, proof, **extra):
    user = request.user
    figures = selectors.proof_figures(proof)
    is_carrier = services.is_carrier_user_of(user, proof)
    is_reviewer = services.is_reviewer_of(user, proof)
    editable = proof.state in EDITABLE_PROOF_STATES
    submitted = proof.state == ProofState.SUBMITTED
    context = {
        "object": proof,
        "title": f"{proof.label} – {proof.carrier.name}",
        "tabs": section_tabs(request),
        "figures": figures,
        "attachments": list(proof.attachments.defer("content").select_related("uploaded_by")),
        "can_edit": is_carrier and editable,
        "can_submit": is_carrier and editable and bool(figures.lines),
        "can_review": is_reviewer and submitted,
        "can_record": is_reviewer
        and submitted
        and proof.content_checked_at is not None
        and proof.arithmetic_checked_at is not None
        and not services.four_eyes_error(proof, user, services.APPROVAL),
        "four_eyes": {
            step: services.four_eyes_error(proof, user, step)
            for step in (services.CONTENT, services.ARITHMETIC, services.APPROVAL)
        }
        if is_reviewer and submitted
        else {},
        "is_own": user.pk in (proof.submitted_by_id, proof.created_by_id),
        "return_form": ReturnForm(),
        "review_form": ReviewForm(),
        "attachment_form": AttachmentForm(),
        "history_url": reverse("carriers:carrierproof_history", args=[proof.pk]),
    }
    context.update(extra)
    return context


class CarrierProofDetailView(ProofObjectMixin, View):
    template_name = "carriers/proof_detail.html"

    def get(self, request, pk):
        proof = self.get_proof(pk)
        return render(request, self.template_name, detail_context(request, proof))


# --- Edit ----------------------------------------------------------------------------------------


class CarrierProofEditView(ProofObjectMixin, View):
    template_name = "carriers/proof_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.proof = self.get_proof(kwargs["pk"])
        if not services.is_carrier_user_of(request.user, self.proof):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        choices = position_choices(services.proof_positions(self.proof.agreement, self.proof.year))
        return ProofEditForm(data, proof=self.proof, position_choices=choices)

    def get(self, request, pk):
        if self.proof.state not in EDITABLE_PROOF_STATES:
            messages.error(request, _("Dieser Nachweis kann nicht mehr geändert werden."))
            return HttpResponseRedirect(self.proof.get_absolute_url())
        return self.render(self.get_form())

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                services.proof_update(
                    proof=self.proof,
                    actor=request.user,
                    lines=form.line_inputs(),
                    funds_received=form.cleaned_data["funds_received"],
                    own_contribution=form.cleaned_data["own_contribution"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except VersionConflict:
                form.add_error(None, STALE_MESSAGE)
                self.proof.refresh_from_db()
                return self.render(form, status=409)
            except ValidationError as error:
                self.proof.refresh_from_db()
                self.line_errors = error.message_dict.get("lines", [])
                other = {k: v for k, v in error.message_dict.items() if k != "lines"}
                if other:
                    form.add_error(None, service_errors(form, ValidationError(other)))
            else:
                messages.success(request, _("Der Nachweis wurde gespeichert."))
                return HttpResponseRedirect(self.proof.get_absolute_url())
        return self.render(form)

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "formset": form.formset,
                "line_errors": getattr(self, "line_errors", []),
                "object": self.proof,
                "title": f"{self.proof.label} – {self.proof.carrier.name}",
                "tabs": section_tabs(self.request),
            },
            status=status,
        )


# --- Workflow actions ----------------------------------------------------------------------------

DONE = {
    "submit": gettext_lazy("Der Nachweis wurde eingereicht; die KI-Koordination prüft ihn."),
    "check-content": gettext_lazy("Die sachliche Prüfung ist vermerkt."),
    "check-arithmetic": gettext_lazy("Die rechnerische Prüfung ist vermerkt."),
    "review": gettext_lazy("Der Prüfvermerk ist gespeichert; der Nachweis zählt jetzt."),
    "return": gettext_lazy("Der Nachweis wurde an die Trägerin zurückgegeben."),
}


class ProofActionView(ProofObjectMixin, View):
    """POST only: one step of the workflow through its service; errors on the proof's page."""

    def post(self, request, pk, action):
        if action not in DONE:
            raise Http404
        proof = self.get_proof(pk)
        raw = request.POST.get("version", "")
        expected = int(raw) if raw.isdigit() else None
        forms = {
            "return_form": ReturnForm(request.POST if action == "return" else None),
            "review_form": ReviewForm(request.POST if action == "review" else None),
        }
        try:
            result = self.run(action, proof, request.user, expected, forms)
        except VersionConflict:
            return self.error(request, proof, STALE_MESSAGE, forms, status=409)
        except ValidationError as error:
            texts = (
                [t for ts in error.message_dict.values() for t in ts]
                if hasattr(error, "error_dict")
                else error.messages
            )
            form = forms["review_form"] if action == "review" else None
            if form is not None and hasattr(error, "error_dict"):
                for field in ("review_result", "findings", "reviewed_on"):
                    for text in error.message_dict.get(field, []):
                        if (
                            form.is_bound
                            and field in form.fields
                            and text not in form.errors.get(field, [])
                        ):
                            form.add_error(field, text)
            return self.error(request, proof, " ".join(texts), forms)
        messages.success(request, DONE[action])
        return HttpResponseRedirect(result.get_absolute_url())

    def run(self, action, proof, user, expected, forms):
        if action == "submit":
            return services.proof_submit(proof=proof, actor=user, expected_version=expected)
        if action in ("check-content", "check-arithmetic"):
            check = services.CONTENT if action == "check-content" else services.ARITHMETIC
            return services.proof_check(
                proof=proof, actor=user, check=check, expected_version=expected
            )
        if not services.is_reviewer_of(user, proof):
            raise PermissionDenied
        if action == "return":
            form = forms["return_form"]
            if not form.is_valid():
                raise ValidationError({"comment": form.errors["comment"]})
            return services.proof_return(
                proof=proof,
                actor=user,
                comment=form.cleaned_data["comment"],
                expected_version=expected,
            )
        form = forms["review_form"]
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        return services.proof_review(
            proof=proof,
            actor=user,
            result=form.cleaned_data["review_result"],
            findings=form.cleaned_data["findings"],
            reviewed_on=form.cleaned_data["reviewed_on"],
            expected_version=expected,
        )

    def error(self, request, proof, text, forms, status=400):
        proof.refresh_from_db()
        extra = {"action_error": text}
        extra.update({k: f for k, f in forms.items() if f.is_bound})
        return render(
            request,
            "carriers/proof_detail.html",
            detail_context(request, proof, **extra),
            status=status,
        )


# --- Attachments ---------------------------------------------------------------------------------


class ProofAttachmentUploadView(ProofObjectMixin, View):
    def post(self, request, pk):
        proof = self.get_proof(pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.error(request, proof, form)
        upload = form.cleaned_data["file"]
        raw = request.POST.get("version", "")
        try:
            content = upload.read(ATTACHMENT_MAX_BYTES + 1)
            services.proof_attachment_add(
                proof=proof,
                actor=request.user,
                name=upload.name,
                content=content,
                expected_version=int(raw) if raw.isdigit() else None,
            )
        except VersionConflict:
            form.add_error(None, STALE_MESSAGE)
            return self.error(request, proof, form, status=409)
        except ValidationError as error:
            form.add_error(None, service_errors(form, error))
            return self.error(request, proof, form)
        messages.success(request, _("Der Anhang wurde gespeichert."))
        return HttpResponseRedirect(proof.get_absolute_url() + "#anhaenge")

    def error(self, request, proof, form, status=400):
        proof.refresh_from_db()
        return render(
            request,
            "carriers/proof_detail.html",
            detail_context(request, proof, attachment_form=form),
            status=status,
        )


def _attachment(request, pk, action=VIEW):
    if not generic.has_model_perm(request.user, ProofAttachment, "view"):
        raise PermissionDenied
    return get_object_or_404(
        ProofAttachment.objects.restrict(request.user, action).select_related("proof__carrier"),
        pk=pk,
    )


class ProofAttachmentDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        attachment = _attachment(request, pk)
        response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
        response["Content-Disposition"] = _disposition(attachment.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ProofAttachmentDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        attachment = _attachment(request, pk, CHANGE)
        proof = attachment.proof
        try:
            services.proof_attachment_delete(attachment=attachment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Der Anhang wurde entfernt."))
        return HttpResponseRedirect(proof.get_absolute_url() + "#anhaenge")


# --- History and tasks ---------------------------------------------------------------------------


class CarrierProofHistoryView(SectionMixin, generic.ObjectHistoryView):
    model = CarrierProof
    queryset = PROOF_QUERYSET

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = context["entries"]
        entries.extend(row_history_entries(ProofLine, "proof", self.object.pk))
        entries.extend(row_history_entries(ProofAttachment, "proof", self.object.pk))
        entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id))
        entries.reverse()
        return context


class ProofTasksView(LoginRequiredMixin, View):
    """The reviewer's inbox of submitted proofs; the carrier's due proofs."""

    template_name = "carriers/proof_tasks.html"

    def get(self, request):
        user = request.user
        if not generic.has_model_perm(user, CarrierProof, "view"):
            raise PermissionDenied
        reviewer = user.has_perm("carriers.review_carrierproof")
        return render(
            request,
            self.template_name,
            {
                "title": _("Verwendungsnachweise: Aufgaben"),
                "tabs": section_tabs(request),
                "inbox": list(selectors.review_inbox(user)) if reviewer else None,
                "due": selectors.carrier_proofs_due(user) if user.role == Role.CARRIER else None,
            },
        )
