"""The engine's bulk work without Python's cyclic garbage collector running through it.

Loading the whole state's year (``funding.selectors.multi_year_plans``) and computing it
(``funding.calculations.compute_year``) make tens of thousands of small objects: rows, tuples,
frozen dataclasses, Decimals. None of them take part in a reference cycle; reference counting
frees each as soon as it is no longer used. Yet every 700 new container objects start a
collection of the youngest generation, and the objects that survive (the plan and its
positions, kept until the overview is made) are traversed again and again as they age, up to
a full collection of every object of the process. In the state's overview (``make bench``,
``state_overview``) that was about a fifth of the overview's time, and a full collection
about half of it in every third run.

``without_cycle_collection`` pauses the collector while the decorated function runs and lets
it run again afterwards: any cyclic garbage made meanwhile is found by the next collection
as usual. Objects are still freed by reference counting, so the memory in use stays the
same. The collector is shared by the process's threads: a thread that finds it paused
(another thread's call, or an owner who turned it off) leaves it as it is.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def without_cycle_collection(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run with the cyclic garbage collector paused (see the module's docstring)."""

    @wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused
