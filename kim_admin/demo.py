"""The demo logins: one per role, printed by ``make run``."""

from dataclasses import dataclass

DEMO_PASSWORD = "kim-demo-2024"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str | None
    description: str


DEMO_LOGINS = (
    DemoLogin("finanzen", "finance", "leverkusen", "Finanzverwaltung der Stadt Leverkusen"),
    DemoLogin("koordination", "coordinator", "leverkusen", "KI-Koordination Leverkusen"),
    DemoLogin("caritas", "carrier", "caritas-leverkusen", "Caritasverband Leverkusen (Trägerin)"),
    DemoLogin("awo", "carrier", "awo-leverkusen", "AWO Leverkusen (Trägerin)"),
    DemoLogin("hueckeswagen", "town", "hueckeswagen", "Schloss-Stadt Hückeswagen (Kommune)"),
    DemoLogin("rat", "council", "leverkusen", "Ratsmitglied Leverkusen (nur lesen)"),
    # Seed 003: the county settles between the towns; a town reads its own statements.
    DemoLogin("finanzen-coesfeld", "finance", "kreis-coesfeld", "Finanzverwaltung Kreis Coesfeld"),
    DemoLogin("billerbeck", "town", "billerbeck", "Stadt Billerbeck (Kommune, Region Nord)"),
    DemoLogin("admin", "admin", None, "Administration (alle Daten)"),
)


def ensure_demo_users() -> list[DemoLogin]:
    """Create or reset the demo logins (idempotent)."""
    from django.contrib.auth.models import Group

    from carriers.models import Organisation
    from kim_admin.models import User

    for login in DEMO_LOGINS:
        user, _created = User.objects.get_or_create(username=login.username)
        user.organisation = (
            Organisation.objects.get(slug=login.organisation) if login.organisation else None
        )
        user.first_name = login.description
        # Mails of the forecast workflow go somewhere visible (console backend in development).
        user.email = f"{login.username}@demo.kim-verwaltung.invalid"
        # The Django admin is the administration's tool (kim_admin.security.AdminSite).
        user.is_superuser = user.is_staff = login.role == "admin"
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=login.role)])
    return list(DEMO_LOGINS)
