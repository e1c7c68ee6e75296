"""What a user may see and change: one queryset method, ``restrict(user, action)``.

Pages, API and admin all call it; an object outside the scope is simply not in the queryset,
so looking it up answers 404.
"""

from __future__ import annotations

from django.db import models

from kim_admin.roles import PLANNING_ROLES, ROLES_WHO_EDIT_PLANS, Role

VIEW = "view"
CHANGE = "change"


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to a user's scope.

    Models define ``scope_q(role, organisation_id)`` returning a ``Q`` for the rows the role may
    see; an organisation-bound role without an organisation sees nothing. Rows of a scenario
    (``scenario_path``) are a recipient's confidential planning: whatever a model's own scope
    says, only the planning roles see them (seed 000: the city negotiates with its carriers
    over who pays; a carrier must not read the city's scenarios).
    """

    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = user.role
        if role == Role.ADMIN:
            return self
        if role is None or user.organisation_id is None:
            return self.none()
        if action != VIEW and role not in getattr(
            self.model, "editing_roles", ROLES_WHO_EDIT_PLANS
        ):
            return self.none()
        if action == VIEW:
            q = self.model.scope_q(role, user.organisation_id)
        else:
            q = self.model.change_scope_q(role, user.organisation_id)
        if q is None:
            return self.none()
        if self.model.scenario_path and role not in PLANNING_ROLES:
            q &= models.Q(**{f"{self.model.scenario_path}__isnull": True})
        return self.filter(q)


class ScopedModel(models.Model):
    """Base for models that answer ``scope_q``; reference data visible to every logged-in user.

    ``editing_roles`` may change rows at all (plan data: finance and coordination); a model
    whose rows others write too (a carrier's forecasts) widens it.
    """

    objects = RestrictedQuerySet.as_manager()
    # The path from a row to its scenario ("scenario", "position__scenario"); None: the model
    # has no scenario rows. Every model that reaches a scenario names it (a test checks).
    scenario_path: str | None = None

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, role: Role, organisation_id: int) -> models.Q | None:
        """The rows the role may see; None: none."""
        return models.Q()

    @classmethod
    def change_scope_q(cls, role: Role, organisation_id: int) -> models.Q | None:
        """The rows the role may change; by default the rows it sees."""
        return cls.scope_q(role, organisation_id)


class RecipientScopedModel(ScopedModel):
    """Rows of a recipient's own administration (grant notices, programme costs, accounts,
    scenarios): its finance, coordination and council users see them; carriers and towns not.
    ``recipient_path`` leads from the row to the recipient."""

    recipient_path = "recipient"

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, role, organisation_id):
        if role in (Role.CARRIER, Role.TOWN):
            return None
        return models.Q(**{f"{cls.recipient_path}_id": organisation_id})
