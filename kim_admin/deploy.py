"""The settings check at start in production (DEBUG off).

``validate`` collects every problem of the environment and raises one ImproperlyConfigured
whose message lists them in German with the variable to set, so a wrong unit file fails at
once with a clear message instead of answering 400 or 403 to every request later.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

DEV_SECRET = "dev-only-insecure-key-kim-admin"
MIN_SECRET_LENGTH = 50


def origin(url: str) -> str:
    """``https://kim.example.de/app/`` -> ``https://kim.example.de``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def _host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith(".") and (host == pattern[1:] or host.endswith(pattern)):
            return True
    return False


def problems(
    *,
    secret_key: str,
    allowed_hosts: list[str],
    site_url: str,
    csrf_trusted_origins: list[str],
    https: bool,
    oidc: dict | None = None,
) -> list[str]:
    found = []
    if oidc and oidc.get("OIDC_RP_CLIENT_ID"):
        missing = [name for name, value in oidc.items() if not value]
        if missing:
            found.append(
                "OIDC_RP_CLIENT_ID ist gesetzt, es fehlen aber "
                + ", ".join(missing)
                + " (die Adressen stehen in /.well-known/openid-configuration des Anbieters)."
            )
    if not secret_key or secret_key == DEV_SECRET:
        found.append(
            "SECRET_KEY fehlt. Bitte einen zufälligen Schlüssel setzen, z. B. mit "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    elif len(secret_key) < MIN_SECRET_LENGTH or len(set(secret_key)) < 5:
        found.append(
            f"SECRET_KEY ist zu schwach: mindestens {MIN_SECRET_LENGTH} zufällige Zeichen."
        )
    if not allowed_hosts:
        found.append("ALLOWED_HOSTS fehlt: die Rechnernamen, unter denen die App erreichbar ist.")
    elif "*" in allowed_hosts:
        found.append("ALLOWED_HOSTS darf nicht „*“ sein: bitte die Rechnernamen nennen.")
    site = urlsplit(site_url)
    if site.scheme not in ("http", "https") or not site.hostname:
        found.append(
            f"SITE_URL „{site_url}“ ist keine vollständige Adresse wie https://kim.stadt.de."
        )
    else:
        if allowed_hosts and not _host_allowed(site.hostname, allowed_hosts):
            found.append(
                f"Der Rechner von SITE_URL ({site.hostname}) steht nicht in ALLOWED_HOSTS."
            )
        if https and site.scheme != "https":
            found.append("HTTPS=1, aber SITE_URL beginnt nicht mit https://.")
        if origin(site_url) not in csrf_trusted_origins:
            found.append(
                f"CSRF_TRUSTED_ORIGINS enthält {origin(site_url)} (aus SITE_URL) nicht; "
                "ohne ihn scheitert jedes Formular."
            )
    for entry in csrf_trusted_origins:
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            found.append(
                f"CSRF_TRUSTED_ORIGINS: „{entry}“ ist kein Ursprung wie https://kim.stadt.de."
            )
    return found


def validate(**settings) -> None:
    found = problems(**settings)
    if found:
        lines = "\n".join(f"  - {problem}" for problem in found)
        raise ImproperlyConfigured(
            "kim-admin startet nicht: die Einstellungen für den Betrieb (DEBUG=0) sind "
            f"unvollständig.\n{lines}\nSiehe docs/operations.md, „Umgebungsvariablen“."
        )
