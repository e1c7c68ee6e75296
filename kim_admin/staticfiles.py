"""django.contrib.staticfiles' app config, without drf-spectacular-sidecar's Redoc.

Its own module: a second AppConfig in kim_admin/apps.py would stop Django from picking
KimAdminConfig for "kim_admin" by itself.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """Static files without Redoc (4.8 MB the app never serves: the API's documentation page
    is Swagger UI); collectstatic would copy and compress it at every deployment."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "redoc"]
