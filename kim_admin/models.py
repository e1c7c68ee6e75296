from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kim_admin.roles import Role


class User(AbstractUser):
    """A person who logs in. Belongs to one organisation; the role is one of the role groups."""

    organisation = models.ForeignKey(
        "carriers.Organisation",
        verbose_name=_("Organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    # The identity provider's stable id of the person (OIDC ``sub``); empty for local logins.
    oidc_subject = models.CharField(
        _("Kennung beim Identitätsanbieter"), max_length=255, unique=True, null=True, blank=True
    )
    # Who may do what is audited too: role changes are group changes. No password hashes.
    history = HistoricalRecords(
        m2m_fields=[AbstractUser.groups.field],
        excluded_fields=["password", "last_login"],
    )

    class Meta:
        verbose_name = _("Benutzer/in")
        verbose_name_plural = _("Benutzer/innen")

    @cached_property
    def role(self) -> Role | None:
        """The user's role: admin for superusers, else the first role group held.

        A user loaded for a request (``kim_admin.backends.with_role``) brings the name of
        that group along (``role_group``); any other user asks for its groups."""
        if self.is_superuser:
            return Role.ADMIN
        if "role_group" in self.__dict__:
            names = {self.role_group}
        else:
            names = set(self.groups.values_list("name", flat=True))
        for role in Role:
            if role.value in names:
                return role
        return None
