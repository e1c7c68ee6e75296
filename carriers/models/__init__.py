"""Carriers, partner towns, forwarding agreements, cost splits, and the carriers' cost forecasts
and the recipient's payments to them."""

from carriers.models.core import CostSplit, CostSplitMember, ForwardingAgreement, Organisation
from carriers.models.forecasts import (
    CarrierPayment,
    CostForecast,
    ForecastAttachment,
    ForecastLine,
)
from carriers.models.proofs import CarrierProof, ProofAttachment, ProofLine
from carriers.models.settlements import AdvancePayment, SettlementStatement

__all__ = [
    "AdvancePayment",
    "CarrierPayment",
    "CarrierProof",
    "CostForecast",
    "CostSplit",
    "CostSplitMember",
    "ForecastAttachment",
    "ForecastLine",
    "ForwardingAgreement",
    "Organisation",
    "ProofAttachment",
    "ProofLine",
    "SettlementStatement",
]
