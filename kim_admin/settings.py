"""Settings of kim-admin, read from the environment in this one place.

DATABASE_URL          default: SQLite file ``db.sqlite3`` in the project (WAL mode)
SECRET_KEY            default: a development key (refused when DEBUG is off)
DEBUG                 default: on
ALLOWED_HOSTS         default: localhost, 127.0.0.1
SITE_URL              where users reach the app (links in mails, OIDC redirects)
CSRF_TRUSTED_ORIGINS  default: the origin of SITE_URL
HTTPS                 1: the app is behind TLS (secure cookies, HSTS, the proxy's header)
ACCESSIBILITY_CONTACT_EMAIL / _NAME / _PHONE
                      the feedback contact of the accessibility statement (/barrierefreiheit/)

With DEBUG off the settings are checked at the end of this file (``kim_admin.deploy``),
the OIDC client too when it is configured: every problem is
listed in one German message and the process does not start. docs/operations.md lists every
variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from whitenoise.compress import Compressor

from kim_admin import deploy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make serve` on a machine without systemd: the variables may sit in a .env file (never
# committed); variables already in the environment win.
_ENV_FILE = Path(environ.Env().str("KIM_ENV_FILE", default=str(BASE_DIR / ".env")))
if _ENV_FILE.is_file():
    environ.Env.read_env(_ENV_FILE)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=deploy.DEV_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "testserver"])
# Where the app is reached, for links in mails (the forecast workflow's notifications) and
# the OIDC redirects.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[deploy.origin(SITE_URL)])
HTTPS = env.bool("HTTPS", default=False)
# The feedback contact of the accessibility statement (BITV NRW: a public body names where
# users report barriers); the operator sets its own.
ACCESSIBILITY_CONTACT_NAME = env.str(
    "ACCESSIBILITY_CONTACT_NAME", default="Koordinierungsstelle Kommunales Integrationsmanagement"
)
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="barrierefreiheit@kim-admin.invalid"
)
ACCESSIBILITY_CONTACT_PHONE = env.str("ACCESSIBILITY_CONTACT_PHONE", default="")
if HTTPS:
    # TLS ends at the reverse proxy, which sets X-Forwarded-Proto (docs/operations.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The monitoring asks over plain HTTP on the machine itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the city's domain in the browsers' lists: its owner decides
        # (HSTS_PRELOAD=1), not the app; the check would nag about it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    # The Django admin, entered by the admin role only (kim_admin.admin_site).
    "kim_admin.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "mozilla_django_oidc",
    "kim_admin",
    "carriers",
    "funding",
    "staffing",
    "reports",
    "kim_admin.jobqueue",
]

MIDDLEWARE = [
    # First: every request gets its id before anything can log.
    "kim_admin.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kim_admin.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: it answers a locked login with kim_admin.security.lockout_response.
    "axes.middleware.AxesMiddleware",
]

# Login protection (kim_admin/security.py): after 10 failed logins of one username from one
# address, that combination is locked until an admin unlocks it or the cool-off has passed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with its permission lookup in one statement (kim_admin/backends.py).
    "kim_admin.backends.PermissionBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kim_admin.security.lockout_response"
AXES_VERBOSE = False
if not DEBUG:
    # Static files from the app itself (compressed, hashed names), before the sessions;
    # in development runserver serves them from the source folders.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "kim_admin.urls"
WSGI_APPLICATION = "kim_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kim_admin.context_processors.waiting_work",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a command writes; see kim_admin/apps.py.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # A transaction takes SQLite's write lock when it begins, not at its first write: a write
    # that reads its row first (kim_admin.api: no lost update) then reads it after the writer
    # before it, as PostgreSQL's SELECT … FOR UPDATE does.
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
else:
    # Persistent connections (each gunicorn worker keeps one), checked before reuse so a
    # restarted database server costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "kim_admin.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CSRF_FAILURE_VIEW = "kim_admin.errors.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# German UI, English identifiers.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch")]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["kim_admin.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The apps' static files without what the app never serves (kim_admin.staticfiles).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "kim_admin.staticfiles.AppDirectoriesFinder",
]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: whitenoise serves what collectstatic wrote, gzip-compressed and with the
    # content's hash in the name (cached for a year). Development reads the source files.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Source maps (Swagger UI's, 2.5 MB) are for the browser's developer tools: not worth
# compressing at every collectstatic.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's token authentication, the user loaded with its role (kim_admin/backends.py).
        "kim_admin.backends.RoleTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kim_admin.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kim_admin.rest.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "kim_admin.rest.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON for clients; the browsable API (a browser's Accept: text/html) in German.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "kim_admin.rest.BrowsableAPIRenderer",
    ],
    # ISO 8601 as answered; 16.12.2024 as typed into the browsable API's forms.
    "DATE_INPUT_FORMATS": ["iso-8601", "%d.%m.%Y"],
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": True,
    # Bounded use: scripts get generous rates, guessing and scraping do not.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="3000/minute"),
    },
    "VIEW_DESCRIPTION_FUNCTION": "kim_admin.api.view_description",
    "EXCEPTION_HANDLER": "kim_admin.rest.exception_handler",
    # OpenAPI 3 from the views themselves, with the German error answers (kim_admin.schema).
    "DEFAULT_SCHEMA_CLASS": "kim_admin.schema.AutoSchema",
}

# /api/schema/ and /api/docs/ (drf-spectacular). Swagger UI comes from the sidecar package as
# the app's own static files, never from a CDN. Who may use the API may read its description:
# the schema holds no data, only the shape of the endpoints, but it is no page for strangers.
SPECTACULAR_SETTINGS = {
    "TITLE": "KIM-Verwaltung: Schnittstelle",
    "DESCRIPTION": (
        "Die REST-Schnittstelle der KIM-Verwaltung (Kommunales Integrationsmanagement NRW): "
        "Stellen, Besetzungen und Kosten, Förderung, Weiterleitungen an Trägerinnen, "
        "Kostenaufteilungen, Kostenprognosen, Abrechnungen und Berichte. Jede Liste und jeder "
        "Datensatz ist auf den Zuständigkeitsbereich der angemeldeten Person beschränkt; "
        "ein Datensatz außerhalb davon antwortet mit 404. Anmeldung mit Sitzung (Browser) "
        "oder Token: `POST /api/auth/token/` mit `username` und `password`, danach der Kopf "
        "`Authorization: Token <token>`. Änderungen prüfen die Version über `If-Match` "
        "(ETag der letzten Antwort; veraltet: 412). Fehler kommen als JSON mit deutschen "
        "Meldungen: `detail` oder Meldungen je Feld."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["kim_admin.api.HasRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayOperationId": False},
    # Choice sets that share a field name ("kind", "category") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "funding.choices.OrganisationKind",
        "ForecastKindEnum": "carriers.choices.ForecastKind",
        "FundingKindEnum": "funding.choices.FundingKind",
        "RevenueCategoryEnum": "funding.choices.RevenueCategory",
        "ProgrammeCostCategoryEnum": "funding.choices.ProgrammeCostCategory",
        "ScenarioStepKindEnum": "funding.choices.ScenarioStepKind",
        "NoticeKindEnum": "funding.choices.NoticeKind",
        "UnitKindEnum": "staffing.models.UnitKind",
    },
    "TAGS": [
        {"name": "Anmeldung", "description": "Token für Skripte."},
        {"name": "Stellen", "description": "Stellen, Besetzungen, Stellenkosten, Entgeltgruppen."},
        {
            "name": "Förderung",
            "description": "Programme, Bausteine, Fördersätze, Bescheide, Programmkosten, Ertragskonten, Jahresabschlüsse, Kostenübersicht.",
        },
        {
            "name": "Szenarien",
            "description": "Szenarien (Kopien des Plans), ihre Schnellaktionen und der Vergleich.",
        },
        {
            "name": "Fortschreibungen",
            "description": "Fortschreibungen des Plans und ihre Ergebnisse.",
        },
        {"name": "Organisationen", "description": "Kreise, Städte, Kommunen und Trägerinnen."},
        {
            "name": "Weiterleitungen",
            "description": "Weiterleitungsverträge und Kostenaufteilungen.",
        },
        {
            "name": "Kostenprognosen",
            "description": "Kostenprognosen und Ist-Abrechnungen der Trägerinnen, Anhänge, Zahlungen, Posteingang; Verwendungsnachweise der Trägerinnen mit Prüfvermerk.",
        },
        {
            "name": "Abrechnungen",
            "description": "Abrechnungen zwischen den Kommunen und Abschlagszahlungen.",
        },
        {"name": "Berichte", "description": "Veröffentlichte Berichte für den Rat und Aufträge."},
    ],
}

DJANGO_TABLES2_TEMPLATE = "generic/table.html"

# Council reports (reports/): the largest report one may render; beyond it the form says so.
REPORTS_MAX_POSITIONS = env.int("REPORTS_MAX_POSITIONS", default=2000)
REPORTS_MAX_PAGES = env.int("REPORTS_MAX_PAGES", default=300)
# A list export of more rows than this is made by the job worker (kim_admin.jobs).
EXPORT_SYNC_ROWS = env.int("EXPORT_SYNC_ROWS", default=2000)

# Mails leave through the job queue (kim_admin.jobqueue.mail): a slow mail server never holds a page.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="kim_admin.jobqueue.mail.QueuedEmailBackend")
# How the job delivers them: console in development, SMTP in production.
EMAIL_DELIVERY_BACKEND = env.str(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kim-admin@localhost")

# Background jobs (jobs/): django-tasks with its database backend; the worker is
# ``manage.py run_worker`` (make run starts one beside the development server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# ``/healthz`` answers 503 when a job has waited longer than this for the worker.
JOBS_MAX_WAIT_SECONDS = env.int("JOBS_MAX_WAIT_SECONDS", default=600)

# Sign-in through the city's identity provider (kim_admin.oidc); off while no client id.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
# The claim with the user's groups, and the groups' shape: kim-<role>-<organisation slug>.
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_GROUP_PREFIX = env.str("OIDC_GROUP_PREFIX", default="kim-")
OIDC_LABEL = env.str("OIDC_LABEL", default="Mit dem Konto der Verwaltung anmelden")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the logout at the provider (id_token_hint)
OIDC_OP_LOGOUT_URL_METHOD = "kim_admin.oidc.provider_logout_url"
OIDC_TIMEOUT = 10
# The ID token's key id must match a key of the JWKS (every production provider sets one).
OIDC_VERIFY_KID = env.bool("OIDC_VERIFY_KID", default=True)
LOGIN_REDIRECT_URL_FAILURE = "/login/?oidc=abgelehnt"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("kim_admin.oidc.GroupMappingBackend")

if not DEBUG:
    deploy.validate(
        secret_key=SECRET_KEY,
        allowed_hosts=ALLOWED_HOSTS,
        site_url=SITE_URL,
        csrf_trusted_origins=CSRF_TRUSTED_ORIGINS,
        https=HTTPS,
        oidc={
            "OIDC_RP_CLIENT_ID": OIDC_RP_CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
            "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
            "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
            "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
        },
    )

# One line per request with its id (kim_admin.requestlog); the id is in every log line of
# the request and stored with every audit-history entry it wrote.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kim_admin.requestlog.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "kim_admin.request": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
        "jobs": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
        "django.tasks": {"level": "WARNING"},
    },
}
