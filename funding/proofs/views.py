"""Pages of the proof of use (issue 15): the list, opening a proof for a closed year, the
numeric proof with the factual report, its editing, and the XLSX."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from funding.models import ProofOfUse
from funding.proofs import forms, selectors, services
from funding.proofs.filtersets import ProofOfUseFilterSet
from funding.proofs.tables import ProofOfUseTable
from funding.views import SectionListView
from kim_admin import generic
from kim_admin.exports import XLSX_TYPE, xlsx_bytes
from kim_admin.scoping import VIEW
from kim_admin.sections import ServiceEditView


class ProofOfUseListView(SectionListView):
    model = ProofOfUse
    queryset = ProofOfUse.objects.select_related("recipient")
    filterset_class = ProofOfUseFilterSet
    table_class = ProofOfUseTable


class ProofOfUseDetailView(generic.ObjectDetailView):
    model = ProofOfUse
    queryset = ProofOfUse.objects.select_related("recipient")
    template_name = "funding/proofofuse_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["proof"] = selectors.proof_of_use(
            self.object.recipient, self.object.year, timezone.localdate()
        )
        return context


class ProofOfUseEditView(ServiceEditView):
    model = ProofOfUse
    form_class = forms.ProofOfUseForm

    def save_with_service(self, form, expected_version):
        return services.save_proof_of_use(
            form.instance, actor=self.request.user, expected_version=expected_version
        )


class ProofOfUseDeleteView(generic.ObjectDeleteView):
    model = ProofOfUse


class ProofOfUseHistoryView(generic.ObjectHistoryView):
    model = ProofOfUse


def proof_xlsx(request, pk):
    """The numeric proof as XLSX (the shared export helper)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    proof_of_use = get_object_or_404(
        ProofOfUse.objects.restrict(request.user, VIEW).select_related("recipient"), pk=pk
    )
    proof = selectors.proof_of_use(proof_of_use.recipient, proof_of_use.year, timezone.localdate())
    content = xlsx_bytes(
        selectors.XLSX_HEADER, selectors.proof_rows(proof), title=f"Nachweis {proof.year}"
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    filename = f"verwendungsnachweis-{proof.recipient.slug}-{proof.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
