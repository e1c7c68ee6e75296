"""The loader's statements (``funding.selectors``): each built and compiled by the ORM once
per process, then run with only its parameters filled in, and its rows converted the way the
ORM converts them, column by column.

Building and compiling the loader's querysets took about as long as the database took to
answer them, and converting every value of every row most of the rest (issue 14: the state's
overview against replaying the same SQL). The SQL is the ORM's own: a statement is kept only
where compiling it again with other values gives the same SQL and the parameters land where
the ORM puts them (``_learn``); otherwise the queryset is built and compiled each time.

- ``statement(name, build, *args)``: what ``fetch``, ``converted`` and ``unconverted`` take;
- ``converted(statement)``: the rows as the ORM's ``values_list()`` gives them (tuples);
- ``unconverted(statement)``: the rows as the database sends them and ``convert`` for the
  rows the caller keeps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.sql.constants import CURSOR

_UNKNOWN = object()


@dataclass(frozen=True)
class _Compiled:
    """A statement of the loader, compiled once per process (``statement``)."""

    alias: str
    sql: str
    # Per parameter: (argument, item of a list argument or None, the type the backend wraps
    # the value in or None), or ("constant", value, None).
    slots: tuple
    converters: list  # [(column, functions, expression)] as the compiler gives them

    def params(self, args: tuple, connection) -> list:
        out = []
        for where, item, wrap in self.slots:
            if where == "constant":
                out.append(item)
                continue
            value = args[where] if item is None else args[where][item]
            if _is_date(value):
                value = connection.ops.adapt_datefield_value(value)
            out.append(value if wrap is None else wrap(value))
        return out


def _is_date(value) -> bool:
    return value.__class__ is date


# (name, shape of the arguments) -> _Compiled, or None: that shape is compiled every time.
_COMPILED: dict[tuple, _Compiled | None] = {}


def _shape(args: tuple) -> tuple:
    """What the SQL of a statement depends on besides the values: the length of each list
    (an IN list has a placeholder per item), which arguments are None (IS NULL), constants."""
    shape = []
    for value in args:
        if isinstance(value, list):
            shape.append(("list", len(value)))
        elif value is None:
            shape.append(("none",))
        elif _is_date(value):
            shape.append(("date",))
        elif value.__class__ is int:
            shape.append(("int",))
        else:
            shape.append(("constant", value))
    return tuple(shape)


def _stand_ins(args: tuple, base: int) -> tuple[tuple, dict]:
    """``args`` with every int and date (alone or in a list) replaced by a distinct stand-in,
    and where each stand-in went: {(type, value as the database gets it): (argument, item)}.
    """
    counter = iter(range(base, base + 10_000))
    out, where = [], {}

    def stand_in(value, position, item):
        if _is_date(value):
            n = next(counter)
            replaced = date(2000 + n // 12 % 900, n % 12 + 1, 2)
        else:
            replaced = next(counter)
        where[(replaced.__class__, replaced)] = (position, item)
        return replaced

    for position, value in enumerate(args):
        if isinstance(value, list):
            out.append([stand_in(v, position, i) for i, v in enumerate(value)])
        elif value is not None and (_is_date(value) or value.__class__ is int):
            out.append(stand_in(value, position, None))
        else:
            out.append(value)
    return tuple(out), where


def _compile(queryset):
    """(compiler, sql, params) of a queryset; sql None where nothing can match."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return compiler, None, None
    return compiler, sql, list(params)


def statement(name: str, build: Callable, *args):
    """``build(*args)`` (a ``values_list()`` queryset) for ``fetch``: its SQL built and
    compiled once per process and shape of the arguments (``_shape``), then only the
    parameters filled in for each call — building and compiling the loader's querysets took
    about as long as the database took to answer them.

    The first time, the statement is compiled with two sets of stand-ins for the values
    (``_stand_ins``) to learn which parameter holds which value, and with the values
    themselves; only where all three give the same SQL and the filled-in parameters equal the
    ORM's own is it kept. Otherwise (and for an IN list that is empty) the queryset is
    built and compiled every time, as before."""
    key = (name, _shape(args))
    compiled = _COMPILED.get(key, _UNKNOWN)
    if compiled is _UNKNOWN:
        queryset = build(*args)
        compiled = _COMPILED[key] = _learn(build, args, queryset)
        return queryset
    if compiled is None:
        return build(*args)
    return compiled, args


def _learn(build: Callable, args: tuple, queryset) -> _Compiled | None:
    if any(isinstance(value, list) and not value for value in args):
        return None
    compiler, sql, params = _compile(queryset)
    if sql is None:
        return None
    learnt = []
    for base in (20_000, 30_000):
        stand_ins, where = _stand_ins(args, base)
        stand_in_compiler, stand_in_sql, stand_in_params = _compile(build(*stand_ins))
        if stand_in_sql != sql:
            return None
        connection = stand_in_compiler.connection
        slots = []
        for value in stand_in_params:
            found = None
            for candidate, slot in where.items():
                prepared = (
                    connection.ops.adapt_datefield_value(candidate[1])
                    if candidate[0] is date
                    else candidate[1]
                )
                if prepared == value and (
                    prepared.__class__ is value.__class__
                    # e.g. psycopg's Int2 for a small integer field on PostgreSQL
                    or (prepared.__class__ is int and isinstance(value, int))
                ):
                    wrap = None if prepared.__class__ is value.__class__ else value.__class__
                    found = (*slot, wrap)
                    break
            slots.append(found if found is not None else ("constant", value, None))
        learnt.append(tuple(slots))
    if learnt[0] != learnt[1]:
        return None
    compiled = _Compiled(
        alias=queryset.db,
        sql=sql,
        slots=learnt[0],
        converters=[
            (pos, functions, expression)
            for pos, (functions, expression) in compiler.get_converters(
                [s[0] for s in compiler.select[: compiler.col_count]]
            ).items()
        ],
    )
    filled = compiled.params(args, compiler.connection)
    if [(p.__class__, p) for p in filled] != [(p.__class__, p) for p in params]:
        return None
    return compiled


def fetch(queryset, stream: bool = False):
    """The rows of a ``values_list()`` queryset (or a ``statement``) as the database sends
    them, with the column converters the ORM would apply: (rows, [(column, functions,
    expression)], connection).

    ``stream``: the rows as an iterator over the cursor (to be read to the end once), so that
    a row the caller does not keep is freed at once, not held in a list with all the others."""
    if isinstance(queryset, tuple):  # a compiled statement and its arguments
        compiled, args = queryset
        connection = connections[compiled.alias]
        cursor = connection.cursor()
        cursor.execute(compiled.sql, compiled.params(args, connection))
        if stream:
            return _read_and_close(cursor), compiled.converters, connection
        try:
            return cursor.fetchall(), compiled.converters, connection
        finally:
            cursor.close()
    compiler = queryset.query.get_compiler(using=queryset.db)
    cursor = compiler.execute_sql(CURSOR)
    if cursor is None:  # nothing can match (an empty IN list): no query
        return [], [], compiler.connection
    if stream:
        rows = _read_and_close(cursor)
    else:
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
    converters = [
        (pos, functions, expression)
        for pos, (functions, expression) in compiler.get_converters(
            [s[0] for s in compiler.select[: compiler.col_count]]
        ).items()
    ]
    return rows, converters, compiler.connection


def _read_and_close(cursor, size: int = 500):
    """The cursor's rows, fetched ``size`` at a time (iterated in C: no generator resumed per
    row); the cursor is closed once they are read."""

    def fetch() -> list:
        rows = cursor.fetchmany(size)
        if not rows:
            cursor.close()
        return rows

    return chain.from_iterable(iter(fetch, []))


def unconverted(
    queryset, stream: bool = False
) -> tuple[Iterable[tuple], Callable[[list[tuple]], list[tuple]]]:
    """The rows of a ``values_list()`` queryset as the database sends them, and ``convert``,
    which turns a list of them into the rows the ORM would give (as tuples).

    The same SQL in the same one query; only the conversion of each value (the backend's
    converters and ``from_db_value``: on SQLite every decimal arrives as a float and is rounded
    to the field's decimal places, every date as text) is left to the caller, for the rows it
    uses. Where most rows lose to a better one, that conversion is most of the ORM's time per
    row. A column's equal values (an FTE of 1.0, a town's levy share, a start date) are
    converted once and share the result: for columns of immutable values (numbers, dates,
    text). ``convert`` goes column by column (the rows a year uses at once: no loop over the
    converters for every row). ``stream``: as for ``fetch``."""
    rows, converters, connection = fetch(queryset, stream)
    converters = [
        # {type: {value as sent: value converted}}: by type first (1 and 1.0 are equal keys),
        # with no (type, value) pair made for each value
        (pos, functions, expression, defaultdict(dict))
        for pos, functions, expression in converters
    ]

    def convert(rows: list[tuple]) -> list[tuple]:
        if not rows:
            return []
        columns = list(zip(*rows, strict=True))
        for pos, functions, expression, known in converters:
            columns[pos] = _convert_by_type(columns[pos], functions, expression, connection, known)
        return list(zip(*columns, strict=True))

    return rows, convert


def _convert_by_type(values, functions, expression, connection, known: dict) -> list:
    """``values`` converted as the ORM converts them, each (type, value) once: ``known`` is
    {type: {value as sent: value converted}} (by type first: 1 and 1.0 are equal keys), kept
    by the caller across calls. A float zero is converted each time: 0.0 and -0.0 are equal
    keys but convert differently."""
    converted = []
    for sent in values:
        of_type = known[sent.__class__]
        value = of_type.get(sent, _UNKNOWN)
        if value is _UNKNOWN:
            value = sent
            for function in functions:
                value = function(value, expression, connection)
            if not (sent.__class__ is float and sent == 0):
                of_type[sent] = value
        converted.append(value)
    return converted


def _convert_column(values: tuple, functions, expression, connection) -> tuple:
    """One column's values converted as the ORM converts them, each distinct value once.

    Values are the same where they are equal and of the same type (as ``unconverted`` keys
    them). Where a column mixes types (an integer and a float that compare equal: SQLite
    stores a whole decimal such as an FTE of 1.0 as an integer, 0.5 as a float) or holds a
    float zero (0.0 and -0.0 are equal but convert differently), the values are looked up by
    type and value, and a float zero is converted each time."""

    def apply(value):
        for function in functions:
            value = function(value, expression, connection)
        return value

    classes = set(map(type, values))
    classes.discard(type(None))
    if classes <= {date} and _keeps_dates(functions, connection):
        return values  # what the converter would return: the same dates and Nones
    if len(classes) > 1 or (float in classes and 0 in values):
        return tuple(_convert_by_type(values, functions, expression, connection, defaultdict(dict)))
    known = {value: apply(value) for value in dict.fromkeys(values)}
    return tuple(map(known.__getitem__, values))


def _keeps_dates(functions, connection) -> bool:
    """Whether a column's converters are only the backend's date converter, which returns a
    date (and None) as it is: on SQLite the driver has made the dates already (Django
    registers a converter for the "date" column type), and the backend's converter parses
    only text. Converting a column of dates was one call per distinct day for nothing (some
    2,000 days in the state's overview). ``tests/test_funding_selectors.py`` pins that the
    converter returns a date unchanged."""
    keep = getattr(connection.ops, "convert_datefield_value", None)
    return keep is not None and len(functions) == 1 and functions[0] == keep


def converted(queryset) -> list[tuple]:
    """The rows of a ``values_list()`` queryset as the ORM gives them (as tuples), converted
    column by column, each distinct value of a column once (``_convert_column``)."""
    rows, converters, connection = fetch(queryset)
    if not rows or not converters:
        return rows
    # Column by column (not ``zip(*rows)``: that holds an iterator per row).
    columns = [tuple(map(itemgetter(i), rows)) for i in range(len(rows[0]))]
    for pos, functions, expression in converters:
        columns[pos] = _convert_column(columns[pos], functions, expression, connection)
    return list(zip(*columns, strict=True))
