"""Pages of carriers' cost forecasts and actual statements, the recipient's payments to
carriers, the year closings, the reviewer's inbox and the carrier's due list.

Views stay thin: they find the object in the user's scope (404 outside), call one service of
``carriers.forecasts.services`` (which checks who may act, the state and the version) or one
selector of ``carriers.forecasts.selectors``, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from carriers import filtersets, tables
from carriers.choices import EDITABLE_FORECAST_STATES, ForecastKind, ForecastState
from carriers.forecasts import selectors, services
from carriers.forecasts.forms import (
    AttachmentForm,
    CarrierPaymentForm,
    ForecastCreateForm,
    ForecastEditForm,
    ReturnForm,
)
from carriers.models import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
    Organisation,
)
from carriers.models.forecasts import ATTACHMENT_MAX_BYTES
from kim_admin import generic, navigation, sections
from kim_admin.forms import STALE_MESSAGE
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE, VIEW
from kim_admin.sections import row_history_entries, service_errors
from kim_admin.versioning import VersionConflict

MONEY = DecimalField(max_digits=14, decimal_places=2)

FORECAST_QUERYSET = CostForecast.objects.select_related("carrier", "recipient")


class SectionMixin(sections.SectionMixin):
    section = navigation.FORECASTS


def section_tabs(request):
    return navigation.FORECASTS.tabs_for(request)


def _carriers_of(model):
    def rows(user):
        return (
            Organisation.objects.filter(pk__in=model.objects.restrict(user).values("carrier_id"))
            .order_by("name")
            .values_list("slug", "name")
        )

    return rows


# --- List ----------------------------------------------------------------------------------------


def lines_total():
    rows = (
        ForecastLine.objects.filter(forecast_id=OuterRef("pk"))
        .order_by()
        .values("forecast_id")
        .annotate(s=Sum("employer_gross") + Sum("material") + Sum("overhead"))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(0, output_field=MONEY))


class CostForecastListView(SectionMixin, generic.ObjectListView):
    model = CostForecast
    queryset = FORECAST_QUERYSET.annotate(lines_total=lines_total())
    filterset_class = filtersets.CostForecastFilterSet
    filter_choices = {"carrier": _carriers_of(CostForecast)}
    table_class = tables.CostForecastTable
    template_name = "carriers/forecast_section_list.html"

    def get_empty_text(self):
        if self.request.user.role == Role.CARRIER:
            return _(
                "Noch keine Prognose. Mit „Neu anlegen“ öffnen Sie eine Kostenprognose für ein "
                "Jahr, vorausgefüllt mit den Zahlen Ihrer Stellen; nach dem Einreichen prüft "
                "sie die KI-Koordination."
            )
        return _(
            "Noch keine Prognose. Die Trägerinnen legen ihre Kostenprognosen und "
            "Ist-Abrechnungen selbst an und reichen sie ein; sie erscheinen dann hier und im "
            "Eingang unter „Aufgaben“."
        )

    def apply_filter_choices(self, form):
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        if self.request.user.role == Role.CARRIER:
            form.fields.pop("carrier", None)
        super().apply_filter_choices(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_add"] = user.role in (Role.CARRIER, Role.ADMIN) and generic.has_model_perm(
            user, CostForecast, "add"
        )
        context["add_url"] = reverse("carriers:costforecast_add")
        return context


# --- Create --------------------------------------------------------------------------------------


def _recipients_for(user):
    """Where a carrier user may open a statement: the recipients it holds positions of."""
    from staffing.models import Position

    if user.role == Role.ADMIN:
        return list(Organisation.objects.filter(kind__in=("county", "county_free_city")))
    if user.role != Role.CARRIER or user.organisation_id is None:
        return []
    ids = Position.objects.filter(employer_id=user.organisation_id, scenario__isnull=True).values(
        "recipient_id"
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


class CostForecastCreateView(LoginRequiredMixin, View):
    template_name = "carriers/forecast_create.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        user = request.user
        if user.role not in (Role.CARRIER, Role.ADMIN) or not generic.has_model_perm(
            user, CostForecast, "add"
        ):
            raise PermissionDenied
        self.recipients = _recipients_for(user)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {}
        if request.GET.get("year", "").isdigit():
            initial["year"] = int(request.GET["year"])
        return self.render(ForecastCreateForm(initial=initial, recipients=self.recipients))

    def post(self, request):
        form = ForecastCreateForm(request.POST, recipients=self.recipients)
        if form.is_valid():
            carrier = self._carrier(request, form)
            if carrier is not None:
                try:
                    forecast = services.forecast_create(
                        recipient=Organisation.objects.get(pk=form.cleaned_data["recipient"]),
                        carrier=carrier,
                        year=form.cleaned_data["year"],
                        kind=form.cleaned_data["kind"],
                        title=form.cleaned_data["title"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    form.add_error(None, service_errors(form, error))
                else:
                    messages.success(
                        request,
                        _("Die Prognose wurde angelegt. Bitte die Zeilen prüfen und ergänzen."),
                    )
                    return HttpResponseRedirect(
                        reverse("carriers:costforecast_edit", args=[forecast.pk])
                    )
        return self.render(form)

    def _carrier(self, request, form):
        if request.user.role == Role.CARRIER:
            return request.user.organisation
        # An administrator acts for a carrier named in the query string.
        slug = request.POST.get("carrier") or request.GET.get("carrier")
        carrier = Organisation.objects.filter(slug=slug, kind="carrier").first()
        if carrier is None:
            form.add_error(None, _("Bitte die Trägerin angeben (?carrier=kürzel)."))
        return carrier

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "title": _("Kostenprognose anlegen"),
                "no_recipients": not self.recipients,
            },
            status=status,
        )


# --- Detail --------------------------------------------------------------------------------------


class ForecastObjectMixin(LoginRequiredMixin):
    """Finds the forecast in the user's view scope: 404 outside."""

    def get_forecast(self, pk):
        if not generic.has_model_perm(self.request.user, CostForecast, "view"):
            raise PermissionDenied
        return get_object_or_404(
            FORECAST_QUERYSET.restrict(self.request.user, VIEW).select_related(
                "submitted_by",
                "content_checked_by",
                "arithmetic_checked_by",
                "decided_by",
                "created_by",
                "revision_of",
            ),
            pk=pk,
        )


def forecast_lines(forecast):
    return list(
        forecast.lines.select_related("position__block", "position__pay_grade").order_by(
            "position__block__number", "position__title", "pk"
        )
    )


class CostForecastDetailView(ForecastObjectMixin, View):
    template_name = "carriers/forecast_detail.html"

    def get(self, request, pk):
        forecast = self.get_forecast(pk)
        return render(request, self.template_name, detail_context(request, forecast))


def detail_context(request, forecast, **extra):
    user = request.user
    lines = forecast_lines(forecast)
    # One engine run serves the effect and the content hints.
    overview = selectors.statement_overview(forecast, lines)
    effect = selectors.forecast_effect(forecast, lines, overview)
    effects = {e.position_id: e for e in effect.lines}
    is_carrier = services.is_carrier_user_of(user, forecast)
    is_reviewer = services.is_reviewer_of(user, forecast)
    editable = forecast.state in EDITABLE_FORECAST_STATES
    versions = list(
        CostForecast.objects.restrict(user)
        .filter(
            recipient=forecast.recipient,
            carrier=forecast.carrier,
            year=forecast.year,
        )
        .exclude(pk=forecast.pk)
        .order_by("kind", "-number")
    )
    context = {
        "object": forecast,
        "title": f"{forecast.label_with_year} – {forecast.carrier.name}",
        "tabs": section_tabs(request),
        "lines": [(line, effects.get(line.position_id)) for line in lines],
        "effect": effect,
        "findings": selectors.forecast_findings(forecast, lines, overview)
        if (is_reviewer or is_carrier) and forecast.state != ForecastState.SUPERSEDED
        else [],
        "attachments": list(forecast.attachments.defer("content").select_related("uploaded_by")),
        "versions": versions,
        "can_edit": is_carrier and editable,
        "can_submit": is_carrier and editable and bool(lines),
        # A returned statement is edited and submitted again as it is ("Bearbeiten",
        # "Einreichen"); "Überarbeiten" opens the next version of an approved one.
        "can_revise": is_carrier and forecast.state == ForecastState.APPROVED,
        "can_review": is_reviewer and forecast.state == ForecastState.SUBMITTED,
        "can_approve": is_reviewer
        and forecast.state == ForecastState.SUBMITTED
        and forecast.content_checked_at is not None
        and forecast.arithmetic_checked_at is not None
        and not services.four_eyes_error(forecast, user, services.APPROVAL),
        "four_eyes": {
            step: services.four_eyes_error(forecast, user, step)
            for step in (services.CONTENT, services.ARITHMETIC, services.APPROVAL)
        }
        if is_reviewer and forecast.state == ForecastState.SUBMITTED
        else {},
        # The recipient's whole year includes other carriers' figures: not for carriers.
        "show_recipient_year": user.role != Role.CARRIER,
        "is_own": user.pk in (forecast.submitted_by_id, forecast.created_by_id),
        "return_form": ReturnForm(),
        "attachment_form": AttachmentForm(),
        "history_url": reverse("carriers:costforecast_history", args=[forecast.pk]),
        "states": ForecastState,
        "kinds": ForecastKind,
    }
    context.update(extra)
    return context


# --- Edit ----------------------------------------------------------------------------------------


class CostForecastEditView(ForecastObjectMixin, View):
    template_name = "carriers/forecast_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.forecast = self.get_forecast(kwargs["pk"])
        if not services.is_carrier_user_of(request.user, self.forecast):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def position_choices(self):
        f = self.forecast
        return services.position_choices(services.carrier_positions(f.recipient, f.carrier, f.year))

    def get_form(self, data=None):
        return ForecastEditForm(
            data, forecast=self.forecast, position_choices=self.position_choices()
        )

    def get(self, request, pk):
        if self.forecast.state not in EDITABLE_FORECAST_STATES:
            messages.error(request, _("Diese Prognose kann nicht mehr geändert werden."))
            return HttpResponseRedirect(self.forecast.get_absolute_url())
        return self.render(self.get_form())

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                services.forecast_update(
                    forecast=self.forecast,
                    actor=request.user,
                    lines=form.line_inputs(),
                    title=form.cleaned_data["title"],
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                )
            except VersionConflict:
                form.add_error(None, STALE_MESSAGE)
                self.forecast.refresh_from_db()
                return self.render(form, status=409)
            except ValidationError as error:
                # The service set the refused title on our copy: the heading shows the stored.
                self.forecast.refresh_from_db()
                self.line_errors = error.message_dict.get("lines", [])
                other = {k: v for k, v in error.message_dict.items() if k != "lines"}
                if other:
                    form.add_error(None, service_errors(form, ValidationError(other)))
            else:
                messages.success(request, _("Die Prognose wurde gespeichert."))
                return HttpResponseRedirect(self.forecast.get_absolute_url())
        return self.render(form)

    def render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "formset": form.formset,
                "line_errors": getattr(self, "line_errors", []),
                "object": self.forecast,
                "title": f"{self.forecast.label_with_year} – {self.forecast.carrier.name}",
                "tabs": section_tabs(self.request),
            },
            status=status,
        )


# --- Workflow actions ----------------------------------------------------------------------------


class ForecastActionView(ForecastObjectMixin, View):
    """POST only: one step of the workflow through its service; the result is shown on the
    forecast's page (errors there too, next to the actions)."""

    def post(self, request, pk, action):
        if action not in DONE:
            raise Http404
        forecast = self.get_forecast(pk)
        raw = request.POST.get("version", "")
        expected = int(raw) if raw.isdigit() else None
        return_form = ReturnForm(request.POST if action == "return" else None)
        try:
            result = self.run(action, forecast, request, expected, return_form)
        except VersionConflict:
            return self.error(request, forecast, STALE_MESSAGE, status=409)
        except ValidationError as error:
            texts = (
                [t for ts in error.message_dict.values() for t in ts]
                if hasattr(error, "error_dict")
                else error.messages
            )
            return self.error(request, forecast, " ".join(texts), return_form=return_form)
        messages.success(request, DONE[action])
        return HttpResponseRedirect(result.get_absolute_url())

    def run(self, action, forecast, request, expected, return_form):
        user = request.user
        if action == "submit":
            return services.forecast_submit(
                forecast=forecast, actor=user, expected_version=expected
            )
        if action in ("check-content", "check-arithmetic"):
            check = services.CONTENT if action == "check-content" else services.ARITHMETIC
            return services.forecast_check(
                forecast=forecast, actor=user, check=check, expected_version=expected
            )
        if action == "approve":
            return services.forecast_approve(
                forecast=forecast, actor=user, expected_version=expected
            )
        if action == "return":
            if not return_form.is_valid():
                # Check the actor first: a carrier gets 403, not a form error.
                if not services.is_reviewer_of(user, forecast):
                    raise PermissionDenied
                raise ValidationError({"comment": return_form.errors["comment"]})
            return services.forecast_return(
                forecast=forecast,
                actor=user,
                comment=return_form.cleaned_data["comment"],
                expected_version=expected,
            )
        if action == "revise":
            return services.forecast_revise(
                forecast=forecast, actor=user, expected_version=expected
            )
        raise PermissionDenied

    def error(self, request, forecast, text, status=400, return_form=None):
        forecast.refresh_from_db()
        extra = {"action_error": text}
        if return_form is not None and return_form.is_bound:
            extra["return_form"] = return_form
        return render(
            request,
            "carriers/forecast_detail.html",
            detail_context(request, forecast, **extra),
            status=status,
        )


DONE = {
    "submit": gettext_lazy("Die Prognose wurde eingereicht; die KI-Koordination ist informiert."),
    "check-content": gettext_lazy("Die sachliche Prüfung ist vermerkt."),
    "check-arithmetic": gettext_lazy("Die rechnerische Prüfung ist vermerkt."),
    "approve": gettext_lazy("Die Prognose ist genehmigt und fließt in die Kostenübersicht ein."),
    "return": gettext_lazy("Die Prognose wurde an die Trägerin zurückgegeben."),
    "revise": gettext_lazy("Die Prognose kann jetzt überarbeitet werden."),
}


# --- Attachments ---------------------------------------------------------------------------------


class AttachmentUploadView(ForecastObjectMixin, View):
    def post(self, request, pk):
        forecast = self.get_forecast(pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.error(request, forecast, form)
        upload = form.cleaned_data["file"]
        raw = request.POST.get("version", "")
        try:
            # Read at most one byte more than allowed: the service then refuses the size.
            content = upload.read(ATTACHMENT_MAX_BYTES + 1)
            services.attachment_add(
                forecast=forecast,
                actor=request.user,
                name=upload.name,
                content=content,
                expected_version=int(raw) if raw.isdigit() else None,
            )
        except VersionConflict:
            form.add_error(None, STALE_MESSAGE)
            return self.error(request, forecast, form, status=409)
        except ValidationError as error:
            form.add_error(None, service_errors(form, error))
            return self.error(request, forecast, form)
        messages.success(request, _("Der Anhang wurde gespeichert."))
        return HttpResponseRedirect(forecast.get_absolute_url() + "#anhaenge")

    def error(self, request, forecast, form, status=400):
        forecast.refresh_from_db()
        return render(
            request,
            "carriers/forecast_detail.html",
            detail_context(request, forecast, attachment_form=form),
            status=status,
        )


def _attachment(request, pk, action=VIEW):
    if not generic.has_model_perm(request.user, ForecastAttachment, "view"):
        raise PermissionDenied
    return get_object_or_404(
        ForecastAttachment.objects.restrict(request.user, action).select_related(
            "forecast__carrier"
        ),
        pk=pk,
    )


class AttachmentDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        attachment = _attachment(request, pk)
        response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
        response["Content-Disposition"] = _disposition(attachment.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


class AttachmentDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        attachment = _attachment(request, pk, CHANGE)
        forecast = attachment.forecast
        try:
            services.attachment_delete(attachment=attachment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Der Anhang wurde entfernt."))
        return HttpResponseRedirect(forecast.get_absolute_url() + "#anhaenge")


# --- History -------------------------------------------------------------------------------------


class CostForecastHistoryView(SectionMixin, generic.ObjectHistoryView):
    model = CostForecast
    queryset = FORECAST_QUERYSET

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = context["entries"]
        entries.extend(row_history_entries(ForecastLine, "forecast", self.object.pk))
        entries.extend(row_history_entries(ForecastAttachment, "forecast", self.object.pk))
        entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id))
        entries.reverse()
        return context


# --- Compare -------------------------------------------------------------------------------------


class CompareView(ForecastObjectMixin, View):
    """Two versions side by side: ?old=<id>&new=<id> (any two statements the user sees)."""

    template_name = "carriers/forecast_compare.html"

    def get(self, request):
        old_id, new_id = request.GET.get("old", ""), request.GET.get("new", "")
        visible = FORECAST_QUERYSET.restrict(request.user).order_by(
            "carrier__name", "-year", "kind", "number"
        )
        if not generic.has_model_perm(request.user, CostForecast, "view"):
            raise PermissionDenied
        context = {
            "title": _("Fassungen vergleichen"),
            "tabs": section_tabs(request),
            "choices": list(visible),
            "old_id": old_id,
            "new_id": new_id,
        }
        if old_id or new_id:
            if not (old_id.isdigit() and new_id.isdigit()):
                context["error"] = _("Bitte zwei Fassungen auswählen.")
            else:
                old = get_object_or_404(visible, pk=int(old_id))
                new = get_object_or_404(visible, pk=int(new_id))
                if old.pk == new.pk:
                    context["error"] = _("Bitte zwei verschiedene Fassungen auswählen.")
                else:
                    context["comparison"] = selectors.forecast_compare(old, new)
        return render(request, self.template_name, context)


# --- Inbox / due list ----------------------------------------------------------------------------


class TasksView(LoginRequiredMixin, View):
    template_name = "carriers/forecast_tasks.html"

    def get(self, request):
        user = request.user
        if not generic.has_model_perm(user, CostForecast, "view"):
            raise PermissionDenied
        reviewer = user.has_perm("carriers.review_costforecast")
        return render(
            request,
            self.template_name,
            {
                "title": _("Aufgaben"),
                "tabs": section_tabs(request),
                "inbox": list(selectors.review_inbox(user)) if reviewer else None,
                "due": selectors.carrier_due(user) if user.role == Role.CARRIER else None,
            },
        )


# --- Forecast against actual ---------------------------------------------------------------------


class ActualsView(LoginRequiredMixin, View):
    """Per carrier of a year: approved forecast against approved actual statement per
    position, and what the recipient forecast to carry against what it paid."""

    template_name = "carriers/forecast_actuals.html"

    def get(self, request):
        from django.utils import timezone

        user = request.user
        if not generic.has_model_perm(user, CostForecast, "view"):
            raise PermissionDenied
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None
        error = _("Bitte ein Jahr zwischen 1990 und 2100 angeben.") if raw and year is None else ""
        year = year or timezone.localdate().year - 1
        pairs = (
            CostForecast.objects.restrict(user)
            .filter(year=year)
            .values_list("recipient_id", "carrier_id")
            .distinct()
        )
        payments = (
            CarrierPayment.objects.restrict(user)
            .filter(year=year)
            .values_list("recipient_id", "carrier_id")
            .distinct()
        )
        keys = sorted(set(pairs) | set(payments))
        orgs = Organisation.objects.in_bulk({k for pair in keys for k in pair})
        rows = [
            selectors.carrier_actuals(orgs[recipient_id], orgs[carrier_id], year)
            for recipient_id, carrier_id in keys
        ]
        rows.sort(key=lambda r: r.carrier_name)
        return render(
            request,
            self.template_name,
            {
                "title": _("Prognose und Ist %(year)s") % {"year": year},
                "tabs": section_tabs(request),
                "year": year,
                "error": error,
                "carriers": rows,
            },
        )


# --- Payments and year closings (generic pages) --------------------------------------------------

PAYMENT_QUERYSET = CarrierPayment.objects.select_related("carrier", "recipient", "position")


class CarrierPaymentListView(SectionMixin, generic.ObjectListView):
    model = CarrierPayment
    queryset = PAYMENT_QUERYSET
    filterset_class = filtersets.CarrierPaymentFilterSet
    filter_choices = {"carrier": _carriers_of(CarrierPayment)}
    table_class = tables.CarrierPaymentTable
    totals = {"amount": Sum("amount")}
    empty_text = gettext_lazy(
        "Noch keine Zahlung an eine Trägerin erfasst. Die Finanzverwaltung trägt hier ein, was "
        "sie den Trägerinnen überweist; „Prognose und Ist“ stellt es der Prognose gegenüber."
    )
    template_name = "carriers/forecast_section_list.html"

    def apply_filter_choices(self, form):
        if self.request.user.role != Role.ADMIN:
            form.fields.pop("recipient", None)
        if self.request.user.role == Role.CARRIER:
            form.fields.pop("carrier", None)
        super().apply_filter_choices(form)


class CarrierPaymentDetailView(SectionMixin, generic.ObjectDetailView):
    model = CarrierPayment
    queryset = PAYMENT_QUERYSET


class CarrierPaymentEditView(generic.ObjectEditView):
    model = CarrierPayment
    form_class = CarrierPaymentForm

    def save(self, form):
        return services.payment_save(
            payment=form.instance,
            actor=self.request.user,
            expected_version=form.read_version if form.instance.pk else None,
        )


class CarrierPaymentDeleteView(generic.ObjectDeleteView):
    model = CarrierPayment

    def delete(self, obj):
        services.payment_delete(payment=obj, actor=self.request.user)


class CarrierPaymentHistoryView(generic.ObjectHistoryView):
    model = CarrierPayment
    queryset = PAYMENT_QUERYSET
