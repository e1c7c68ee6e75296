"""Shared pieces of the REST API: the scoped read-only viewset and its permissions.

Every list and detail of the API goes through ``Model.objects.restrict(user, "view")``, the same
scope the pages use; an object outside the scope is not in the queryset, so its URL answers 404.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission

from kim_admin.permissions import RolePermission
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.versioning import parse_etag


class ReadOnlyRolePermission(RolePermission):
    """RolePermission for read-only endpoints: reads need the model's view permission; every
    other method is refused with 405 for any logged-in user (not 403 for one role and 405 for
    another)."""

    perms_map = {
        method: perms
        for method, perms in RolePermission.perms_map.items()
        if method in ("GET", "HEAD", "OPTIONS")
    }


class HasRole(BasePermission):
    """Logged in and holding one of the roles; for endpoints that check their scope themselves."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role is not None)


class RestrictedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail of one model, narrowed to the user's scope.

    ``queryset`` declares the joins (``select_related``, ``prefetch_related``) so that a list
    costs the same number of queries for 10 and for 1,000 rows. ``nested`` names related
    lists the serializer shows, each with the queryset to load them from; they are prefetched
    through ``restrict`` as well, so a nested list never shows a row the user could not fetch
    on its own.

    Filters apply to the list only: a detail URL answers for every object in scope, whatever
    the list's defaults (e.g. "real plan only") would hide.
    """

    permission_classes = [ReadOnlyRolePermission]
    nested: dict = {}

    def get_queryset(self):
        user = self.request.user
        queryset = super().get_queryset().restrict(user, VIEW)
        prefetches = [
            Prefetch(name, queryset=related.restrict(user, VIEW))
            for name, related in self.nested.items()
        ]
        return queryset.prefetch_related(*prefetches) if prefetches else queryset

    def get_view_name(self):
        """The model's German name in the browsable API: "Stellen", "Stelle"."""
        meta = self.queryset.model._meta
        return str(meta.verbose_name if self.detail else meta.verbose_name_plural)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


class KimModelSerializer(serializers.ModelSerializer):
    """Read serializer of the API: ``url`` of the object's detail, ``display`` as the pages
    show it, foreign keys as ids (with slugs and labels declared beside them)."""

    display = serializers.CharField(source="__str__", read_only=True)

    def build_url_field(self, field_name, model_class):
        return serializers.HyperlinkedIdentityField, {
            "view_name": f"api:{model_class._meta.model_name}-detail"
        }


def choice_label(field_name: str) -> serializers.CharField:
    """The German label of a choice field, e.g. ``kind_label`` beside ``kind``."""
    return serializers.CharField(source=f"get_{field_name}_display", read_only=True)


def related_value(path: str) -> serializers.ReadOnlyField:
    """A field of a related object by dotted path, e.g. ``recipient.slug`` or ``block.number``
    (the value as it is: a number stays a number); no related object: null."""
    return serializers.ReadOnlyField(source=path, allow_null=True)


def view_description(view, html=False):
    """The German text shown on the browsable API page: a view's ``description``, never its
    (English, developer-facing) docstring."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    text = str(getattr(view, "description", ""))
    return mark_safe(f"<p>{escape(text)}</p>") if html and text else text


class RestrictedModelViewSet(viewsets.ModelViewSet, RestrictedReadOnlyViewSet):
    """A writable endpoint: reads as :class:`RestrictedReadOnlyViewSet`; writes need the model's
    add/change/delete permission and find their object in the user's *change* scope (outside
    it: 404). Subclasses save through a service inside ``perform_*``; after the write the
    object must still be in the user's change scope, or the transaction is rolled back."""

    permission_classes = [RolePermission]

    def get_queryset(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_queryset()
        return self.queryset.model.objects.restrict(self.request.user, CHANGE)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = self.get_object().etag
        return response

    def expected_version(self):
        """The version the client read (If-Match), None if it sent none; a stale one: 412."""
        return parse_etag(self.request.headers.get("If-Match"))

    def ensure_in_scope(self, obj):
        from rest_framework.exceptions import PermissionDenied

        model = type(obj)
        if not model.objects.restrict(self.request.user, CHANGE).filter(pk=obj.pk).exists():
            raise PermissionDenied(_("Dieses Objekt liegt außerhalb Ihres Zuständigkeitsbereichs."))


def django_errors_to_drf(error):
    """A Django ValidationError (field -> messages) as DRF's 400 body, keys unchanged."""
    from django.core.exceptions import NON_FIELD_ERRORS
    from rest_framework.exceptions import ValidationError
    from rest_framework.settings import api_settings

    detail = {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): messages
        for key, messages in error.message_dict.items()
    }
    return ValidationError(detail)


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = _(
        "Das Objekt wurde inzwischen von jemand anderem geändert. Bitte neu laden und die "
        "Änderung erneut vornehmen."
    )
    default_code = "precondition_failed"
