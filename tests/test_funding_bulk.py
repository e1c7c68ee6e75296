"""The loader's and the engine's bulk work runs with the cyclic garbage collector paused
(``funding.bulk``), and the collector runs again afterwards, also after an error."""

import gc
import weakref
from datetime import date
from decimal import Decimal as D

import pytest

from carriers.models import Organisation
from funding import calculations as calc
from funding import rules
from funding import selectors as sel
from funding.bulk import without_cycle_collection


@pytest.fixture
def collector_on():
    """The collector as a process normally has it, whatever the test leaves behind."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_inside_and_runs_again_after(collector_on):
    seen = []

    @without_cycle_collection
    def work(x):
        seen.append(gc.isenabled())
        return x * 2

    assert work(21) == 42
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_runs_again_after_an_error(collector_on):
    @without_cycle_collection
    def fails():
        raise ValueError("kaputt")

    with pytest.raises(ValueError, match="kaputt"):
        fails()
    assert gc.isenabled()


def test_a_collector_found_paused_stays_paused(collector_on):
    """Another thread's call, or an owner who turned it off: left as found."""

    @without_cycle_collection
    def inner():
        return gc.isenabled()

    gc.disable()
    assert inner() is False
    assert not gc.isenabled()


def test_cyclic_garbage_made_while_paused_is_collected_afterwards(collector_on):
    """No explicit ``gc.collect()``: the collector's own runs, which start again after the
    call, find the cycle (a collector left paused would never free it)."""

    class Node:
        pass

    @without_cycle_collection
    def make_cycle():
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    made = make_cycle()
    # Enough new containers for several collections of the youngest generation.
    allocated = [[] for _ in range(10 * gc.get_threshold()[0])]
    assert made() is None
    assert len(allocated) == 10 * gc.get_threshold()[0]


def collector_state_in(monkeypatch, module, name) -> list[bool]:
    """Whether the collector ran, at each call of ``module.name`` (replaced by a spy)."""
    seen = []
    original = getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_the_engine_computes_with_the_collector_paused(collector_on, monkeypatch):
    seen = collector_state_in(monkeypatch, rules, "position_cost")
    city = calc.Org(1, "stadt", "Stadt", "county_free_city")
    position = calc.PositionPlan(
        id=1,
        title="Stelle",
        block=2,
        funding_kind="case_management",
        fte=D("1"),
        employer=city,
        start=date(2024, 1, 1),
        occupancies=(calc.Period(date(2024, 1, 1), None, D("1")),),
        cost=calc.CostFigures(employer_gross=D("60000.00")),
    )
    calc.compute_year(calc.YearPlan(recipient=city, year=2024, positions=(position,)))
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.django_db
def test_the_loader_loads_with_the_collector_paused(collector_on, monkeypatch):
    seen = collector_state_in(monkeypatch, sel, "_grant_blocks")
    city = Organisation.objects.create(name="Stadt", slug="stadt", kind="county_free_city")
    sel.year_plans([city], 2024)
    assert seen == [False]
    assert gc.isenabled()
