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
        # No sender: post_migrate is sent once per app, and only after the last one do the
        # permissions of every app exist (auth creates them in its own handler per app).
        post_migrate.connect(roles.sync_role_groups, dispatch_uid="kim_admin.sync_role_groups")
