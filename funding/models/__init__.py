"""The models of funding, one module per part of the programme (Django imports this package;
everything is also importable from here, as migrations and the other apps do):

- ``programme``: the programme, building blocks, funding rates, grant notices and their
  blocks, programme costs, revenue accounts, closed years, pay rises, application due dates;
- ``scenarios``: scenarios and their recorded steps;
- ``projections``: projections and their assumed pay rises, rate and position changes;
- ``funds``: base rates, funds calls, payments, the proof of use and the deadlines.
"""

from funding.models.base import FTE, MONEY
from funding.models.funds import (
    BaseRate,
    DeadlineReminder,
    DeadlineSubmission,
    FundsCall,
    FundsPayment,
    FundsScopedModel,
    ProofOfUse,
    notice_period_text,
    open_year_message,
    year_is_closed,
)
from funding.models.programme import (
    PERCENT_CHANGE,
    ApplicationDueDate,
    BuildingBlock,
    FundingRate,
    GrantNotice,
    GrantNoticeBlock,
    PayRise,
    Programme,
    ProgrammeCost,
    RevenueAccount,
    YearClosing,
    validate_pay_change,
)
from funding.models.projections import (
    PROJECTION_MAX_YEARS,
    PositionChangeAction,
    Projection,
    ProjectionPayRise,
    ProjectionPositionChange,
    ProjectionRateChange,
    ProjectionRow,
)
from funding.models.scenarios import (
    STEP_NAMES,
    STEP_PARAMETERS,
    Scenario,
    ScenarioStep,
    validate_step_parameters,
)

__all__ = [
    "FTE",
    "MONEY",
    "PERCENT_CHANGE",
    "PROJECTION_MAX_YEARS",
    "STEP_NAMES",
    "STEP_PARAMETERS",
    "ApplicationDueDate",
    "BaseRate",
    "BuildingBlock",
    "DeadlineReminder",
    "DeadlineSubmission",
    "FundingRate",
    "FundsCall",
    "FundsPayment",
    "FundsScopedModel",
    "GrantNotice",
    "GrantNoticeBlock",
    "PayRise",
    "PositionChangeAction",
    "Programme",
    "ProgrammeCost",
    "ProjectionPayRise",
    "ProjectionPositionChange",
    "ProjectionRateChange",
    "ProjectionRow",
    "Projection",
    "ProofOfUse",
    "RevenueAccount",
    "Scenario",
    "ScenarioStep",
    "YearClosing",
    "notice_period_text",
    "open_year_message",
    "validate_pay_change",
    "validate_step_parameters",
    "year_is_closed",
]
