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
        """The user's role: admin for superusers, else the first role group held."""
        if self.is_superuser:
            return Role.ADMIN
        names = set(self.groups.values_list("name", flat=True))
        for role in Role:
            if role.value in names:
                return role
        return None


class HistoryRequest(models.Model):
    """Which request wrote an audit-history entry: its id is in the log line of the request
    (``kim_admin.requestlog``), so an entry of any model's history leads to the request and
    back. A job writes under the id of the request that started it. One row per history
    entry, written by the ``post_create_historical_record`` signal in the entry's own
    transaction (a side table: no model's history table changes)."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, verbose_name=_("Verlauf")
    )
    history_id = models.PositiveBigIntegerField(_("Eintrag"))
    request_id = models.CharField(_("Anfrage-ID"), max_length=64, db_index=True)

    class Meta:
        verbose_name = _("Anfrage eines Verlaufseintrags")
        verbose_name_plural = _("Anfragen der Verlaufseinträge")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "history_id"], name="historyrequest_entry_unique"
            )
        ]

    def __str__(self):
        return f"{self.content_type_id}/{self.history_id}: {self.request_id}"


def record_history_request(sender, history_instance, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    from kim_admin.requestlog import NO_REQUEST, current_request_id

    rid = current_request_id()
    if rid == NO_REQUEST:
        return
    HistoryRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(history_instance)),
        history_id=history_instance.pk,
        request_id=rid,
    )


def history_request_id(history_instance) -> str | None:
    from django.contrib.contenttypes.models import ContentType

    row = HistoryRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(type(history_instance)),
        history_id=history_instance.pk,
    ).first()
    return row.request_id if row else None
