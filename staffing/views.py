"""Pages of the positions (Stellen): list, position page, forms for positions, occupancy
periods and costs, ending and deleting, and the change history.

Built on ``kim_admin.generic``: scope (404), permissions (403), the version check (409) and the
audit trail come from there; writes go through ``staffing.services``. Figures come from the
cost engine: the list computes the recipient's year once, the position page every year of the
position at once (``funding.position_years``), in a fixed number of queries.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from carriers.models import ForwardingAgreement, Organisation
from funding.calculations import ZERO, compute_year, planned_fte_by_month
from funding.choices import CostStatus
from funding.models import BuildingBlock, Scenario
from funding.position_years import position_span, position_years
from funding.selectors import year_plans
from kim_admin import generic, navigation, sections
from kim_admin.fields import FIRST_YEAR, LAST_YEAR
from kim_admin.filters import REAL_PLAN
from kim_admin.formatting import de_date, de_fte
from kim_admin.forms import STALE_MESSAGE
from kim_admin.roles import Role
from kim_admin.scoping import CHANGE
from staffing import forms, services
from staffing.filtersets import (
    OrganisationalUnitFilterSet,
    PayGradeCostFilterSet,
    PositionFilterSet,
    annotate_year_state,
)
from staffing.models import (
    Occupancy,
    OrganisationalUnit,
    PayGrade,
    PayGradeCost,
    Position,
    PositionCost,
    PositionTown,
)
from staffing.tables import (
    STATE_LABELS,
    OrganisationalUnitTable,
    PayGradeCostTable,
    PositionTable,
)


def position_url(pk: int, anchor: str = "") -> str:
    return reverse("staffing:position_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


# --- List -------------------------------------------------------------------------------------


class PositionListView(generic.ObjectListView):
    """The positions of the user's scope active in a year, with their state and figures in
    that year. Finance, coordinators and council see their recipient's positions, carriers
    and towns those that concern them (``restrict``), admins choose a recipient."""

    model = Position
    queryset = Position.objects.select_related("block", "employer", "pay_grade", "unit")
    filterset_class = PositionFilterSet
    table_class = PositionTable
    template_name = "staffing/position_list.html"
    totals = {"fte": Sum("fte")}

    def get(self, request, *args, **kwargs):
        self.years, self.year = self.year_choices()
        return super().get(request, *args, **kwargs)

    def year_choices(self) -> tuple[list[int], int]:
        """Years to offer and the year shown: ``?year=``, else this year capped to the last
        year with entered cost (as the start page)."""
        current = timezone.localdate().year
        span = (
            Position.objects.restrict(self.request.user)
            .filter(scenario__isnull=True)
            .aggregate(first=Min("planned_start"), last=Max("costs__year"))
        )
        first = span["first"].year if span["first"] else current
        last = span["last"] or first
        default = min(current, last)
        years = list(range(min(first, default), max(current + 1, last) + 1))
        raw = self.request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR else default
        if year not in years:
            years = sorted({*years, year})
        return years, year

    def get_queryset(self):
        return annotate_year_state(super().get_queryset(), self.year)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs["data"] or self.request.GET).copy()
        if not data.get("year"):
            data["year"] = str(self.year)  # the year shown is the year filtered
        kwargs["data"] = data
        return kwargs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        self.shape_filter_form(filterset.form)
        return filterset

    def shape_filter_form(self, form):
        """Selects instead of free text where the values are known (the FilterSet stays the
        API's: slugs and numbers); choices only from what the user may see."""
        user = self.request.user
        # The choices come from IN lists over the visible positions (each organisation once,
        # no DISTINCT over a join of every position with its agreements and towns: for a
        # recipient of 1,500 positions that took 76 ms on PostgreSQL, 30 ms on SQLite;
        # `make bench`, position_list).
        visible_positions = Position.objects.restrict(user)
        visible = visible_positions.values("pk")

        def select(name, rows, empty=None, also=()):
            generic.offer_choices(form.fields[name], empty or _("Alle"), rows, also)

        if user.role == Role.ADMIN:
            select(
                "recipient",
                lambda: (
                    Organisation.objects.recipients().order_by("name").values_list("slug", "name")
                ),
            )
        else:
            del form.fields["recipient"]
        form.fields["year"].widget = django_forms.Select(
            choices=[(str(y), str(y)) for y in self.years]
        )
        form.fields["year"].label = _("Jahr")
        select(
            "block",
            lambda: [
                (str(n), f"{n} – {name}")
                for n, name in BuildingBlock.objects.order_by("number").values_list(
                    "number", "name"
                )
            ],
        )
        select(
            "employer",
            lambda: (
                Organisation.objects.filter(pk__in=visible_positions.values("employer_id"))
                .order_by("name")
                .values_list("slug", "name")
            ),
        )
        select(
            "carrier",
            lambda: (
                Organisation.objects.carriers()
                .filter(
                    Q(pk__in=visible_positions.values("employer_id"))
                    | Q(
                        pk__in=ForwardingAgreement.objects.filter(positions__in=visible).values(
                            "carrier_id"
                        )
                    )
                )
                .order_by("name")
                .values_list("slug", "name")
            ),
        )
        select(
            "town",
            lambda: (
                Organisation.objects.filter(
                    pk__in=PositionTown.objects.filter(position__in=visible).values("town_id")
                )
                .order_by("name")
                .values_list("slug", "name")
            ),
        )
        select(
            "pay_grade",
            lambda: [
                (c, c) for c in PayGrade.objects.order_by("code").values_list("code", flat=True)
            ],
        )
        for name in ("state", "funding_kind"):
            field = form.fields[name]
            field.widget.choices = [
                ("", _("Alle")),
                *((v, label) for v, label in field.choices if v),
            ]
        if user.role in (Role.CARRIER, Role.TOWN):
            del form.fields["scenario"]  # scenarios are the recipient's own
        else:
            select(
                "scenario",
                lambda: (
                    Scenario.objects.restrict(user).order_by("name").values_list("slug", "name")
                ),
                empty=_("Aktueller Plan"),
                also=[REAL_PLAN],
            )
            form.fields["scenario"].label = _("Plan oder Szenario")
        form.fields["q"].label = _("Suche")
        form.fields["q"].widget.attrs["placeholder"] = _("Bezeichnung, Organisationseinheit")
        order = ["q", "year", "state", "block", "funding_kind", "employer", "carrier", "town"]
        order += ["pay_grade", "scenario", "recipient"]
        form.order_fields(order)

    @cached_property
    def year_results(self) -> dict:
        """The engine's result in the year for each filtered position, from one computation
        of each recipient's year (14 queries for any number of recipients and positions)."""
        positions = self.object_list
        ids = set(positions.values_list("pk", flat=True))
        if not ids:
            return {}
        recipients = list(
            Organisation.objects.filter(pk__in=positions.values("recipient_id")).order_by("pk")
        )
        scenario = None
        slug = self.request.GET.get("scenario", "")
        if slug and slug != REAL_PLAN:
            scenario = Scenario.objects.restrict(self.request.user).filter(slug=slug).first()
        results = {}
        for plan in year_plans(recipients, self.year, scenario=scenario).values():
            for result in compute_year(plan).positions:
                if result.position.id in ids:
                    results[result.position.id] = result
        return results

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "results": self.year_results, "year": self.year}

    def get_totals(self):
        totals = super().get_totals()
        results = self.year_results.values()
        for name in ("total_cost", "funding", "own_share"):
            totals[name] = sum((getattr(r.amounts, name) for r in results), Decimal(0))
        return totals

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Stellen"), year=self.year)
        return context


# --- Position page ----------------------------------------------------------------------------


class PositionDetailView(generic.ObjectDetailView):
    model = Position
    queryset = Position.objects.select_related(
        "recipient", "scenario", "origin", "block", "employer", "pay_grade"
    )
    template_name = "staffing/position_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        position = self.object
        user = self.request.user
        towns = list(position.served_towns.select_related("town").order_by("town__name", "pk"))
        occupancies = list(position.occupancies.order_by("start", "pk"))
        costs = list(position.costs.order_by("-year", "status", "pk"))
        today = timezone.localdate()
        years = position_span(position, [c.year for c in costs], today)
        can_change = context["can_change"]
        rows = [year_row(row) for row in position_years(position, years)]
        # The key figures of this year (of the last year, for a position that has ended).
        current = next((r for r in rows if r["year"] == today.year and r["result"]), None)
        current = current or next((r for r in reversed(rows) if r["result"]), None)
        state = None
        if current is not None:
            state = (
                annotate_year_state(Position.objects.filter(pk=position.pk), current["year"])
                .values_list("year_state", flat=True)
                .get()
            )
        context.update(
            model_name=Position._meta.verbose_name_plural,
            facts=position_facts(position),
            towns=towns,
            occupancies=occupancies,
            costs=costs,
            years=rows,
            current=current,
            current_state=state,
            current_state_label=STATE_LABELS.get(state, ""),
            timeline=timeline(position, occupancies, years, today),
            entries=position_history(position),
            # Ending is for a running position; an ended one changes its end in the form.
            end_url=reverse("staffing:position_end", args=[position.pk])
            if can_change and (position.end_date is None or position.end_date >= today)
            else None,
            can_add_occupancy=can_change and generic.has_model_perm(user, Occupancy, "add"),
            can_change_occupancy=can_change and generic.has_model_perm(user, Occupancy, "change"),
            can_delete_occupancy=can_change and generic.has_model_perm(user, Occupancy, "delete"),
            can_add_cost=can_change and generic.has_model_perm(user, PositionCost, "add"),
            can_change_cost=can_change and generic.has_model_perm(user, PositionCost, "change"),
            can_delete_cost=can_change and generic.has_model_perm(user, PositionCost, "delete"),
        )
        return context


def position_facts(position) -> list[tuple[str, str, bool]]:
    """(label, value, spans the whole width)."""
    p = position
    employer = str(p.employer) + (f" – {p.unit_label}" if p.unit_label else "")
    facts = [
        (_("Zuwendungsempfänger"), str(p.recipient)),
        (_("Baustein"), f"{p.block.number} – {p.block.name}"),
        (_("Förderart"), p.get_funding_kind_display()),
        (_("Stellenanteil"), f"{de_fte(p.fte)} VZ"),
        (_("Anstellungsträger"), employer),
        (_("Entgeltgruppe"), str(p.pay_grade) if p.pay_grade else "–"),
        (_("Beginn"), de_date(p.planned_start)),
        (_("Ende"), de_date(p.end_date) if p.end_date else _("offen")),
        (_("Produkt"), p.budget_product or "–"),
        (_("Sachkonto"), p.ledger_account or "–"),
        (_("Kostenstelle"), p.cost_centre or "–"),
    ]
    if p.scenario_id:
        facts.insert(1, (_("Szenario"), str(p.scenario)))
    facts = [(label, value, False) for label, value in facts]
    if p.notes:
        facts.append((_("Anmerkungen"), p.notes, True))
    return facts


def year_row(row) -> dict:
    """One year of the position page's figures table."""
    result = row.result
    if result is None:
        return {"year": row.year, "result": None, "warnings": row.warnings}
    position = result.position
    bearers = []
    for key, amount in result.bearer_parts:
        if key.startswith("split:"):
            label = _("Kostenaufteilung „%(name)s“") % {"name": position.split.name}
        elif key == position.employer.slug:
            label = position.employer.name
        elif position.coverage is not None and key == position.coverage.payer.slug:
            label = position.coverage.payer.name
        else:
            label = key
        bearers.append((label, amount))
    return {
        "year": row.year,
        "result": result,
        "source": result.cost_source.label,
        # Which carrier statement, where one is in force: "Prognose 28.11.2024 (Caritas), …".
        "source_detail": result.cost_source_detail,
        "filled_months": result.filled_months,
        # "9 von 12 VZ-Monaten": 12 months at 0.5 FTE of a 1.0 position are 6 of 12.
        "filled_fte_months": result.filled_fte_months,
        "planned_fte_months": sum(planned_fte_by_month(row.year, position), ZERO),
        "amounts": result.amounts,
        "bearers": bearers,
        "warnings": row.warnings,
    }


# --- Timeline ---------------------------------------------------------------------------------

TIMELINE_WIDTH = 1000
AXIS = 22  # the row of year labels
LANE = 30  # one lane of bars
FOOT = 16  # the row of the "today" label


def timeline(position, occupancies, years, today) -> dict:
    """Geometry of the occupancy timeline (an inline SVG, drawn by the template): the years on
    the x axis, each occupancy period as a bar (height by its share of the position's FTE,
    in lanes where periods overlap), the vacancies within the position's span, and today."""
    start, end = date(years[0], 1, 1), date(years[-1], 12, 31)
    after_end = end + timedelta(days=1)
    total = (after_end - start).days

    def x(day):
        return round((min(max(day, start), after_end) - start).days / total * TIMELINE_WIDTH, 1)

    lanes: list[date | None] = []  # each lane's last end (None: open)
    placed = []
    for occupancy in occupancies:
        lane = next(
            (i for i, last in enumerate(lanes) if last is not None and last < occupancy.start),
            None,
        )
        if lane is None:
            lanes.append(occupancy.end)
            lane = len(lanes) - 1
        else:
            lanes[lane] = occupancy.end
        placed.append((lane, occupancy))
    lane_count = max(1, len(lanes))
    lanes_height = lane_count * LANE

    bars = []
    for lane, occupancy in placed:
        share = min(occupancy.fte / position.fte, Decimal(1)) if position.fte else Decimal(1)
        height = round(float(max(share, Decimal("0.3"))) * (LANE - 6), 1)
        top = AXIS + lane * LANE + 3
        x0 = x(occupancy.start)
        x1 = x(occupancy.end + timedelta(days=1)) if occupancy.end else x(after_end)
        period = f"{de_date(occupancy.start)} – {de_date(occupancy.end) or _('offen')}"
        bars.append(
            {
                "x": x0,
                "width": max(round(x1 - x0, 1), 1),
                "y": round(top + (LANE - 6) - height, 1),
                "height": height,
                "partly": occupancy.fte < position.fte,
                "label": f"{de_fte(occupancy.fte)} VZ",
                "title": _("besetzt %(period)s mit %(fte)s VZ")
                % {"period": period, "fte": de_fte(occupancy.fte)},
                "text_x": x0 + 5,
                "text_y": top + LANE - 11,
                "show_label": x1 - x0 > 45,
            }
        )
    span_end = min(position.end_date or end, end)
    gaps = []
    for gap_start, gap_end in vacancies(position.planned_start, span_end, occupancies):
        x0, x1 = x(gap_start), x(gap_end + timedelta(days=1))
        open_ended = position.end_date is None and gap_end == span_end
        gaps.append(
            {
                "x": x0,
                "width": max(round(x1 - x0, 1), 1),
                "text_x": x0 + 5,
                "show_label": x1 - x0 > 70,
                "title": _("unbesetzt %(start)s – %(end)s")
                % {
                    "start": de_date(gap_start),
                    "end": _("offen") if open_ended else de_date(gap_end),
                },
            }
        )
    year_width = TIMELINE_WIDTH / len(years)
    today_x = x(today) if start <= today <= end else None
    summary = [bar["title"] for bar in bars] + [gap["title"] for gap in gaps]
    return {
        "width": TIMELINE_WIDTH,
        "height": AXIS + lanes_height + FOOT,
        "axis": AXIS,
        "grid_bottom": AXIS + lanes_height,
        "lanes_height": lanes_height - 6,
        "gap_y": AXIS + 3,
        "gap_text_y": AXIS + LANE - 11,
        "years": [
            {
                "label": str(year),
                "x": x(date(year, 1, 1)),
                "mid": round(i * year_width + year_width / 2, 1),
            }
            for i, year in enumerate(years)
        ],
        "bars": bars,
        "gaps": gaps,
        "today": today_x,
        "today_y": AXIS + lanes_height + FOOT - 3,
        "today_anchor": "end"
        if today_x is not None and today_x > TIMELINE_WIDTH - 40
        else "middle",
        "label": _("Besetzung %(first)s–%(last)s: %(summary)s")
        % {
            "first": years[0],
            "last": years[-1],
            "summary": "; ".join(summary) if summary else _("keine Besetzung erfasst"),
        },
    }


def vacancies(start: date, end: date, occupancies) -> list[tuple[date, date]]:
    """Periods within [start, end] no occupancy covers at all."""
    gaps = []
    cursor = start
    for occupancy in sorted(occupancies, key=lambda o: o.start):
        if occupancy.start > cursor:
            gaps.append((cursor, min(occupancy.start - timedelta(days=1), end)))
        if occupancy.end is None:
            return [g for g in gaps if g[0] <= g[1]]
        cursor = max(cursor, occupancy.end + timedelta(days=1))
    if cursor <= end:
        gaps.append((cursor, end))
    return [g for g in gaps if g[0] <= g[1]]


# --- History ----------------------------------------------------------------------------------


def position_history(position) -> list[dict]:
    """The changes of the position, its served towns, occupancy periods and costs in one
    list, newest first (4 queries): who, when, which field from what to what. A row added or
    removed is one entry naming the row ("Besetzung: – → 01.07.2023 – offen")."""
    pk = position.pk
    statuses = dict(CostStatus.choices)
    # model, its records, what a row is called, how one row is named
    sources = [
        (Position, Position.history.filter(id=pk), _("Stelle"), lambda r: r.title),
        (
            PositionTown,
            PositionTown.history.filter(position_id=pk).select_related("town"),
            _("Betreute Kommune"),
            lambda r: f"{r.town.name if r.town else '?'} ({de_fte(r.share)} %)",
        ),
        (
            Occupancy,
            Occupancy.history.filter(position_id=pk),
            _("Besetzung"),
            lambda r: f"{de_date(r.start)} – {de_date(r.end) or _('offen')}",
        ),
        (
            PositionCost,
            PositionCost.history.filter(position_id=pk),
            _("Kosten"),
            lambda r: f"{r.year} ({statuses.get(r.status, r.status)})",
        ),
    ]
    entries = []
    for model, records, label, name_of in sources:
        by_object: dict[int, list] = {}
        for record in records.select_related("history_user").order_by("history_date", "history_id"):
            by_object.setdefault(record.id, []).append(record)
        for object_records in by_object.values():
            for index, entry in enumerate(generic.history_entries(model, object_records)):
                record = entry["record"]
                name = name_of(record)
                if record.history_type == "+":
                    entry["changes"] = [(label, "–", name)]
                elif record.history_type == "-":
                    entry["changes"] = [(label, name, "–")]
                elif index == 0:
                    # Rows loaded without history (the demo data): what came before is unknown.
                    entry["changes"] = [(label, _("nicht aufgezeichnet"), name)]
                elif not entry["changes"]:
                    continue  # saved without a change
                elif model is not Position:
                    # A changed row is named as it was before the change.
                    before = name_of(object_records[index - 1])
                    entry["changes"] = [
                        (f"{label} {before}: {field}", old, new)
                        for field, old, new in entry["changes"]
                    ]
                entries.append(entry)
    entries.sort(key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True)
    return entries


class PositionHistoryView(generic.ScopedMixin, DetailView):
    """The position's history with its rows' (generic.ObjectHistoryView shows one model's)."""

    model = Position
    template_name = "staffing/position_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        position = self.object
        context.update(
            title=str(position),
            entries=position_history(position),
            back_url=position_url(position.pk),
        )
        return context


# --- Forms ------------------------------------------------------------------------------------


class _PositionUrlsMixin:
    """Pages of a position and its rows lead back to the position page: after saving, on
    "Abbrechen", and for the change history (it lists the rows' changes too)."""

    anchor = ""

    def position_pk(self) -> int | None:
        obj = self.object
        return obj.pk if isinstance(obj, Position) else obj.position_id

    def get_success_url(self, obj=None):
        return position_url(self.position_pk(), self.anchor)

    def history_url(self) -> str | None:
        pk = self.position_pk()
        return reverse("staffing:position_history", args=[pk]) if pk else None


class _PositionFormMixin(_PositionUrlsMixin):
    def render(self, form, stale=False, status=200):
        # As stored: a refused edit does not show its values in the heading.
        obj = self.stored_object
        pk = self.position_pk()
        if isinstance(obj, Position) and obj.pk:
            title = str(obj)
        elif obj.pk:
            title = f"{obj._meta.verbose_name} {obj}"
        else:
            title = _("%(model)s anlegen") % {"model": self.model._meta.verbose_name}
        context = {
            "form": form,
            "object": obj if obj.pk else None,
            "position": getattr(self, "position", None),
            "title": title,
            "model_name": self.model._meta.verbose_name,
            "stale": stale,
            "history_url": self.history_url(),
            "cancel_url": position_url(pk) if pk else reverse("staffing:position_list"),
        }
        context.update(self.get_extra_context(form))
        return render(self.request, self.template_name, context, status=status)


class _PositionDeleteMixin(_PositionUrlsMixin):
    template_name = "staffing/confirm_delete.html"

    def render(self, stale=False, refused="", status=200):
        obj = self.object
        return render(
            self.request,
            self.template_name,
            {
                "object": obj,
                "position": obj if isinstance(obj, Position) else obj.position,
                "title": str(obj),
                "model_name": self.model._meta.verbose_name,
                "stale": stale,
                "stale_message": STALE_MESSAGE,
                "refused": refused,
                "cancel_url": position_url(self.position_pk(), self.anchor),
                "history_url": self.history_url(),
            },
            status=status,
        )


class PositionEditView(_PositionFormMixin, generic.ObjectEditView):
    model = Position
    form_class = forms.PositionForm
    template_name = "staffing/position_form.html"

    def save(self, form):
        position = form.instance
        creating = position.pk is None
        try:
            return services.position_save(
                position=position,
                actor=self.request.user,
                served_towns=form.served_towns(),
                occupancies=form.occupancy_periods(),
                expected_version=None if creating else form.read_version,
            )
        except ValidationError as error:
            if creating:  # rolled back: the form stays a new position's
                position.pk = None
                position._state.adding = True
            raise form.place_errors(error) from error


class PositionEndView(_PositionFormMixin, generic.ObjectEditView):
    """Stelle beenden: the end date, and every occupancy still running then ends with it."""

    model = Position
    form_class = forms.PositionEndForm
    template_name = "staffing/position_end.html"

    def get_form(self, data=None):
        position = self.object
        return self.form_class(
            data, initial={"end_date": position.end_date, "version": position.version}
        )

    def save(self, form):
        try:
            return services.position_end(
                position=self.object,
                end_date=form.cleaned_data["end_date"],
                actor=self.request.user,
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            left = []
            for key, texts in error.message_dict.items():
                if key == "end_date":
                    form.add_error("end_date", texts)
                else:
                    left.extend(texts)
            raise ValidationError(left or _("Bitte prüfen Sie das Ende der Stelle.")) from error

    def get_extra_context(self, form):
        position = self.object
        return {
            "title": _("%(title)s beenden") % {"title": position},
            "running": [o for o in position.occupancies.order_by("start", "pk") if o.end is None],
        }


class PositionDeleteView(_PositionDeleteMixin, generic.ObjectDeleteView):
    model = Position

    def delete(self, obj):
        services.position_delete(position=obj, actor=self.request.user)

    def get_success_url(self, obj=None):
        return reverse("staffing:position_list")


def _row_gone(request, model, position_pk, pk):
    """409 for a row of a position in the user's change scope that existed and is gone
    (replaced by a save of the position's form, or deleted); None otherwise."""
    position = Position.objects.restrict(request.user, CHANGE).filter(pk=position_pk).first()
    if position is None or not model.history.filter(id=pk, position_id=position_pk).exists():
        return None
    return render(
        request,
        "staffing/row_gone.html",
        {
            "title": model._meta.verbose_name,
            "stale_message": STALE_MESSAGE,
            "position": position,
            "history_url": reverse("staffing:position_history", args=[position.pk]),
            "position_url": position_url(position.pk),
        },
        status=409,
    )


class _PositionRowMixin:
    """Occupancy periods and costs: the position comes from the URL (outside the user's
    change scope: 404); a row that existed but is gone answers 409 with the stale message."""

    def get_queryset(self):
        return super().get_queryset().filter(position_id=self.kwargs["position_pk"])

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            if "pk" in kwargs and request.user.is_authenticated:
                gone = _row_gone(request, self.model, kwargs["position_pk"], kwargs["pk"])
                if gone is not None:
                    return gone
            raise


class _PositionRowEditView(_PositionRowMixin, _PositionFormMixin, generic.ObjectEditView):
    template_name = "staffing/row_form.html"

    def get_object(self):
        self.position = get_object_or_404(
            Position.objects.restrict(self.request.user, CHANGE), pk=self.kwargs["position_pk"]
        )
        if "pk" not in self.kwargs:
            return self.model(position=self.position, **self.new_row_defaults())
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def new_row_defaults(self) -> dict:
        return {}


class OccupancyEditView(_PositionRowEditView):
    model = Occupancy
    form_class = forms.OccupancyForm
    anchor = "besetzungen"

    def new_row_defaults(self):
        return {"fte": self.position.fte}

    def save(self, form):
        occupancy = form.instance
        return services.occupancy_save(
            occupancy=occupancy,
            actor=self.request.user,
            expected_version=form.read_version if occupancy.pk else None,
        )


class PositionCostEditView(_PositionRowEditView):
    model = PositionCost
    form_class = forms.PositionCostForm
    anchor = "kosten"

    def new_row_defaults(self):
        return {"year": timezone.localdate().year, "status": CostStatus.PLANNED}

    def save(self, form):
        cost = form.instance
        return services.position_cost_save(
            cost=cost,
            actor=self.request.user,
            expected_version=form.read_version if cost.pk else None,
        )


class OccupancyDeleteView(_PositionRowMixin, _PositionDeleteMixin, generic.ObjectDeleteView):
    model = Occupancy
    anchor = "besetzungen"

    def delete(self, obj):
        services.occupancy_delete(occupancy=obj, actor=self.request.user)


class PositionCostDeleteView(_PositionRowMixin, _PositionDeleteMixin, generic.ObjectDeleteView):
    model = PositionCost
    anchor = "kosten"

    def delete(self, obj):
        services.position_cost_delete(cost=obj, actor=self.request.user)


# --- pay-grade costs (reference data, read only; shown in the "Förderung" section) ------------


class PayGradeCostListView(sections.SectionListView):
    section = navigation.FUNDING
    model = PayGradeCost
    queryset = PayGradeCost.objects.select_related("pay_grade")
    filterset_class = PayGradeCostFilterSet
    table_class = PayGradeCostTable
    admin_changelist = "admin:staffing_paygradecost_changelist"
    admin_only_columns = ()


# --- organisational units (the recipient's own units, e.g. its KI; "Förderung" section) -------


def unit_recipient_choices(user):
    """The recipients for the list's filter (admins only: everybody else has one)."""
    return Organisation.objects.recipients().order_by("name").values_list("slug", "name")


class OrganisationalUnitListView(sections.SectionListView):
    """The recipient's units with the number of positions assigned to each, sortable by it."""

    section = navigation.FUNDING
    model = OrganisationalUnit
    queryset = OrganisationalUnit.objects.select_related("recipient").annotate(
        position_count=Count("positions")
    )
    filterset_class = OrganisationalUnitFilterSet
    table_class = OrganisationalUnitTable
    filter_choices = {"recipient": unit_recipient_choices}
    empty_text = gettext_lazy(
        "Noch keine Organisationseinheiten. Legen Sie hier die Einheiten Ihrer Verwaltung an, "
        "z. B. das Kommunale Integrationszentrum; eigene Stellen werden ihnen zugeordnet."
    )


class OrganisationalUnitDetailView(generic.ObjectDetailView):
    """A unit with the positions assigned to it (those the user may see)."""

    model = OrganisationalUnit
    queryset = OrganisationalUnit.objects.select_related("recipient")
    template_name = "staffing/organisationalunit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["positions"] = (
            self.object.positions.restrict(self.request.user)
            .select_related("employer", "block", "scenario")
            .order_by("block__number", "title", "pk")
        )
        context["position_url_name"] = "staffing:position_detail"
        return context


class OrganisationalUnitEditView(generic.ObjectEditView):
    model = OrganisationalUnit
    form_class = forms.OrganisationalUnitForm


class OrganisationalUnitDeleteView(generic.ObjectDeleteView):
    """A unit that positions still name is refused (Position.unit protects it): 409 with the
    positions named, nothing deleted."""

    model = OrganisationalUnit


class OrganisationalUnitHistoryView(generic.ObjectHistoryView):
    model = OrganisationalUnit
