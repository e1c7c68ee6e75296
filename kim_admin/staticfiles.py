"""The static files finder of the apps, without drf-spectacular-sidecar's Redoc.

Redoc is 4.8 MB the app never serves (the API's documentation page is Swagger UI);
collectstatic would copy and compress it at every deployment. (An AppConfig replacing
"django.contrib.staticfiles" in INSTALLED_APPS would do the same, but tools look for that
name there: pytest-django's live server then serves no static files.)
"""

from django.contrib.staticfiles.finders import AppDirectoriesFinder as DjangoAppDirectoriesFinder

NOT_COLLECTED = ["redoc"]


class AppDirectoriesFinder(DjangoAppDirectoriesFinder):
    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), *NOT_COLLECTED])
