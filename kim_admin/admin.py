"""The Django admin: users, and the one mixin that scopes every model admin to the user.

Every model admin and inline of the project uses :class:`ScopedAdminMixin`, so lists, detail
pages, saves, deletes, history pages and the choices of related fields all go through
``Model.objects.restrict(user, action)`` (``kim_admin.scoping``): "view" for reading, "change"
for writing. An object outside the user's scope answers 404, as in the API.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from kim_admin.models import User
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.versioning import VersionedModel, bump_version

admin.site.site_header = _("KIM-Verwaltung")
admin.site.site_title = _("KIM-Verwaltung")
admin.site.index_title = _("Stammdaten und Planung")
# The tabular inlines of a position (towns, occupancies, costs) need the full width at 1280 px;
# the index page and the breadcrumbs navigate.
admin.site.enable_nav_sidebar = False

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def restrict(queryset: QuerySet, user, action: str) -> QuerySet:
    """``queryset.restrict(user, action)``; models without scoping are for administrators only."""
    if hasattr(queryset, "restrict"):
        return queryset.restrict(user, action)
    if user.is_active and user.role == Role.ADMIN:
        return queryset
    return queryset.none()


class ScopedAdminMixin:
    """Scopes a ``ModelAdmin`` or an inline to what the user may see and change.

    - lists and detail pages show ``restrict(user, "view")``; a POST (save, bulk action)
      works on ``restrict(user, "change")``;
    - a detail, history or delete page of an object outside the scope answers 404;
    - changing or deleting an object needs the model permission *and* the object in the
      "change" scope (inlines check their parent object); a save that would move an object
      out of the scope is refused;
    - the choices of related fields are scoped too, and the ``recipient`` of a non-admin is
      always the user's own organisation.
    """

    # Foreign keys to the recipient: non-admins may only pick their own organisation.
    recipient_fields = ("recipient",)
    # List columns that only tell administrators something (others see one recipient only).
    admin_only_columns = ("recipient",)

    # --- querysets ---------------------------------------------------------------------------

    def get_queryset(self, request):
        action = VIEW if request.method in SAFE_METHODS else CHANGE
        return restrict(super().get_queryset(request), request.user, action)

    def get_object(self, request, object_id, from_field=None):
        """The object in the user's view scope, else 404 (never the admin's redirect)."""
        queryset = restrict(super().get_queryset(request), request.user, VIEW)
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            return queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError):
            raise Http404(
                _("%(name)s nicht gefunden oder nicht in Ihrem Zuständigkeitsbereich.")
                % {"name": model._meta.verbose_name}
            ) from None

    def get_field_queryset(self, db, db_field, request):
        """Choices of foreign keys and many-to-many fields, scoped like everything else."""
        model = db_field.remote_field.model
        queryset = model._default_manager.using(db)
        if db_field.name in self.recipient_fields:
            if request.user.role == Role.ADMIN:
                queryset = queryset.recipients()
            else:
                queryset = queryset.filter(pk=request.user.organisation_id)
        else:
            queryset = restrict(queryset, request.user, VIEW)
        try:
            ordering = self.admin_site.get_model_admin(model).get_ordering(request)
        except admin.sites.NotRegistered:
            ordering = None
        return queryset.order_by(*ordering) if ordering else queryset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Decimals in German: shown as 71.200,00 and 0,5 and typed that way (not 1.000 for one
        full-time post, which a German reader takes for a thousand)."""
        if isinstance(db_field, models.DecimalField) and not db_field.choices:
            kwargs.setdefault("localize", True)
            kwargs.setdefault("widget", forms.TextInput(attrs={"size": 12, "inputmode": "decimal"}))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if request.user.role == Role.ADMIN:
            return columns
        return [c for c in columns if c not in self.admin_only_columns]

    # --- permissions -------------------------------------------------------------------------

    def in_scope(self, request, obj, action: str) -> bool:
        """Whether ``obj`` (of any model) lies in the user's scope for ``action``; cached per
        request, as the admin asks several times per page."""
        if obj is None or obj.pk is None:
            return True
        cache = request.__dict__.setdefault("_kim_scope_cache", {})
        key = (obj._meta.label, obj.pk, action)
        if key not in cache:
            queryset = restrict(type(obj)._default_manager.all(), request.user, action)
            cache[key] = queryset.filter(pk=obj.pk).exists()
        return cache[key]

    def has_add_permission(self, request, *args):
        # Inlines pass the parent object: adding a row changes the parent.
        allowed = super().has_add_permission(request, *args)
        parent = args[0] if args else None
        return allowed and self.in_scope(request, parent, CHANGE)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and self.in_scope(request, obj, CHANGE)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and self.in_scope(request, obj, CHANGE)

    def save_model(self, request, obj, form, change):
        """Backstop: whatever was posted, the saved object must stay in the change scope (the
        admin view runs in a transaction, so refusing here rolls the save back). The version
        moves on like in every other write, so a form opened before this save is refused."""
        if isinstance(obj, VersionedModel):
            bump_version(obj, None)
        super().save_model(request, obj, form, change)
        scoped = restrict(type(obj)._default_manager.all(), request.user, CHANGE)
        if not scoped.filter(pk=obj.pk).exists():
            raise PermissionDenied(
                _("Dieser Datensatz liegt nicht in Ihrem Zuständigkeitsbereich.")
            )

    # --- history (simple_history) ------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # simple_history falls back to the last historical version of objects it cannot find;
        # only administrators may read the history of deleted (or foreign) objects.
        if request.user.role != Role.ADMIN:
            self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method not in SAFE_METHODS and not self.has_change_permission(request, obj):
            # simple_history would save a revert for anyone who may view the history.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def live_rows(formset):
    """The cleaned rows of an inline formset that will exist after the save."""
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class ReadOnlyAdminMixin:
    """Rows that change only through their workflow's services (forecasts, published reports,
    settlement statements), so that no state, check or approval is set around the rules: the
    admin shows them, read only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Base of the project's model admins: scoped, with the change history (simple_history)."""

    list_per_page = 50


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedAdminMixin, admin.StackedInline):
    extra = 0


@admin.register(User)
class UserAdmin(ScopedAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin):
    """Users with their organisation and role (the role is a group; a user holds one)."""

    list_display = (
        "username",
        "full_name",
        "organisation",
        "roles",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_filter = ("groups", "organisation__kind", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email", "organisation__name")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Organisation und Rolle"),
            {
                "fields": ("organisation", "groups"),
                "description": _(
                    "Die Rolle ist eine der Gruppen: finance, coordinator, carrier, town, "
                    "council, admin. Bitte genau eine Rolle vergeben."
                ),
            },
        ),
        (
            _("Berechtigungen"),
            {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")},
        ),
        (_("Wichtige Daten"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Organisation und Rolle"), {"fields": ("organisation", "groups")}),
    )
    # The role groups' names are fixed (kim_admin.roles): no free text.
    recipient_fields = ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("Name"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("Rolle"))
    def roles(self, obj):
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(g.name, g.name)) for g in obj.groups.all())
