"""Sign-in through the city's identity provider (OpenID Connect, mozilla-django-oidc).

The provider says who the person is (``sub``, stable per person: the account is found by it,
never by a name or mail address that can change hands) and which groups they are in. A group
``kim-<role>-<organisation>`` (prefix and claim configurable: ``OIDC_GROUP_PREFIX``,
``OIDC_GROUPS_CLAIM``) gives the role and the organisation, e.g. ``kim-finanzen-leverkusen``;
``kim-admin`` the administration. At every sign-in the role and organisation are taken anew
from the groups, so the provider stays the one place where access is granted and withdrawn.
Nobody gets an account without a group that names a role and a known organisation: the login
page says why in German. Accounts made here have no password of their own.

The local login stays beside it (demo, emergency access); logging out of an account that
signed in here also ends the session at the provider (RP-initiated logout).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from kim_admin.backends import user_with_role
from kim_admin.roles import Role

logger = logging.getLogger(__name__)

SESSION_ERROR = "kim_oidc_error"
# The group's role word (German, as an IT department names groups) -> the role.
ROLE_WORDS = {
    "finanzen": Role.FINANCE,
    "koordination": Role.COORDINATOR,
    "traeger": Role.CARRIER,
    "kommune": Role.TOWN,
    "rat": Role.COUNCIL,
    "admin": Role.ADMIN,
}
# When one person is in several KIM groups: the first of these wins.
ROLE_ORDER = [
    Role.ADMIN,
    Role.FINANCE,
    Role.COORDINATOR,
    Role.COUNCIL,
    Role.CARRIER,
    Role.TOWN,
]


@dataclass(frozen=True)
class Access:
    role: Role
    organisation: object | None  # carriers.models.Organisation
    group: str


def access_from_groups(groups) -> tuple[Access | None, str]:
    """The role and organisation the provider's groups give, or None and a German reason."""
    from carriers.models import Organisation

    prefix = settings.OIDC_GROUP_PREFIX
    if isinstance(groups, str):
        groups = [groups]
    mine = [g for g in (groups or []) if isinstance(g, str) and g.startswith(prefix)]
    if not mine:
        return None, _(
            "Ihr Konto beim Identitätsanbieter ist keiner KIM-Gruppe zugeordnet (z. B. "
            "„%(example)s“). Bitte wenden Sie sich an Ihre IT, damit sie Ihnen eine Gruppe "
            "zuweist; ein Konto wird erst dann angelegt."
        ) % {"example": f"{prefix}finanzen-<organisation>"}
    found, unknown = [], []
    for group in mine:
        word, _sep, slug = group[len(prefix) :].partition("-")
        role = ROLE_WORDS.get(word)
        if role is None:
            unknown.append(group)
            continue
        if role == Role.ADMIN and not slug:
            found.append(Access(role, None, group))
            continue
        organisation = Organisation.objects.filter(slug=slug).first() if slug else None
        if organisation is None:
            unknown.append(group)
            continue
        found.append(Access(role, organisation, group))
    if not found:
        return None, _(
            "Die Gruppe %(groups)s ist in der KIM-Verwaltung unbekannt (keine Rolle oder keine "
            "Organisation dieses Namens). Es wurde kein Konto angelegt. Bitte wenden Sie sich "
            "an Ihre IT."
        ) % {"groups": ", ".join(f"„{g}“" for g in unknown)}
    found.sort(key=lambda access: ROLE_ORDER.index(access.role))
    if len(found) > 1:
        logger.info("several KIM groups %s: %s wins", [a.group for a in found], found[0].group)
    return found[0], ""


class GroupMappingBackend(OIDCAuthenticationBackend):
    """Accounts by the provider's subject id, role and organisation by its groups claim."""

    def _refuse(self, message: str) -> bool:
        request = getattr(self, "request", None)
        if request is not None and hasattr(request, "session"):
            request.session[SESSION_ERROR] = message
        logger.warning("OIDC sign-in refused: %s", message)
        return False

    def verify_claims(self, claims):
        if not claims.get("sub"):
            return self._refuse(_("Der Identitätsanbieter hat keine Kennung (sub) geliefert."))
        access, reason = access_from_groups(claims.get(settings.OIDC_GROUPS_CLAIM))
        if access is None:
            return self._refuse(reason)
        return True

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(oidc_subject=claims["sub"])

    def get_user(self, user_id):
        """The session's user, with its role (``kim_admin.backends.user_with_role``)."""
        return user_with_role(user_id)

    def _username(self, claims) -> str:
        wanted = (claims.get("preferred_username") or claims.get("email") or "").strip()[:120]
        digest = hashlib.sha256(claims["sub"].encode()).hexdigest()[:10]
        if not wanted:
            return f"oidc-{digest}"
        if self.UserModel.objects.filter(username=wanted).exists():
            # A local account has the name: never take it over, add the subject's digest.
            return f"{wanted}-{digest}"
        return wanted

    def create_user(self, claims):
        user = self.UserModel(
            username=self._username(claims),
            oidc_subject=claims["sub"],
        )
        user.set_unusable_password()
        return self._apply(user, claims)

    def update_user(self, user, claims):
        return self._apply(user, claims)

    def _apply(self, user, claims):
        access, reason = access_from_groups(claims.get(settings.OIDC_GROUPS_CLAIM))
        if access is None:  # verify_claims ran first; the groups cannot have changed since
            raise PermissionError(reason)
        user.email = claims.get("email", user.email) or ""
        user.first_name = (claims.get("given_name") or user.first_name or "")[:150]
        user.last_name = (claims.get("family_name") or user.last_name or "")[:150]
        user.organisation = access.organisation
        user._history_user = user if user.pk else None
        user.save()
        group = Group.objects.get(name=access.role.value)
        if list(user.groups.all()) != [group]:
            user.groups.set([group])
        user.__dict__.pop("role", None)
        return user


def provider_logout_url(request) -> str:
    """Where the logout of a user who signed in at the provider goes (RP-initiated logout)."""
    if not settings.OIDC_OP_LOGOUT_ENDPOINT:
        return reverse(settings.LOGOUT_REDIRECT_URL)
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": settings.SITE_URL.rstrip("/") + reverse("login"),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(params)}"


class LoginView(auth_views.LoginView):
    """The local login with the provider's button beside it and the reason of a refusal."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_label"] = settings.OIDC_LABEL
        error = self.request.session.pop(SESSION_ERROR, None)
        if error is None and self.request.GET.get("oidc") == "abgelehnt":
            error = _(
                "Die Anmeldung über den Identitätsanbieter ist fehlgeschlagen. Bitte versuchen "
                "Sie es erneut."
            )
        context["oidc_error"] = error
        return context


@require_POST
def logout(request):
    """Log out here; a user who signed in at the provider is logged out there too."""
    at_provider = settings.OIDC_ENABLED and "oidc_id_token" in request.session
    target = provider_logout_url(request) if at_provider else reverse(settings.LOGOUT_REDIRECT_URL)
    auth.logout(request)
    return HttpResponseRedirect(target)
