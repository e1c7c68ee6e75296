"""The Django admin site: the administration's tool. Named in INSTALLED_APPS (its AppConfig)
so that every ``admin.register`` lands on this site."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig

from kim_admin.roles import Role


class AdminSite(admin.AdminSite):
    """The Django admin is the administration's tool: only the admin role enters it (staff
    flags of other users are ignored; every other role works in the app's pages)."""

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and user.role == Role.ADMIN)


class AdminConfig(DjangoAdminConfig):
    default_site = "kim_admin.admin_site.AdminSite"
