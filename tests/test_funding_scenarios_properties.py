"""Invariant of scenarios (hypothesis): whatever quick changes are made, in every year the
bearers' shares sum to the own share, to the cent, and a copy never changes the real plan."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.models import Organisation
from funding.models import BuildingBlock
from funding.scenarios.selectors import compare
from funding.scenarios.services import (
    change_rate,
    cut_block,
    lower_carrier_extra_cost,
    move_carrier_positions_to_recipient,
    scenario_copy,
)

pytestmark = pytest.mark.django_db

CARRIERS = ["awo-leverkusen", "caritas-leverkusen", "diakonie-leverkusen"]

change = st.one_of(
    st.tuples(st.just("percent"), st.sampled_from(CARRIERS), st.integers(1, 100)),
    st.tuples(st.just("amount"), st.sampled_from(CARRIERS), st.integers(0, 40_000)),
    st.tuples(st.just("move"), st.sampled_from(CARRIERS), st.just(0)),
    st.tuples(st.just("cut"), st.just(""), st.integers(0, 8)),
    st.tuples(st.just("rate"), st.just(""), st.integers(40_000, 70_000)),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(change, min_size=1, max_size=3))
def test_bearers_always_sum_to_the_own_share(demo_data, changes):
    leverkusen = Organisation.objects.get(slug="leverkusen")
    with transaction.atomic():
        scenario = scenario_copy(recipient=leverkusen, name="P", slug="prop", actor=None)
        for kind, carrier_slug, number in changes:
            carrier = Organisation.objects.filter(slug=carrier_slug).first()
            try:
                if kind == "percent":
                    lower_carrier_extra_cost(
                        scenario=scenario, carrier=carrier, percent=D(number), actor=None
                    )
                elif kind == "amount":
                    lower_carrier_extra_cost(
                        scenario=scenario, carrier=carrier, amount=D(number), actor=None
                    )
                elif kind == "move":
                    move_carrier_positions_to_recipient(
                        scenario=scenario, carrier=carrier, actor=None
                    )
                elif kind == "cut":
                    cut_block(
                        scenario=scenario,
                        block=2,
                        n_positions=number,
                        effective=date(2025, 1, 1),
                        actor=None,
                    )
                else:
                    change_rate(
                        scenario=scenario,
                        block=BuildingBlock.objects.get(number=2),
                        kind="case_management",
                        amount=D(number),
                        valid_from=date(2025, 7, 1),
                        actor=None,
                    )
            except Exception as error:  # a refused change (e.g. nothing left to move)
                from django.core.exceptions import ValidationError

                assert isinstance(error, ValidationError), error
        result = compare(leverkusen, [scenario], range(2024, 2028))
        for plan in result.plans:
            for year, figures in plan.by_year.items():
                assert sum(figures.bearers.values(), D(0)) == figures.own_share, year
        assert result.baseline.by_year[2025].own_share == D("607266.20")
        transaction.set_rollback(True)
