"""Page machinery that the apps' sections share: tabs, section lists, editing a record with
its rows, ending a record, a history that shows the rows, and a service's errors at a form.

The sections themselves ("Förderung", "Prognosen", "Abrechnungen") are declared in
:mod:`kim_admin.navigation`; an app's pages name their section and get its tabs from here.
Nothing here knows an app's models: tabs name them by label (``"funding.FundingRate"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from kim_admin import generic
from kim_admin.generic import display_value, has_model_perm
from kim_admin.roles import Role
from kim_admin.versioning import bump_version

# --- tabs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    """A sub-page of a section: shown when the user may view ``model`` (and holds
    ``permission`` where one is named) and the model's scope holds rows for the user's role
    (carriers and towns see no grant notices)."""

    label: str
    url_name: str
    model: str  # "app_label.ModelName"
    permission: str = ""

    def visible_to(self, user) -> bool:
        model = apps.get_model(self.model)
        if not has_model_perm(user, model, "view"):
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        if user.role == Role.ADMIN:
            return True
        return (
            user.role is not None
            and user.organisation_id is not None
            and model.scope_q(user.role, user.organisation_id) is not None
        )


@dataclass(frozen=True)
class Section:
    """A main section of the pages with its tabs and the template of its lists (the generic
    list with the section's tabs above it)."""

    name: str
    tabs: tuple[Tab, ...]
    list_template: str

    def tabs_for(self, request) -> list[dict]:
        """The section's sub-pages the user may see, the current one marked."""
        current = request.resolver_match.view_name if request.resolver_match else ""
        return [
            {
                "label": str(tab.label),
                "url": reverse(tab.url_name),
                "current": tab.url_name == current,
            }
            for tab in self.tabs
            if tab.visible_to(request.user)
        ]


class SectionMixin:
    """Puts the section's tabs into a page's context (``section``: a :class:`Section`)."""

    section: Section

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tabs"] = self.section.tabs_for(self.request)
        return context


class SectionListView(SectionMixin, generic.ObjectListView):
    """A list of a section, with its tabs."""

    # Administrators edit reference data in the Django admin; the list links there.
    admin_changelist = None
    # Columns users of one recipient do not need (finance, coordination and council see only
    # their own recipient's rows; carriers and towns may deal with several recipients).
    admin_only_columns: tuple[str, ...] = ("recipient",)

    def get_template_names(self):
        return [self.section.list_template]

    def apply_filter_choices(self, form):
        # One's own recipient is the only one a non-admin sees: no choice to offer.
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        super().apply_filter_choices(form)

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.request.user.role in (Role.FINANCE, Role.COORDINATOR, Role.COUNCIL):
            kwargs["exclude"] = self.admin_only_columns
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.admin_changelist and self.request.user.is_staff:
            context["admin_url"] = reverse(self.admin_changelist)
        return context


# --- editing a record with its rows, ending it ------------------------------------------------


class RowsEditView(generic.ObjectEditView):
    """Edit a record with its rows (a form with ``formset``, see kim_admin.forms.FormWithRows):
    both are validated together and saved in the generic view's one transaction, after the
    version check of the record."""

    def save(self, form):
        bump_version(form.instance, form.read_version if form.instance.pk else None)
        obj = form.save()
        form.formset.instance = obj
        form.formset.save()
        return obj

    def get_extra_context(self, form):
        return {"formset": form.formset}


class EndView(generic.ObjectEditView):
    """Ends a record on a date: an edit page with only the end date."""

    template_name = "generic/object_end.html"

    def get_extra_context(self, form):
        return {"title": _("%(obj)s beenden") % {"obj": self.object}}


def service_errors(form, error: ValidationError) -> ValidationError:
    """A service's errors for ``form.add_error(None, …)``: the keys that are no field of the
    form (rows, checks across rows) become messages above the form."""
    if not hasattr(error, "error_dict"):
        return error
    errors = {}
    for key, messages in error.message_dict.items():
        target = key if key in form.fields else NON_FIELD_ERRORS
        errors.setdefault(target, []).extend(messages)
    return ValidationError(errors)


class ServiceEditView(generic.ObjectEditView):
    """Saves through a service (``save_with_service(form, expected_version)``); its errors
    land at the form: at a field where the key is one, else above the form."""

    def save(self, form):
        expected = form.read_version if form.instance.pk else None
        try:
            return self.save_with_service(form, expected)
        except ValidationError as error:
            raise service_errors(form, error) from None


# --- history with rows ------------------------------------------------------------------------


class RowsHistoryView(generic.ObjectHistoryView):
    """The history of a record together with its rows' (blocks of a notice, towns of a split):
    a row added, changed or removed is an entry of its own, with who did it.

    ``rows``: (row model, name of its key to the record). Changes of the record's positions
    (many-to-many, not in the history tables) are kept as the history record's change reason,
    "Stellen: old → new" (carriers.services), and shown as a change of "Stellen".
    """

    rows: list[tuple[type, str]] = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = context["entries"]
        for entry in entries:
            reason = entry["record"].history_change_reason
            if reason:
                entry["changes"].append(_reason_change(reason))
        for model, key in self.rows:
            entries.extend(row_history_entries(model, key, self.object.pk))
        entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id))
        entries.reverse()
        return context


def _reason_change(reason: str):
    """ "Stellen: A → A, B" as a change of "Stellen"; any other reason as it is."""
    label, _sep, rest = reason.partition(": ")
    old, arrow, new = rest.partition(" → ")
    if not arrow:
        return (_("Anmerkung"), "–", reason)
    return (label, old or "–", new or "–")


def _row_fields(model, key):
    return [
        field
        for field in model._meta.fields
        if field.name not in ("id", key, "version") and not field.name.endswith("_ptr")
    ]


def _describe(fields, record) -> str:
    parts = []
    for field in fields:
        value = getattr(record, field.attname)
        if value is None or value == "":
            continue
        shown = display_value(field, value)
        parts.append(shown if field.is_relation else f"{field.verbose_name} {shown}")
    return ", ".join(parts)


def row_history_entries(model, key, parent_pk) -> list[dict]:
    """The history of the rows of one record (``key``: the rows' key to it), each add,
    change and removal an entry ``{"record", "changes"}`` like the record's own."""
    fields = _row_fields(model, key)
    label = str(model._meta.verbose_name)
    records = list(
        model.history.filter(**{f"{key}_id": parent_pk})
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = []
    previous = {}
    for record in records:
        before = previous.get(record.id)
        if record.history_type == "+" or before is None:
            changes = [(label, "–", _describe(fields, record))]
        elif record.history_type == "-":
            changes = [(label, _describe(fields, record), "–")]
        else:
            delta = record.diff_against(before)
            name = _describe(fields[:1], record)
            changes = [
                (
                    f"{label} ({name}): {model._meta.get_field(change.field).verbose_name}",
                    display_value(model._meta.get_field(change.field), change.old),
                    display_value(model._meta.get_field(change.field), change.new),
                )
                for change in delta.changes
            ]
        previous[record.id] = record
        entries.append({"record": record, "changes": changes})
    return entries
