from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender, connection, **kwargs):
    """SQLite: enforce foreign keys and use WAL (settings pass init_command for new files too)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON;")


class KimAdminConfig(AppConfig):
    name = "kim_admin"
    verbose_name = "KIM-Verwaltung"

    def ready(self):
        from django.db.models.signals import post_migrate

        from kim_admin import roles

        connection_created.connect(_sqlite_pragmas)
        post_migrate.connect(roles.sync_role_groups, sender=self)
