"""Roles are Django groups with model permissions; a user has at most one role.

finance, coordinator   edit the plan of their organisation's programme (recipient);
                       coordinators also check, return and approve carriers' cost forecasts
carrier                sees the positions its carrier employs (bound to one carrier) and writes
                       its own cost forecasts
town                   sees the positions that concern its town (bound to one town)
council                reads the recipient's data, writes nothing
admin                  everything
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FINANCE = "finance", _("Finanzverwaltung")
    COORDINATOR = "coordinator", _("KI-Koordination")
    CARRIER = "carrier", _("Trägerin")
    TOWN = "town", _("Kommune")
    COUNCIL = "council", _("Rat")
    ADMIN = "admin", _("Administration")


# Models whose rows make up a recipient's plan: finance and coordinators may change them.
PLAN_MODELS = [
    ("funding", "fundingrate"),
    ("funding", "grantnotice"),
    ("funding", "grantnoticeblock"),
    ("funding", "programmecost"),
    ("funding", "revenueaccount"),
    ("funding", "scenario"),
    ("staffing", "position"),
    ("staffing", "organisationalunit"),
    ("staffing", "positiontown"),
    ("staffing", "occupancy"),
    ("staffing", "positioncost"),
    ("carriers", "forwardingagreement"),
    ("carriers", "costsplit"),
    ("carriers", "costsplitmember"),
    ("carriers", "carrierpayment"),
    ("carriers", "advancepayment"),
    ("funding", "yearclosing"),
    ("funding", "projection"),
    ("funding", "projectionpayrise"),
    ("funding", "projectionratechange"),
    ("funding", "projectionpositionchange"),
]
# A carrier's cost statements: the carrier writes them, the KI coordination reviews them,
# the finance staff reads them; towns and the council do not see them.
FORECAST_MODELS = [
    ("carriers", "costforecast"),
    ("carriers", "forecastline"),
    ("carriers", "forecastattachment"),
]
FORECAST_VIEW = [(app, f"view_{model}") for app, model in FORECAST_MODELS]
FORECAST_WRITE = [
    ("carriers", "add_costforecast"),
    ("carriers", "change_costforecast"),
    ("carriers", "add_forecastline"),
    ("carriers", "change_forecastline"),
    ("carriers", "delete_forecastline"),
    ("carriers", "add_forecastattachment"),
    ("carriers", "delete_forecastattachment"),
]
FORECAST_REVIEW = [("carriers", "change_costforecast"), ("carriers", "review_costforecast")]
# A carrier's proofs of use (Verwendungsnachweis): the same split of who writes and who reviews.
PROOF_MODELS = [
    ("carriers", "carrierproof"),
    ("carriers", "proofline"),
    ("carriers", "proofattachment"),
]
PROOF_VIEW = [(app, f"view_{model}") for app, model in PROOF_MODELS]
PROOF_WRITE = [
    ("carriers", "add_carrierproof"),
    ("carriers", "change_carrierproof"),
    ("carriers", "add_proofline"),
    ("carriers", "change_proofline"),
    ("carriers", "delete_proofline"),
    ("carriers", "add_proofattachment"),
    ("carriers", "delete_proofattachment"),
]
PROOF_REVIEW = [("carriers", "change_carrierproof"), ("carriers", "review_carrierproof")]
# Reference data everybody may read and only admins change (shared by all recipients).
REFERENCE_MODELS = [
    ("carriers", "organisation"),
    ("funding", "programme"),
    ("funding", "buildingblock"),
    ("funding", "payrise"),
    ("funding", "baserate"),
    ("staffing", "paygrade"),
    ("staffing", "paygradecost"),
]

# The recipient's dealings with the funder (issue 15: funds calls, payments, the proof of
# use): finance and coordination read and write them; carriers, towns and the council not.
FUNDS_MODELS = [
    ("funding", "fundscall"),
    ("funding", "fundspayment"),
    ("funding", "proofofuse"),
    ("funding", "deadlinesubmission"),
]
FUNDS = [(app, f"{a}_{m}") for app, m in FUNDS_MODELS for a in ("view", "add", "change", "delete")]

ROLES_WHO_EDIT_PLANS = {Role.FINANCE, Role.COORDINATOR, Role.ADMIN}
# Who sees a recipient's scenarios and the projections on them: its confidential planning.
PLANNING_ROLES = frozenset({Role.FINANCE, Role.COORDINATOR, Role.ADMIN})
# The scenarios themselves: other roles do not even hold the view permission, so their pages
# and endpoints refuse them (403) instead of showing an empty list.
PLANNING_VIEW = [("funding", "view_scenario"), ("funding", "view_scenariostep")]
# A scenario's recorded quick changes: written by its services only, read with the scenario.
SCENARIO_STEP_VIEW = [("funding", "view_scenariostep")]

# Council reports (reports.PublishedReport): finance and coordinators publish (add), the
# council reads. Nobody changes or deletes one: a correction is a new version.
REPORT_READ = [("reports", "view_publishedreport")]
REPORT_PUBLISH = [("reports", "add_publishedreport")]
# Settlement statements between the towns of a split (seed 003): everyone in scope reads them,
# finance and coordinators issue them (add). Nobody changes or deletes one: a correction is a
# new version.
SETTLEMENT_READ = [("carriers", "view_settlementstatement")]
SETTLEMENT_ISSUE = [("carriers", "add_settlementstatement")]


def may_draft(user) -> bool:
    """Council reports: drafts (preview, PDF download) and publishing are for finance,
    coordinators and admins, never the council (it sees published reports only)."""
    return bool(
        user.is_authenticated
        and user.role in ROLES_WHO_EDIT_PLANS
        and user.has_perm("reports.add_publishedreport")
    )


def role_permissions():
    """Which (app_label, codename) each role's group holds."""
    read_all = (
        [(app, f"view_{model}") for app, model in PLAN_MODELS + REFERENCE_MODELS]
        + SETTLEMENT_READ
        + SCENARIO_STEP_VIEW
    )
    edit_plan = [
        (app, f"{action}_{model}")
        for app, model in PLAN_MODELS
        for action in ("add", "change", "delete")
    ]
    reports = REPORT_READ + REPORT_PUBLISH
    read_plan = [p for p in read_all if p not in PLANNING_VIEW]
    return {
        Role.FINANCE: read_all
        + edit_plan
        + FORECAST_VIEW
        + PROOF_VIEW
        + reports
        + SETTLEMENT_ISSUE
        + FUNDS,
        Role.COORDINATOR: read_all
        + edit_plan
        + FORECAST_VIEW
        + FORECAST_REVIEW
        + PROOF_VIEW
        + PROOF_REVIEW
        + reports
        + SETTLEMENT_ISSUE
        + FUNDS,
        Role.CARRIER: read_plan + FORECAST_VIEW + FORECAST_WRITE + PROOF_VIEW + PROOF_WRITE,
        Role.TOWN: read_plan,
        Role.COUNCIL: read_plan + REPORT_READ,
        Role.ADMIN: read_all
        + edit_plan
        + FORECAST_VIEW
        + FORECAST_WRITE
        + FORECAST_REVIEW
        + PROOF_VIEW
        + PROOF_WRITE
        + PROOF_REVIEW
        + [(app, f"{a}_{m}") for app, m in REFERENCE_MODELS for a in ("add", "change", "delete")]
        + reports
        + SETTLEMENT_ISSUE
        + FUNDS,
    }


def sync_role_groups(sender=None, **kwargs):
    """Create the role groups and give them exactly their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    wanted = role_permissions()
    perms = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type")
    }
    for role, keys in wanted.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set([perms[k] for k in keys if k in perms])
