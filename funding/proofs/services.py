"""Writes of the proof of use (issue 15): a proof is opened for a closed year with the factual
report drafted from the data; the coordinator edits the report."""

from __future__ import annotations

from django.db import transaction

from funding.models import ProofOfUse
from funding.proofs.selectors import factual_report_draft
from kim_admin.versioning import bump_version


@transaction.atomic
def save_proof_of_use(
    proof: ProofOfUse, *, actor, expected_version: int | None = None
) -> ProofOfUse:
    """Save a proof of use; a new one gets the factual report drafted from the data where
    none was written. An open year is refused at the year (``ProofOfUse.clean``)."""
    bump_version(proof, expected_version)
    proof.full_clean()
    if proof.pk is None and not proof.factual_report.strip():
        proof.factual_report = factual_report_draft(proof.recipient, proof.year)
    proof._history_user = actor
    proof.save()
    return proof
