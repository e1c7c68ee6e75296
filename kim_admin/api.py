"""Shared pieces of the REST API: the scoped read-only viewset and its permissions.

Every list and detail of the API goes through ``Model.objects.restrict(user, "view")``, the same
scope the pages use; an object outside the scope is not in the queryset, so its URL answers 404.
"""

from contextlib import contextmanager

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from kim_admin.deletion import REFERENCE_ERRORS, delete_refused_message
from kim_admin.permissions import RolePermission
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.versioning import VersionConflict, bump_version, parse_etag


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
    # Ids are numbers: "/api/reports/abc/" is no route (404), not a ValueError (500).
    lookup_value_regex = "[0-9]+"

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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id that offers and accepts only what the user may see: the browsable
    API's choices and the validation both go through ``restrict`` (an id outside the user's
    scope is "not found", never another organisation's row)."""

    default_error_messages = {
        "does_not_exist": _(
            "„{pk_value}“ gibt es nicht oder es liegt außerhalb Ihres Zuständigkeitsbereichs."
        ),
        "incorrect_type": _("Bitte eine Nummer (ID) angeben, nicht {data_type}."),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request.user, VIEW)
        return queryset


class ScopedModelSerializer(serializers.ModelSerializer):
    """A model serializer whose foreign keys are :class:`ScopedPrimaryKeyRelatedField`."""

    serializer_related_field = ScopedPrimaryKeyRelatedField

    def get_fields(self):
        """The fields, each declared one without a label named after the model's field or
        relation of its name ("Betreute Kommunen" for ``served_towns``): DRF would make up an
        English label from the name ("Served towns") for the browsable API and OPTIONS."""
        fields = super().get_fields()
        meta = self.Meta.model._meta
        for name, field in fields.items():
            source = field.source or name
            if field.label is not None or "." in source:
                continue
            try:
                model_field = meta.get_field(source)
            except FieldDoesNotExist:
                continue
            if model_field.auto_created and not model_field.concrete:  # a reverse relation
                field.label = capfirst(model_field.related_model._meta.verbose_name_plural)
            else:
                field.label = capfirst(model_field.verbose_name)
        return fields


class KimModelSerializer(ScopedModelSerializer):
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

    # A viewset's ``description`` is None unless its route gives one ("None" on the page).
    text = str(getattr(view, "description", None) or "")
    return mark_safe(f"<p>{escape(text)}</p>") if html and text else text


class RestrictedModelViewSet(viewsets.ModelViewSet, RestrictedReadOnlyViewSet):
    """A writable endpoint: reads as :class:`RestrictedReadOnlyViewSet`; writes need the model's
    add/change/delete permission and find their object in the user's *change* scope (outside
    it: 404).

    A subclass declares ``serializer_class`` (what it shows) and ``write_serializer_class``
    (what a client sends: the shape and the scope of the foreign keys, not the model's rules).
    Every write runs in one transaction: the validated data are set on the object,
    :meth:`save_object` (by default: version check, ``full_clean``, save with the user in the
    history; a subclass calls its service instead) saves it, and the object must still be in
    the user's change scope, or nothing is saved. A Django ValidationError answers 400 with its
    German messages by field, a stale ``If-Match`` 412. Responses show the read serializer and
    carry the object's ETag."""

    permission_classes = [RolePermission]
    write_serializer_class = None
    # Related rows deleted with the object (e.g. a notice's blocks), so that the history names
    # the user for them too (a cascade would not).
    delete_rows: tuple[str, ...] = ()

    # True only while a write's own transaction is open (see :meth:`locked`).
    lock_rows = False

    @contextmanager
    def locked(self):
        """The write's transaction, in which ``get_object`` reads the row under a lock: two
        writes of the same row run one after the other, each onto the other's result.

        Outside it nothing is locked: PostgreSQL refuses ``SELECT … FOR UPDATE`` outside a
        transaction, and an OPTIONS of a detail URL (DRF's metadata asks for the object as if
        for a PUT) or a view that reads its row before its transaction must not answer 500."""
        with transaction.atomic():
            self.lock_rows = True
            try:
                yield
            finally:
                self.lock_rows = False

    def get_queryset(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return super().get_queryset()
        queryset = self.queryset.model.objects.restrict(self.request.user, CHANGE).order_by()
        if self.lock_rows:
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_serializer_class(self):
        if self.write_serializer_class and self.request.method in ("POST", "PUT", "PATCH"):
            return self.write_serializer_class
        return self.serializer_class

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

    # --- writes ---------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.write(self.queryset.model(), serializer.validated_data)
        return self.written(obj, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        """Apply the fields the client sent onto the row as it is now: the row is read under
        a lock in the write's own transaction, so two clients changing different fields at
        the same time both keep their change (no lost update, with or without If-Match)."""
        with self.locked():
            obj = self.get_object()
            serializer = self.get_serializer(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            obj = self.write(obj, serializer.validated_data, self.expected_version())
        return self.written(obj)

    def destroy(self, request, *args, **kwargs):
        with self.locked():
            return super().destroy(request, *args, **kwargs)

    def write(self, obj, validated_data, expected_version=None):
        """Set ``validated_data`` on ``obj`` and save it: all of it or nothing."""
        columns = {field.name for field in obj._meta.concrete_fields}
        related = {name: value for name, value in validated_data.items() if name not in columns}
        try:
            with transaction.atomic():
                for name, value in validated_data.items():
                    if name in columns:
                        setattr(obj, name, value)
                self.save_object(obj, expected_version, related)
                # Re-checked inside the transaction: a write may not leave the user's scope.
                self.ensure_in_scope(obj)
        except ValidationError as error:
            raise django_errors_to_drf(error) from error
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict
        return obj

    def save_object(self, obj, expected_version, related):
        """Save ``obj`` with every rule of the model. ``related``: what the client sent that is
        not a column (positions of an agreement, towns of a split); a subclass whose model has
        such parts saves them with its service here."""
        if related:
            # A programming error: the viewset's save_object must save these parts itself.
            raise TypeError(f"{type(self).__name__} does not save {sorted(related)}")
        bump_version(obj, expected_version)
        obj.full_clean()
        obj._history_user = self.request.user
        obj.save()

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                self.delete_object(instance, self.expected_version())
        except VersionConflict as conflict:
            raise PreconditionFailed() from conflict
        except REFERENCE_ERRORS as error:
            raise Conflict(delete_refused_message(instance, error)) from error

    def delete_object(self, obj, expected_version):
        """Delete ``obj`` and the rows named in ``delete_rows`` (they would go with it anyway),
        each with the user in the history; a subclass with a service calls it here."""
        bump_version(obj, expected_version)
        for name in self.delete_rows:
            for row in getattr(obj, name).all():
                row._history_user = self.request.user
                row.delete()
        obj._history_user = self.request.user
        obj.delete()

    def written(self, obj, status_code=status.HTTP_200_OK):
        """The answer to a write: the object as a read shows it, with its ETag."""
        shown = RestrictedReadOnlyViewSet.get_queryset(self).filter(pk=obj.pk).first() or obj
        data = self.serializer_class(shown, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = obj.etag
        return response


def own_recipient(serializer, recipient, message):
    """``validate_recipient`` of a write serializer: a non-admin writes only for its own
    organisation (the recipient of its plan)."""
    user = serializer.context["request"].user
    if recipient is not None and user.role != Role.ADMIN and recipient.id != user.organisation_id:
        raise serializers.ValidationError(message)
    return recipient


def in_change_scope(serializer, obj, message):
    """A related object (e.g. the position of an occupancy) the user may change, else ``message``."""
    if obj is None:
        return obj
    user = serializer.context["request"].user
    if not type(obj).objects.restrict(user, CHANGE).filter(pk=obj.pk).exists():
        raise serializers.ValidationError(message)
    return obj


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


class Conflict(APIException):
    """The write cannot be made as things stand (e.g. a row others still refer to)."""

    status_code = 409
    default_code = "conflict"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = _(
        "Das Objekt wurde inzwischen von jemand anderem geändert. Bitte neu laden und die "
        "Änderung erneut vornehmen."
    )
    default_code = "precondition_failed"
