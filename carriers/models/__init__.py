"""Carriers, partner towns, forwarding agreements, cost splits, and the carriers' cost forecasts
and the recipient's payments to them."""

from carriers.models.core import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from carriers.models.forecasts import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
)

__all__ = [
    "CarrierPayment",
    "CostForecast",
    "CostSplit",
    "CostSplitMember",
    "ForecastAttachment",
    "ForecastLine",
    "ForwardingAgreement",
    "Organisation",
]
