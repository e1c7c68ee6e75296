"""Generic pages: list, detail, edit, delete and change history of a scoped model.

Views are declarations (NetBox): a list names its model, FilterSet and Table; an edit page its
form. Permission, scope, version check, audit history and exports come from here:

- reads go through ``restrict(user, "view")``, writes find their object through
  ``restrict(user, "change")``: outside the scope a page answers 404;
- a write needs the model's add/change/delete permission (else 403), is saved in one
  transaction, and the object must still be in the user's change scope afterwards;
- every save checks the version the form was read with (a stale form is refused);
- the history middleware records the user of every change.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from kim_admin.deletion import REFERENCE_ERRORS, delete_refused_message
from kim_admin.exports import FORMATS, JOB_FLAG, export_response, export_sync_rows
from kim_admin.forms import STALE_MESSAGE
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.versioning import VersionConflict, bump_version


def has_model_perm(user, model, action: str) -> bool:
    return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def url_name(model, suffix: str) -> str:
    """URL names follow one pattern: ``<app>:<model>_<suffix>`` (list, add, detail, edit,
    delete, history)."""
    return f"{model._meta.app_label}:{model._meta.model_name}_{suffix}"


class ScopedMixin(LoginRequiredMixin):
    model: type[models.Model]
    queryset = None
    action = VIEW

    def get_queryset(self):
        base = self.queryset if self.queryset is not None else self.model._default_manager.all()
        return base.restrict(self.request.user, self.action)


class QueriedChoices(BaseChoiceIterator):
    """Choices of a filter's select, queried once when the form is rendered (not for an
    export, which renders no form)."""

    def __init__(self, empty_label, rows):
        self.empty_label = empty_label
        self.rows = rows
        self.choices = None

    def __iter__(self):
        if self.choices is None:
            self.choices = [("", self.empty_label), *self.rows()]
        return iter(self.choices)


class OfferedChoice:
    """Validator of a filter shown as a select of queried choices: a value the select does not
    offer (a stale bookmark, a slug mistyped or out of the user's scope) is named next to the
    filter. Without it the list matched nothing while the select showed "Alle". ``also``:
    values the filter understands beyond its options (``?scenario=none``: the real plan)."""

    def __init__(self, choices: QueriedChoices, also=()):
        self.choices = choices
        self.also = frozenset(also)

    def __call__(self, value):
        offered = {str(option) for option, _label in self.choices} | self.also
        if str(value) not in offered:
            raise ValidationError(
                _("„%(value)s“ steht hier nicht zur Auswahl.") % {"value": value},
                code="not_offered",
            )


def offer_choices(field, empty_label, rows, also=()) -> None:
    """Show a filter's field as a select of ``rows()`` (queried once, when the form is checked
    or rendered) and accept only what it offers (``OfferedChoice``)."""
    choices = QueriedChoices(empty_label, rows)
    field.widget = forms.Select(choices=choices)
    field.validators = [*field.validators, OfferedChoice(choices, also)]


class ObjectListView(ScopedMixin, SingleTableMixin, FilterView):
    """A filtered, sortable, paginated list with a totals row and XLSX/CSV export of exactly
    the filtered rows (``?export=xlsx``)."""

    template_name = "generic/object_list.html"
    # Rows per page of the table (not ListView's paginate_by: that would paginate twice).
    per_page = 50
    # {column name: aggregate expression} summed over the filtered rows in one query. A key
    # must not be the name of an annotation of the queryset: aggregate() would replace it.
    totals: dict = {}

    # {filter name: callable(user) -> [(value, label), ...]}: filters whose values are known
    # become selects (the FilterSet stays the API's: slugs and numbers). Only what the user
    # may see belongs in them.
    filter_choices: dict = {}

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        self.apply_filter_choices(filterset.form)
        return filterset

    def apply_filter_choices(self, form):
        user = self.request.user
        for name, rows in self.filter_choices.items():
            if name in form.fields:
                offer_choices(form.fields[name], _("Alle"), lambda rows=rows: rows(user))
        for field in form.fields.values():
            if isinstance(field, forms.NullBooleanField):
                field.widget.choices = [("", _("Alle")), ("true", _("ja")), ("false", _("nein"))]
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field.widget.choices, QueriedChoices
            ):
                field.widget.choices = [
                    ("", _("Alle")),
                    *((value, label) for value, label in field.choices if value),
                ]

    def get_filterset_kwargs(self, filterset_class):
        """Always bound, also without parameters: the plan lists' default (the real plan, not
        the scenarios' copies; kim_admin.filters.PlanFilterSet) applies to bound FilterSets
        only, and a list, its totals and its export must not mix a plan with its copies."""
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_model_perm(request.user, self.model, "view"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    # What an empty list says when nothing is filtered: what will appear here and how (None:
    # the table's "Keine Einträge gefunden.").
    empty_text: str | None = None
    # Query parameters that sort, page or export a list rather than filter it.
    NOT_FILTERS = frozenset({"sort", "page", "export", "per_page"})

    def get_empty_text(self) -> str | None:
        return self.empty_text

    def is_filtered(self) -> bool:
        return any(value for key, value in self.request.GET.items() if key not in self.NOT_FILTERS)

    def get_table_kwargs(self):
        kwargs = {"totals": self.get_totals()} if self.totals else {}
        empty_text = None if self.is_filtered() else self.get_empty_text()
        if empty_text:
            kwargs["empty_text"] = empty_text
        return kwargs

    def get_totals(self):
        queryset = self.object_list if hasattr(self, "object_list") else self.get_queryset()
        return queryset.order_by().aggregate(**self.totals)

    def get_table_pagination(self, table):
        return {"per_page": self.per_page}

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get("export")
        if export_format in FORMATS:
            filterset = self.get_filterset(self.get_filterset_class())
            self.object_list = filterset.qs if filterset.is_valid() else filterset.qs.none()
            if not request.GET.get(JOB_FLAG) and self.object_list.count() > export_sync_rows():
                # A large export is made by the job worker (kim_admin.jobs); its page offers
                # the file.
                from kim_admin.jobs import start_export

                job = start_export(request, str(self.model._meta.verbose_name_plural))
                return HttpResponseRedirect(job.get_absolute_url())
            table = self.get_table_class()(self.object_list, **self.get_table_kwargs())
            RequestConfig(request, paginate=False).configure(table)
            title = str(self.model._meta.verbose_name_plural)
            filename = f"{slugify(title)}-{timezone.localdate():%Y-%m-%d}"
            return export_response(table, export_format, filename, title)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.model._meta.verbose_name_plural,
            can_add=has_model_perm(self.request.user, self.model, "add"),
            add_url=_reverse_or_none(url_name(self.model, "add")),
            export_query=query.urlencode(),
            # The table's paginator has counted the filtered rows already.
            result_count=context["table"].paginator.count,
            filter_active=active_filter_count(context.get("filter"), self.request.GET),
        )
        return context


def active_filter_count(filterset, query) -> int:
    """How many of the list's filters the query sets (the folded filter panel opens then)."""
    if filterset is None:
        return 0
    return sum(1 for name in filterset.form.fields if query.get(name, "").strip())


class ObjectDetailView(ScopedMixin, DetailView):
    template_name = "generic/object_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        user = self.request.user
        in_change_scope = (
            type(obj).objects.restrict(user, CHANGE).filter(pk=obj.pk).exists()
            if has_model_perm(user, type(obj), "change")
            else False
        )
        context.update(
            title=str(obj),
            model_name=obj._meta.verbose_name,
            edit_url=_reverse_or_none(url_name(type(obj), "edit"), obj.pk),
            delete_url=_reverse_or_none(url_name(type(obj), "delete"), obj.pk),
            history_url=_reverse_or_none(url_name(type(obj), "history"), obj.pk),
            list_url=_reverse_or_none(url_name(type(obj), "list")),
            can_change=in_change_scope,
            can_delete=in_change_scope and has_model_perm(user, type(obj), "delete"),
            fields=[
                (field.verbose_name, _display(obj, field))
                for field in obj._meta.fields
                if field.name not in ("id", "version") and not field.name.endswith("_ptr")
            ],
        )
        return context


class ObjectEditView(ScopedMixin, View):
    """Create (no pk) or change an object with its form; saves through :meth:`save`."""

    form_class = None
    template_name = "generic/object_form.html"
    action = CHANGE

    def get_object(self):
        if "pk" not in self.kwargs:
            return self.model()
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        permission = "change" if "pk" in kwargs else "add"
        if not has_model_perm(request.user, self.model, permission):
            raise PermissionDenied
        self.object = self.get_object()
        # The object as stored: binding a form writes the entered values onto ``self.object``,
        # and a refused edit must not show them in the heading as if they were saved.
        self.stored_object = copy.copy(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return self.form_class(
            data, instance=self.object, user=self.request.user, **self.get_form_kwargs()
        )

    def get_form_kwargs(self):
        return {}

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    obj = self.save(form)
                    # A write may not move the object out of the user's scope.
                    if (
                        not type(obj)
                        .objects.restrict(request.user, CHANGE)
                        .filter(pk=obj.pk)
                        .exists()
                    ):
                        raise PermissionDenied
            except VersionConflict:
                form.add_error(None, STALE_MESSAGE)
                return self.render(form, stale=True, status=409)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("„%(obj)s“ wurde gespeichert.") % {"obj": obj})
                return HttpResponseRedirect(self.get_success_url(obj))
        return self.render(form)

    def save(self, form):
        """Default: check the version, then save the form (the model's rules ran in is_valid)."""
        bump_version(form.instance, form.read_version if form.instance.pk else None)
        return form.save()

    def get_success_url(self, obj):
        return obj.get_absolute_url()

    def render(self, form, stale=False, status=200):
        obj = self.stored_object
        context = {
            "form": form,
            "object": obj if obj.pk else None,
            "title": str(obj)
            if obj.pk
            else _("%(model)s anlegen") % {"model": self.model._meta.verbose_name},
            "model_name": self.model._meta.verbose_name,
            "stale": stale,
            "history_url": _reverse_or_none(url_name(self.model, "history"), obj.pk)
            if obj.pk
            else None,
            "cancel_url": obj.get_absolute_url()
            if obj.pk
            else _reverse_or_none(url_name(self.model, "list")),
        }
        context.update(self.get_extra_context(form))
        return render(self.request, self.template_name, context, status=status)

    def get_extra_context(self, form):
        return {}


class ObjectDeleteView(ScopedMixin, View):
    template_name = "generic/object_confirm_delete.html"
    action = CHANGE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_model_perm(request.user, self.model, "delete"):
            raise PermissionDenied
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render()

    def post(self, request, *args, **kwargs):
        obj = self.object
        raw = request.POST.get("version")
        try:
            with transaction.atomic():
                bump_version(obj, int(raw) if raw and raw.isdigit() else None)
                self.delete(obj)
        except VersionConflict:
            return self.render(stale=True, status=409)
        except REFERENCE_ERRORS as error:
            return self.render(refused=delete_refused_message(obj, error), status=409)
        messages.success(request, _("„%(obj)s“ wurde gelöscht.") % {"obj": obj})
        return HttpResponseRedirect(self.get_success_url())

    def delete(self, obj):
        obj.delete()

    def get_success_url(self):
        return reverse(url_name(self.model, "list"))

    def render(self, stale=False, refused="", status=200):
        return render(
            self.request,
            self.template_name,
            {
                "object": self.object,
                "title": str(self.object),
                "model_name": self.model._meta.verbose_name,
                "stale": stale,
                "stale_message": STALE_MESSAGE,
                "refused": refused,
            },
            status=status,
        )


class ObjectHistoryView(ScopedMixin, DetailView):
    """Who changed what when: each history record with the fields it changed, from and to."""

    template_name = "generic/object_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        records = obj.history.select_related("history_user").order_by("history_date", "history_id")
        entries = history_entries(type(obj), records)
        entries.reverse()
        context.update(title=str(obj), model_name=obj._meta.verbose_name, entries=entries)
        return context


def history_entries(model, records) -> list[dict]:
    """The history records of one object, oldest first, each as ``{"record", "changes"}``
    with the fields it changed as (label, old, new) in German (the version left out)."""
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                if change.field == "version":
                    continue
                changes.append(
                    (
                        field.verbose_name,
                        display_value(field, change.old),
                        display_value(field, change.new),
                    )
                )
        entries.append({"record": record, "changes": changes})
        previous = record
    return entries


def _reverse_or_none(name, *args):
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def display_value(field, value):
    """A stored value as users read it (German formats, choice labels, related names)."""
    from kim_admin.formatting import de_date, de_number

    if value is None or value == "":
        return "–"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else f"#{value}"
    if isinstance(field, models.DecimalField):
        return de_number(value, field.decimal_places)
    if isinstance(field, models.DateField):
        return de_date(value)
    if isinstance(field, models.BooleanField):
        return _("ja") if value else _("nein")
    return str(value)


def _display(obj, field):
    value = getattr(obj, field.attname if field.is_relation else field.name)
    if field.is_relation:
        related = getattr(obj, field.name)
        return str(related) if related else "–"
    return display_value(field, value)


def object_urls(
    model,
    prefix: str,
    *,
    list_view,
    detail_view=None,
    edit_view=None,
    delete_view=None,
    history_view=None,
):
    """The pages of one model under ``prefix``, named ``<model>_<list|add|detail|edit|delete|
    history>`` (see :func:`url_name`)."""
    from django.urls import path

    name = model._meta.model_name
    patterns = [path(f"{prefix}/", list_view.as_view(), name=f"{name}_list")]
    if edit_view:
        patterns.append(path(f"{prefix}/neu/", edit_view.as_view(), name=f"{name}_add"))
        patterns.append(
            path(f"{prefix}/<int:pk>/bearbeiten/", edit_view.as_view(), name=f"{name}_edit")
        )
    if detail_view:
        patterns.append(path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if delete_view:
        patterns.append(
            path(f"{prefix}/<int:pk>/loeschen/", delete_view.as_view(), name=f"{name}_delete")
        )
    if history_view:
        patterns.append(
            path(f"{prefix}/<int:pk>/verlauf/", history_view.as_view(), name=f"{name}_history")
        )
    return patterns
