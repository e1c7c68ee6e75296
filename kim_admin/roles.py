"""Roles are Django groups with model permissions; a user has at most one role.

finance, coordinator   edit the plan of their organisation's programme (recipient)
carrier                sees the positions its carrier employs (bound to one carrier)
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
    ("staffing", "positiontown"),
    ("staffing", "occupancy"),
    ("staffing", "positioncost"),
    ("carriers", "forwardingagreement"),
    ("carriers", "costsplit"),
    ("carriers", "costsplitmember"),
]
# Reference data everybody may read and only admins change (shared by all recipients).
REFERENCE_MODELS = [
    ("carriers", "organisation"),
    ("funding", "programme"),
    ("funding", "buildingblock"),
    ("staffing", "paygrade"),
    ("staffing", "paygradecost"),
]

ROLES_WHO_EDIT_PLANS = {Role.FINANCE, Role.COORDINATOR, Role.ADMIN}

# Council reports (reports.PublishedReport): finance and coordinators publish (add), the
# council reads. Nobody changes or deletes one: a correction is a new version.
REPORT_READ = [("reports", "view_publishedreport")]
REPORT_PUBLISH = [("reports", "add_publishedreport")]


def role_permissions():
    """Which (app_label, codename) each role's group holds."""
    read_all = [(app, f"view_{model}") for app, model in PLAN_MODELS + REFERENCE_MODELS]
    edit_plan = [
        (app, f"{action}_{model}")
        for app, model in PLAN_MODELS
        for action in ("add", "change", "delete")
    ]
    reports = REPORT_READ + REPORT_PUBLISH
    return {
        Role.FINANCE: read_all + edit_plan + reports,
        Role.COORDINATOR: read_all + edit_plan + reports,
        Role.CARRIER: read_all,
        Role.TOWN: read_all,
        Role.COUNCIL: read_all + REPORT_READ,
        Role.ADMIN: read_all
        + edit_plan
        + [(app, f"{a}_{m}") for app, m in REFERENCE_MODELS for a in ("add", "change", "delete")]
        + reports,
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
