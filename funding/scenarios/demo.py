"""The demo scenarios of seed 000 (Leverkusen 2024), built through the scenario services
after the fixtures are loaded: copies are derived data, so they are made, not stored.

Scenario 1 keeps today's model; 2 lets the carriers lower the city's part of their extra cost
(by 30 %: an assumed figure, the seed gives none); 3 moves the six carrier positions to the
KI at the city's own cost for the pay grade; 4 cuts block 2 to the minimum of five positions
(the three at the KI and two at carriers) from 01.01.2025.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from carriers.models import Organisation
from funding.models import Scenario
from funding.scenarios import services

RECIPIENT = "leverkusen"
# Assumed, not from the seed: how much the carriers lower the city's part (scenario 2).
ASSUMED_CARRIER_REDUCTION = Decimal("30")
CUT_FROM = date(2025, 1, 1)

DEMO_SCENARIOS = (
    (
        "szenario-1",
        _("Szenario 1: heutiges Modell"),
        _(
            "Vorlage 2024/3092, Szenario 1: sechs Casemanagement-Stellen bleiben bei den "
            "Trägerinnen, die Stadt trägt die Mehrkosten. Ergebnis laut Vorlage: keine "
            "Kosteneinsparung."
        ),
    ),
    (
        "szenario-2",
        _("Szenario 2: Trägerinnen senken ihre Mehrkosten"),
        _(
            "Vorlage 2024/3092, Szenario 2: die Trägerinnen reduzieren die Mehrkosten. Die "
            "Senkung um 30 % ist angenommen (die Vorlage nennt keine Höhe)."
        ),
    ),
    (
        "szenario-3",
        _("Szenario 3: Stellen zur Stadt (KI)"),
        _(
            "Vorlage 2024/3092, Szenario 3: die sechs Stellen der Trägerinnen werden beim "
            "Kommunalen Integrationszentrum angesiedelt, zu den Kosten der Stadt für die "
            "Entgeltgruppe (Sach- und Gemeinkosten wie die eigenen Stellen)."
        ),
    ),
    (
        "szenario-4",
        _("Szenario 4: Baustein 2 auf fünf Stellen"),
        _(
            "Vorlage 2024/3092, Szenario 4: Baustein 2 ab 01.01.2025 auf das Minimum von fünf "
            "Stellen gekürzt – drei beim KI, zwei bleiben bei Trägerinnen."
        ),
    ),
)


def build_leverkusen_scenarios(actor=None) -> list[Scenario]:
    """Build the four scenarios of seed 000 (nothing if Leverkusen is not loaded or they
    exist already)."""
    recipient = Organisation.objects.filter(slug=RECIPIENT).first()
    if (
        recipient is None
        or Scenario.objects.filter(
            recipient=recipient, slug__in=[s for s, _n, _d in DEMO_SCENARIOS]
        ).exists()
    ):
        return []
    built = []
    for slug, name, description in DEMO_SCENARIOS:
        built.append(
            services.scenario_copy(
                recipient=recipient, name=name, slug=slug, description=description, actor=actor
            )
        )
    one, two, three, four = built
    carriers = (
        Organisation.objects.filter(carrier_agreements__scenario=two).distinct().order_by("name")
    )
    for carrier in carriers:
        services.lower_carrier_extra_cost(
            scenario=two, carrier=carrier, percent=ASSUMED_CARRIER_REDUCTION, actor=actor
        )
    services.move_carrier_positions_to_recipient(scenario=three, actor=actor)
    services.cut_block(scenario=four, block=2, n_positions=5, effective=CUT_FROM, actor=actor)
    return built
