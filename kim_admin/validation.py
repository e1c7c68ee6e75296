"""Validation of whole data sets (fixtures, imports): every row and every cross-row rule.

``loaddata`` writes rows without ``full_clean()``; callers load inside a transaction, call
:func:`plan_problems` and roll back when it returns anything, so a data set that breaks a rule
is refused whole.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.core.exceptions import ValidationError

from funding.choices import SplitMethod
from staffing import rules

DOMAIN_APPS = ("carriers", "funding", "staffing")


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else str(message)
            for field, errors in error.message_dict.items()
            for message in errors
        ]
    return list(error.messages)


def object_problems(obj) -> list[str]:
    """``full_clean()`` of one row that the database holds already, as readable German lines.

    Its unique and check constraints are left out: the database enforced them when the row
    was written (a violation raised the IntegrityError that :func:`constraint_message`
    names), and checking them again cost one query per constraint and row, about 4,000 of
    the demo data's 9,000. The field rules (foreign keys with their ``limit_choices_to``
    included) and ``clean()`` run as before."""
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        label = f"{obj._meta.verbose_name} #{obj.pk} („{obj}“)"
        return [f"{label}: {m}" for m in _messages(error)]
    return []


def plan_problems() -> list[str]:
    """Every rule over the data set: each row's own rules, then those across rows."""
    problems: list[str] = []
    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label_lower.startswith(f"{app_label}.historical"):
                continue
            for obj in model._default_manager.all():
                problems += object_problems(obj)
    problems += cross_row_problems()
    return problems


def constraint_message(error: Exception) -> str:
    """The German message of the database constraint an IntegrityError names, if any.

    SQLite and PostgreSQL both put the constraint's name into the error text.
    """
    text = str(error)
    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                if constraint.name in text:
                    return f"{model._meta.verbose_name}: {constraint.get_violation_error_message()}"
    return text


def cross_row_problems() -> list[str]:
    """Rules that span rows and no single row's ``clean()`` sees: served-town shares and
    fixed split percentages (occupancy against the FTE is part of ``Occupancy.clean()``)."""
    from carriers.models import CostSplit
    from staffing.models import Position, PositionTown

    problems = []
    titles = dict(Position.objects.values_list("pk", "title"))
    shares = defaultdict(list)
    for position_id, share in PositionTown.objects.values_list("position_id", "share"):
        shares[position_id].append(share)
    for position_id, values in shares.items():
        message = rules.served_shares_error(values)
        if message:
            problems.append(f"Stelle #{position_id} („{titles[position_id]}“): {message}")

    for split in CostSplit.objects.filter(method=SplitMethod.FIXED_PERCENT).prefetch_related(
        "members"
    ):
        message = rules.split_percents_error([m.percent for m in split.members.all()])
        if message:
            problems.append(f"Kostenaufteilung #{split.pk} („{split.name}“): {message}")
    problems += funds_call_problems()
    return problems


def funds_call_problems() -> list[str]:
    """A recipient's funds calls of a year beyond the funding approved for it (issue 15; the
    rule of ``funding.funds.services.save_funds_call``), one line per recipient and year."""
    from funding.funds.selectors import calls_beyond_approved
    from funding.models import FundsCall

    problems = []
    checked = set()
    for funds_call in FundsCall.objects.select_related("notice__recipient").order_by("pk"):
        key = (funds_call.notice.recipient_id, funds_call.period_start.year)
        if key in checked:
            continue
        checked.add(key)
        beyond = calls_beyond_approved(funds_call)
        if beyond is not None:
            approved, others = beyond
            problems.append(
                f"Mittelabrufe {funds_call.notice.recipient} {key[1]}: zusammen "
                f"{others + funds_call.amount} € abgerufen, bewilligt {approved} €."
            )
    return problems
