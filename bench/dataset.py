"""A deterministic, state-scale KIM NRW data set for the benchmarks.

All of North Rhine-Westphalia: 31 counties (30 Kreise and the Städteregion Aachen) and 22
county-free cities as recipients, the 374 towns of the counties (with the 22 cities: NRW's 396
municipalities) with levy shares summing to 100 % per county, three welfare carriers per
recipient, and by default 1,500 positions in the three building blocks with occupancies, ten
years of cost rows (2021–2030), forwarding agreements, cost splits, grant notices, programme
costs and pay grade cost tables.

Every figure comes from one ``random.Random(seed)``: the same parameters give the same rows.
Rows are written with ``bulk_create`` (no ``save()``, no history rows), so generating takes
seconds. Names of towns are made up except where the seeds name them (Coesfeld, Wesel);
populations are rounded and only weight the number of case-management positions.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db import transaction
from django.utils.text import slugify

# Bump when the generator changes: a stored data set with another stamp is regenerated.
GENERATOR_VERSION = 2  # 2: carriers work for their recipient (partner_recipients)

FIRST_YEAR, LAST_YEAR = 2021, 2030
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)

# (name, number of towns, population in thousands): the 31 counties of NRW (374 towns).
COUNTIES = [
    ("Kreis Kleve", 16, 316),
    ("Kreis Mettmann", 10, 485),
    ("Rhein-Kreis Neuss", 8, 451),
    ("Kreis Viersen", 9, 298),
    ("Kreis Wesel", 13, 460),
    ("Städteregion Aachen", 10, 555),
    ("Kreis Düren", 15, 265),
    ("Rhein-Erft-Kreis", 10, 470),
    ("Kreis Euskirchen", 11, 193),
    ("Kreis Heinsberg", 10, 256),
    ("Oberbergischer Kreis", 13, 272),
    ("Rheinisch-Bergischer Kreis", 8, 283),
    ("Rhein-Sieg-Kreis", 19, 600),
    ("Kreis Borken", 17, 370),
    ("Kreis Coesfeld", 11, 220),
    ("Kreis Recklinghausen", 10, 615),
    ("Kreis Steinfurt", 24, 450),
    ("Kreis Warendorf", 13, 277),
    ("Kreis Gütersloh", 13, 364),
    ("Kreis Herford", 9, 250),
    ("Kreis Höxter", 10, 140),
    ("Kreis Lippe", 16, 348),
    ("Kreis Minden-Lübbecke", 11, 310),
    ("Kreis Paderborn", 10, 308),
    ("Ennepe-Ruhr-Kreis", 9, 323),
    ("Hochsauerlandkreis", 12, 260),
    ("Märkischer Kreis", 15, 410),
    ("Kreis Olpe", 7, 134),
    ("Kreis Siegen-Wittgenstein", 11, 276),
    ("Kreis Soest", 14, 300),
    ("Kreis Unna", 10, 394),
]

# (name, population in thousands): the 22 county-free cities of NRW.
CITIES = [
    ("Düsseldorf", 620),
    ("Duisburg", 500),
    ("Essen", 580),
    ("Krefeld", 227),
    ("Mönchengladbach", 261),
    ("Mülheim an der Ruhr", 171),
    ("Oberhausen", 209),
    ("Remscheid", 111),
    ("Solingen", 159),
    ("Wuppertal", 355),
    ("Bonn", 330),
    ("Köln", 1080),
    ("Leverkusen", 163),
    ("Bottrop", 117),
    ("Gelsenkirchen", 262),
    ("Münster", 317),
    ("Bielefeld", 334),
    ("Bochum", 364),
    ("Dortmund", 588),
    ("Hagen", 189),
    ("Hamm", 179),
    ("Herne", 156),
]

# Towns the seeds name (seed 003: Kreis Coesfeld, seed 004: Kreis Wesel).
TOWN_NAMES = {
    "Kreis Coesfeld": [
        "Coesfeld",
        "Billerbeck",
        "Havixbeck",
        "Rosendahl",
        "Dülmen",
        "Nottuln",
        "Ascheberg",
        "Lüdinghausen",
        "Olfen",
        "Nordkirchen",
        "Senden",
    ],
    "Kreis Wesel": [
        "Alpen",
        "Dinslaken",
        "Hamminkeln",
        "Hünxe",
        "Kamp-Lintfort",
        "Moers",
        "Neukirchen-Vluyn",
        "Rheinberg",
        "Schermbeck",
        "Sonsbeck",
        "Voerde",
        "Wesel",
        "Xanten",
    ],
}

CARRIER_NAMES = [
    "Caritasverband",
    "Arbeiterwohlfahrt",
    "Diakonisches Werk",
    "Der Paritätische",
    "DRK-Kreisverband",
]

BLOCKS = [
    (1, "Strategische Koordinierung"),
    (2, "Rechtskreisübergreifendes Casemanagement"),
    (3, "Ausländer- und Einbürgerungsbehörden"),
]

# (block, kind, amount, valid from): rates are data (DOMAIN), these are the ones of the seeds.
RATES = [
    (1, "coordination", 55_000, date(2021, 1, 1)),
    (1, "assistance", 45_000, date(2021, 1, 1)),
    (1, "workplace_allowance", 9_700, date(2021, 1, 1)),
    (1, "events_budget", 49_000, date(2021, 1, 1)),
    (2, "case_management", 55_000, date(2021, 1, 1)),
    (2, "case_management", 57_000, date(2023, 1, 1)),
    (3, "immigration_office", 50_000, date(2021, 1, 1)),
]

# Employer gross per FTE in 2021 (EUR) by pay grade, and a yearly index of TVöD raises.
PAY_GRADES = {
    "S 12": ("Sozial- und Erziehungsdienst S 12", 66_000),
    "E 8": ("TVöD E 8", 54_000),
    "E 9b": ("TVöD E 9b", 62_000),
    "E 9c": ("TVöD E 9c", 64_500),
    "E 11": ("TVöD E 11", 70_000),
    "E 13": ("TVöD E 13", 82_000),
}
PAY_INDEX = {
    2021: 1.000,
    2022: 1.014,
    2023: 1.032,
    2024: 1.078,
    2025: 1.116,
    2026: 1.148,
    2027: 1.177,
    2028: 1.206,
    2029: 1.236,
    2030: 1.267,
}

CENT = Decimal("0.01")
PERCENT_UNITS = 1_000_000  # 100 % in steps of 0.0001 % (four decimal places)


@dataclass(frozen=True)
class Params:
    seed: int = 20210215
    positions: int = 1500
    carriers_per_recipient: int = 3

    @property
    def stamp(self) -> str:
        return (
            f"kim-bench generator v{GENERATOR_VERSION} seed={self.seed} "
            f"positions={self.positions} carriers={self.carriers_per_recipient}"
        )


# --- Small pure helpers ----------------------------------------------------------------------


def money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def largest_remainder(weights: list[float], total: int) -> list[int]:
    """Integers proportional to ``weights`` that sum to ``total`` exactly."""
    weight_sum = sum(weights)
    exact = [w * total / weight_sum for w in weights]
    parts = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def percents(weights: list[float]) -> list[Decimal]:
    """Percentages with four decimals that sum to exactly 100."""
    return [Decimal(u).scaleb(-4) for u in largest_remainder(weights, PERCENT_UNITS)]


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def year_fraction(year: int, start: date, end: date | None) -> float:
    """Share of the year's days within [start, end] (end inclusive, None: open)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    lo, hi = max(start, first), min(end or last, last)
    if hi < lo:
        return 0.0
    return ((hi - lo).days + 1) / ((last - first).days + 1)


# --- The generator ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, params: Params):
        self.p = params
        self.rng = random.Random(params.seed)

    def build(self) -> dict[str, int]:
        with transaction.atomic():
            self._programme()
            self._pay_grades()
            self._organisations()
            self._regions()
            self._positions()
            self._occupancies()
            self._position_costs()
            self._served_towns()
            self._forwarding_agreements()
            self._cost_splits()
            self._grant_notices()
            self._programme_costs()
        return self.sizes

    # Programme, blocks, rates, pay grades ---------------------------------------------------

    def _programme(self):
        from funding.models import BuildingBlock, FundingRate, Programme

        self.programme = Programme.objects.create(
            name="Kommunales Integrationsmanagement NRW",
            slug="kim-nrw",
            legal_basis="§ 9 Teilhabe- und Integrationsgesetz NRW",
        )
        self.blocks = {
            b.number: b
            for b in BuildingBlock.objects.bulk_create(
                BuildingBlock(programme=self.programme, number=n, name=name) for n, name in BLOCKS
            )
        }
        FundingRate.objects.bulk_create(
            FundingRate(
                programme=self.programme,
                block=self.blocks[block],
                kind=kind,
                amount=Decimal(amount),
                valid_from=valid_from,
                capped_at_cost=True,
                source="Bench: Sätze der Ratsvorlagen",
            )
            for block, kind, amount, valid_from in RATES
        )

    def _pay_grades(self):
        from staffing.models import PayGrade, PayGradeCost

        self.pay_grades = {
            g.code: g
            for g in PayGrade.objects.bulk_create(
                PayGrade(code=code, name=name) for code, (name, _base) in PAY_GRADES.items()
            )
        }
        PayGradeCost.objects.bulk_create(
            PayGradeCost(
                pay_grade=self.pay_grades[code],
                year=year,
                employer_gross_per_fte=money(round(base * PAY_INDEX[year], -1)),
                source="Bench: Durchschnittssatz",
            )
            for code, (_name, base) in PAY_GRADES.items()
            for year in YEARS
        )

    @staticmethod
    def pay_cost(code: str, year: int) -> float:
        return PAY_GRADES[code][1] * PAY_INDEX[year]

    # Organisations --------------------------------------------------------------------------

    def _organisations(self):
        from carriers.models import Organisation

        rng = self.rng
        recipients = [
            Organisation(name=name, slug=slugify(name), kind="county")
            for name, _towns, _pop in COUNTIES
        ] + [
            Organisation(name=name, slug=slugify(name), kind="county_free_city")
            for name, _pop in CITIES
        ]
        self.recipients = Organisation.objects.bulk_create(recipients)
        self.population = {
            r.id: pop
            for r, pop in zip(
                self.recipients,
                [c[2] for c in COUNTIES] + [c[1] for c in CITIES],
                strict=True,
            )
        }

        towns = []
        for county, (name, count, _pop) in zip(self.recipients, COUNTIES, strict=False):
            names = TOWN_NAMES.get(name) or [
                f"{name.replace('Kreis ', '')} – Gemeinde {i:02d}" for i in range(1, count + 1)
            ]
            shares = percents([rng.lognormvariate(0, 0.6) for _ in names])
            towns += [
                Organisation(
                    name=town,
                    slug=slugify(town),
                    kind="town",
                    parent=county,
                    levy_share=share,
                )
                for town, share in zip(names, shares, strict=True)
            ]
        self.towns = Organisation.objects.bulk_create(towns)
        self.towns_of = defaultdict(list)
        for town in self.towns:
            self.towns_of[town.parent_id].append(town)

        carriers = []
        for recipient in self.recipients:
            short = recipient.name.replace("Kreis ", "")
            for label in rng.sample(CARRIER_NAMES, self.p.carriers_per_recipient):
                carriers.append(
                    Organisation(
                        name=f"{label} {short}",
                        slug=slugify(f"{label}-{recipient.slug}"),
                        kind="carrier",
                    )
                )
        carriers = Organisation.objects.bulk_create(carriers)
        n = self.p.carriers_per_recipient
        self.carriers_of = {
            r.id: carriers[i * n : (i + 1) * n] for i, r in enumerate(self.recipients)
        }
        _works_for(self.carriers_of)

    def _regions(self):
        """Counties' cooperation regions (seed 003) and levy refinancing (seed 004), as plans;
        the splits themselves are written once the positions exist."""
        rng = self.rng
        self.regions = defaultdict(list)  # county id -> [(employer town, members, method)]
        self.levy_county = set()
        for county in self.recipients:
            if county.kind != "county":
                continue
            towns = list(self.towns_of[county.id])
            rng.shuffle(towns)
            count = rng.choice([0, 1, 2, 3])
            for i in range(count):
                members = towns[i * len(towns) // count : (i + 1) * len(towns) // count][:5]
                method = rng.choice(["equal", "equal", "deployed_fte", "fixed_percent"])
                self.regions[county.id].append((members[0], members, method))
            if rng.random() < 0.35:
                self.levy_county.add(county.id)

    # Positions ------------------------------------------------------------------------------

    def _positions(self):
        from staffing.models import Position

        rng = self.rng
        specs = []  # (recipient, block, kind, title, fte, employer, department, grade, extra)
        for r in self.recipients:
            ki = "Kommunales Integrationszentrum"
            specs += [
                (r, 1, "coordination", "Koordination KI 1", "1.000", r, ki, "E 13", {}),
                (r, 1, "coordination", "Koordination KI 2", "1.000", r, ki, "E 13", {}),
                (r, 1, "coordination", "Koordination KI 3", "0.500", r, ki, "E 11", {}),
                (r, 1, "assistance", "Assistenz KI", "0.500", r, ki, "E 8", {}),
            ]
            for i in range(rng.choice([2, 3, 3, 4])):
                dept = "Ausländerbehörde" if i % 2 == 0 else "Einbürgerungsbehörde"
                fte = rng.choice(["0.750", "0.750", "1.000"])
                title = f"{dept} – Sachbearbeitung {i + 1}"
                specs.append((r, 3, "immigration_office", title, fte, r, dept, "E 9c", {}))
        case_managers = self.p.positions - len(specs)
        if case_managers < len(self.recipients):
            raise ValueError(f"at least {len(specs) + len(self.recipients)} positions, please")
        per_recipient = largest_remainder(
            [self.population[r.id] * rng.uniform(0.8, 1.25) for r in self.recipients],
            case_managers,
        )
        for r, count in zip(self.recipients, per_recipient, strict=True):
            for i in range(count):
                specs.append(self._case_manager(r, i + 1))

        positions = []
        self.extra = []
        for n, (r, block, kind, title, fte, employer, dept, grade, extra) in enumerate(specs):
            start = extra.get("start") or rng.choice(
                [date(2021, 1, 1)] * 6 + [date(2021, 4, 1), date(2022, 1, 1), date(2023, 1, 1)]
            )
            end = extra.get("end")
            positions.append(
                Position(
                    recipient=r,
                    block=self.blocks[block],
                    funding_kind=kind,
                    title=title,
                    fte=Decimal(fte),
                    employer=employer,
                    department=dept,
                    pay_grade=self.pay_grades[grade],
                    budget_product=f"1.05.0{block}.01",
                    ledger_account="501100" if employer.kind != "carrier" else "531800",
                    cost_centre=f"{4000 + n % 900}",
                    planned_start=start,
                    end_date=end,
                )
            )
            self.extra.append(extra)
        self.positions = Position.objects.bulk_create(positions)

    def _case_manager(self, r, i):
        rng = self.rng
        extra = {}
        start = rng.choice(
            [date(2021, 1, 1)] * 4
            + [date(2021, 4, 1), date(2021, 7, 1), date(2022, 1, 1), date(2022, 1, 1)]
            + [date(2022, 9, 1), date(2023, 1, 1), date(2023, 7, 1), date(2024, 1, 1)]
            + [date(2024, 4, 1)]
        )
        if rng.random() < 0.05:  # planned expansion
            start = rng.choice([date(2025, 1, 1), date(2026, 1, 1)])
        extra["start"] = start
        if rng.random() < 0.06:  # ended (e.g. replaced by an own position, seed 002)
            ends = [date(2022, 12, 31), date(2023, 6, 30), date(2024, 3, 31), date(2024, 9, 30)]
            ends = [e for e in ends if e > start]
            if ends:
                extra["end"] = rng.choice(ends)
        fte = rng.choice(["1.000"] * 6 + ["0.500", "0.500", "0.750", "0.800"])
        grade = rng.choice(["S 12", "S 12", "S 12", "E 9b", "E 11"])
        title = f"Casemanagement {i:03d}"
        dept = "Kommunales Integrationszentrum"
        draw = rng.random()
        if draw < 0.5:
            employer = rng.choice(self.carriers_of[r.id])
            dept = ""
        elif r.kind == "county" and draw < 0.75:
            regions = self.regions.get(r.id)
            if regions and rng.random() < 0.7:
                region = rng.choice(regions)
                employer = region[0]
                extra["region"] = region
                extra["served"] = region[1]
            else:
                employer = rng.choice(self.towns_of[r.id])
                extra["served"] = [employer]
            dept = "Integrationsbüro"
        else:
            employer = r
            if r.id in self.levy_county:
                extra["levy"] = True
        if r.kind == "county" and "served" not in extra:
            k = rng.choice([1, 1, 2, 3])
            extra["served"] = rng.sample(self.towns_of[r.id], k)
        return (r, 2, "case_management", title, fte, employer, dept, grade, extra)

    # Occupancies and costs ------------------------------------------------------------------

    def _occupancies(self):
        from staffing.models import Occupancy

        rng = self.rng
        rows = []
        self.periods = {}
        for position in self.positions:
            periods = []
            start, end = position.planned_start, position.end_date
            if rng.random() >= 0.06:  # else vacant all along
                fte = position.fte if rng.random() < 0.9 else position.fte / 2
                fte = fte.quantize(Decimal("0.001"))
                first = start
                if rng.random() < 0.3:  # filled later: a mid-year start
                    first = add_months(start, rng.randint(1, 8))
                    if rng.random() < 0.3:
                        first += timedelta(days=14)
                if end is None or first <= end:
                    if rng.random() < 0.15:  # the holder leaves, a vacancy, a successor
                        left = month_end(add_months(first, rng.randint(6, 40)))
                        again = add_months(left, rng.randint(1, 7))
                        if end is not None and left >= end:
                            periods.append((first, end, fte))
                        else:
                            periods.append((first, left, fte))
                            if end is None or again <= end:
                                periods.append((again, end, fte))
                    else:
                        periods.append((first, end, fte))
            self.periods[position.id] = periods
            rows += [Occupancy(position=position, start=s, end=e, fte=f) for s, e, f in periods]
        Occupancy.objects.bulk_create(rows)

    def _position_costs(self):
        from staffing.models import PositionCost

        rng = self.rng
        rows = []
        for position in self.positions:
            start, end = position.planned_start, position.end_date
            fte = float(position.fte)
            grade = position.pay_grade.code
            at_carrier = position.employer.kind == "carrier"
            material_per_fte = rng.choice([0, 2500, 5000, 9700, 9700, 12000])
            overhead = rng.choice(["none", "kgst", "amount"] if at_carrier else ["none", "kgst"])
            table_only_from = 2025 if rng.random() < 0.05 else None  # no plan: cost table
            starts = {s.year for s, _e, _f in self.periods[position.id] if s > start}
            for year in YEARS:
                active = year_fraction(year, start, end)
                if not active:
                    continue
                filled = sum(
                    year_fraction(year, s, e) * float(f) for s, e, f in self.periods[position.id]
                )
                statuses = []
                if table_only_from is None or year < table_only_from:
                    statuses.append(("planned", fte * active, rng.uniform(0.98, 1.04)))
                if filled and (
                    (year <= 2023 and rng.random() < 0.75) or (year == 2024 and rng.random() < 0.3)
                ):
                    statuses.append(("actual", filled, rng.uniform(0.95, 1.02)))
                if at_carrier and year in (2024, 2025) and rng.random() < 0.8:
                    statuses.append(
                        ("forecast", max(filled, fte * active), rng.uniform(0.97, 1.04))
                    )
                for status, fte_years, jitter in statuses:
                    gross = self.pay_cost(grade, year) * fte_years * jitter
                    row = PositionCost(
                        position=position,
                        year=year,
                        status=status,
                        employer_gross=money(gross),
                        material=money(material_per_fte * fte_years),
                        one_off=money(rng.choice([2500, 4000, 6000]))
                        if year in starts
                        else Decimal(0),
                    )
                    if overhead == "kgst":
                        row.overhead_rate = Decimal("20.0000")
                    elif overhead == "amount":
                        row.overhead_amount = money(gross * 0.08)
                    rows.append(row)
        PositionCost.objects.bulk_create(rows, batch_size=2000)
        self.cost_rows = len(rows)

    def _served_towns(self):
        from staffing.models import PositionTown

        rows = []
        for position, extra in zip(self.positions, self.extra, strict=True):
            towns = extra.get("served") or []
            if not towns:
                continue
            shares = {1: [100], 2: [50, 50], 3: [40, 30, 30]}.get(len(towns))
            shares = [Decimal(s) for s in shares] if shares else percents([1.0] * len(towns))
            rows += [
                PositionTown(position=position, town=town, share=share)
                for town, share in zip(towns, shares, strict=True)
            ]
        PositionTown.objects.bulk_create(rows)
        self.served_rows = len(rows)

    # Agreements and splits ------------------------------------------------------------------

    def _forwarding_agreements(self):
        from carriers.models import ForwardingAgreement

        rng = self.rng
        by_pair = defaultdict(list)
        for position in self.positions:
            if position.employer.kind == "carrier" and rng.random() > 0.03:
                by_pair[(position.recipient_id, position.employer_id)].append(position)
        recipients = {r.id: r for r in self.recipients}
        agreements, members = [], []
        for (rid, carrier_id), positions in sorted(by_pair.items()):
            recipient = recipients[rid]
            payer = None
            if recipient.kind == "county" and rng.random() < 0.1:
                payer = rng.choice(self.towns_of[rid])
            changes = rng.random() < 0.2  # policy changes mid-2024
            periods = (
                [(date(2021, 1, 1), date(2024, 6, 30)), (date(2024, 7, 1), None)]
                if changes
                else [(date(2021, 1, 1), None)]
            )
            for valid_from, valid_to in periods:
                policy = rng.choice(["all", "none", "percent", "flat_per_fte"])
                agreement = ForwardingAgreement(
                    recipient=recipient,
                    carrier_id=carrier_id,
                    payer=payer,
                    reference=f"WV-{rid}-{carrier_id}-{valid_from.year}",
                    signed_on=valid_from - timedelta(days=20),
                    valid_from=valid_from,
                    valid_to=valid_to,
                    coverage_policy=policy,
                )
                if policy == "percent":
                    agreement.coverage_percent = Decimal(rng.choice(["25", "50", "75", "33.3333"]))
                elif policy == "flat_per_fte":
                    agreement.coverage_flat_per_fte = money(rng.choice([3000, 5000, 7500]))
                agreements.append(agreement)
                members.append(positions)
        agreements = ForwardingAgreement.objects.bulk_create(agreements)
        through = ForwardingAgreement.positions.through
        through.objects.bulk_create(
            through(forwardingagreement_id=a.id, position_id=p.id)
            for a, positions in zip(agreements, members, strict=True)
            for p in positions
        )
        self.agreement_rows = len(agreements)

    def _cost_splits(self):
        from carriers.models import CostSplit, CostSplitMember

        plans = []  # (split, members with percent, positions)
        region_positions = defaultdict(list)
        levy_positions = defaultdict(list)
        for position, extra in zip(self.positions, self.extra, strict=True):
            if "region" in extra:
                region_positions[id(extra["region"])].append(position)
            if extra.get("levy"):
                levy_positions[position.recipient_id].append(position)
        recipients = {r.id: r for r in self.recipients}
        for county_id, regions in sorted(self.regions.items()):
            for n, region in enumerate(regions, start=1):
                employer, towns, method = region
                weights = percents([1.0] * len(towns)) if method == "fixed_percent" else None
                split = CostSplit(
                    recipient=recipients[county_id],
                    name=f"Kooperationsregion {n} ({employer.name})",
                    employer_town=employer,
                    method=method,
                    valid_from=date(2021, 1, 1),
                )
                members = [(t, weights[i] if weights else None) for i, t in enumerate(towns)]
                plans.append((split, members, region_positions[id(region)]))
        for county_id in sorted(self.levy_county):
            split = CostSplit(
                recipient=recipients[county_id],
                name="Refinanzierung über die Kreisumlage",
                method="levy_share",
                valid_from=date(2021, 1, 1),
            )
            members = [(t, None) for t in self.towns_of[county_id]]
            plans.append((split, members, levy_positions[county_id]))
        splits = CostSplit.objects.bulk_create(split for split, _m, _p in plans)
        CostSplitMember.objects.bulk_create(
            CostSplitMember(split=split, organisation=town, percent=percent)
            for split, (_s, members, _p) in zip(splits, plans, strict=True)
            for town, percent in members
        )
        through = CostSplit.positions.through
        through.objects.bulk_create(
            through(costsplit_id=split.id, position_id=p.id)
            for split, (_s, _m, positions) in zip(splits, plans, strict=True)
            for p in positions
        )
        self.split_rows = len(splits)

    # Notices, programme costs, accounts -----------------------------------------------------

    def _grant_notices(self):
        from funding.models import GrantNotice, GrantNoticeBlock, RevenueAccount

        rng = self.rng
        # (recipient, block, year) -> FTE of the positions active in the year
        fte = defaultdict(Decimal)
        for position in self.positions:
            for year in (2022, 2024, 2025):
                if year_fraction(year, position.planned_start, position.end_date):
                    fte[(position.recipient_id, position.block.number, year)] += position.fte
        notices, blocks = [], []
        for r in self.recipients:
            # Notices approve what is planned for the period, give or take (some more,
            # some less: "block_fte_exceeds_notice" and "critical_filling" warnings).
            periods = [
                (date(2021, 2, 15), date(2021, 1, 1), date(2022, 12, 31), 2022),
                (date(2023, 2, 15), date(2023, 1, 1), None, 2024),
            ]
            if rng.random() < 0.25:
                periods.append((date(2025, 1, 20), date(2025, 1, 1), None, 2025))
            for issued_on, start, end, year in periods:
                notices.append(
                    GrantNotice(
                        recipient=r,
                        programme=self.programme,
                        reference=f"KIM-{r.slug}-{issued_on.year}",
                        issued_on=issued_on,
                        period_start=start,
                        period_end=end,
                    )
                )
                block2 = fte[(r.id, 2, year)] + rng.choice([0, 0, 0, 0, 1, 2, 8, -1])
                blocks.append(
                    [
                        (1, Decimal("3.000"), Decimal("160000.00")),
                        (
                            2,
                            self._approved(
                                max(block2.to_integral_value(rounding=ROUND_CEILING), Decimal(1))
                            ),
                            None,
                        ),
                        (3, fte[(r.id, 3, year)], None),
                    ]
                )
        notices = GrantNotice.objects.bulk_create(notices)
        GrantNoticeBlock.objects.bulk_create(
            GrantNoticeBlock(
                notice=notice,
                block=self.blocks[number],
                approved_fte=approved,
                max_personnel_funding=cap,
            )
            for notice, rows in zip(notices, blocks, strict=True)
            for number, approved, cap in rows
        )
        RevenueAccount.objects.bulk_create(
            RevenueAccount(
                recipient=r, category=category, budget_product="1.05.01", ledger_account=account
            )
            for r in self.recipients
            for category, account in (("personnel", "414101"), ("material", "414100"))
        )
        self.notice_rows = len(notices)

    def _approved(self, fte: Decimal) -> Decimal:
        """FTE a notice approves for block 2 (the state's recipients fit the field)."""
        return fte

    def _programme_costs(self):
        from funding.models import ProgrammeCost

        rng = self.rng
        rows = []
        for r in self.recipients:
            external = rng.random() < 0.4
            for year in YEARS:
                events = round(rng.uniform(30_000, 60_000), -2)
                items = [("events", "planned", events)]
                if year <= 2023:
                    items.append(("events", "actual", events * rng.uniform(0.85, 1.05)))
                if external:
                    items.append(
                        ("external_support", "planned", round(rng.uniform(8_000, 20_000), -2))
                    )
                rows += [
                    ProgrammeCost(
                        recipient=r,
                        block=self.blocks[1],
                        year=year,
                        category=category,
                        status=status,
                        amount=money(amount),
                        budget_product="1.05.01",
                        ledger_account="549900",
                        description="Veranstaltungen, Maßnahmen, Prozessbegleitung",
                    )
                    for category, status, amount in items
                ]
        ProgrammeCost.objects.bulk_create(rows)

    @property
    def sizes(self) -> dict[str, int]:
        return {
            "recipients": len(self.recipients),
            "towns": len(self.towns),
            "positions": len(self.positions),
            "cost rows": self.cost_rows,
        }


def generate(params: Params) -> dict[str, int]:
    """Write the data set into the (empty, migrated) default database."""
    return _Builder(params).build()


# --- One big recipient -----------------------------------------------------------------------

BIG_RECIPIENT = ("Bench-Großstadt", "bench-grossstadt")
MAX_NOTICE_FTE = Decimal(999)


class _SingleRecipientBuilder(_Builder):
    """One county-free city with all ``params.positions`` positions (blocks 1 and 3 as every
    recipient has them, the rest case management, half of it at three carriers), written into
    a generated data set: the programme, its rates and the pay grades are the data set's."""

    def _programme(self):
        from funding.models import Programme

        self.programme = Programme.objects.get(slug="kim-nrw")
        self.blocks = {b.number: b for b in self.programme.blocks.all()}

    def _pay_grades(self):
        from staffing.models import PayGrade

        self.pay_grades = {g.code: g for g in PayGrade.objects.filter(code__in=PAY_GRADES)}

    def _organisations(self):
        from carriers.models import Organisation

        name, slug = BIG_RECIPIENT
        recipient = Organisation.objects.create(name=name, slug=slug, kind="county_free_city")
        self.recipients = [recipient]
        self.population = {recipient.id: 1000}
        self.towns, self.towns_of = [], defaultdict(list)
        carriers = Organisation.objects.bulk_create(
            Organisation(name=f"{label} {name}", slug=slugify(f"{label}-{slug}"), kind="carrier")
            for label in self.rng.sample(CARRIER_NAMES, self.p.carriers_per_recipient)
        )
        self.carriers_of = {recipient.id: carriers}
        _works_for(self.carriers_of)

    def _regions(self):
        self.regions, self.levy_county = defaultdict(list), set()

    def _approved(self, fte: Decimal) -> Decimal:
        # A notice holds at most 999.999 FTE per block: 999, fewer than planned (a
        # "block_fte_exceeds_notice" warning, as some recipients of the state data set have).
        return min(fte, MAX_NOTICE_FTE)


def _works_for(carriers_of: dict) -> None:
    """Each carrier works for the recipient it was made for (its "Tätig für"): a forwarding
    agreement or a position names only a carrier of the recipient's circle."""
    from carriers.models import Organisation

    through = Organisation.partner_recipients.through
    through.objects.bulk_create(
        through(from_organisation_id=carrier.id, to_organisation_id=recipient_id)
        for recipient_id, carriers in carriers_of.items()
        for carrier in carriers
    )


def add_big_recipient(params: Params):
    """Add :data:`BIG_RECIPIENT` with ``params.positions`` positions to the generated data set
    in the database (callers roll it back: the stored data set stays as it is); returns it."""
    builder = _SingleRecipientBuilder(params)
    builder.build()
    return builder.recipients[0]


def sizes() -> dict[str, int]:
    """The sizes of the data set in the database, as printed by the benchmarks."""
    from carriers.models import Organisation
    from staffing.models import Occupancy, Position, PositionCost

    return {
        "recipients": Organisation.objects.filter(kind__in=["county", "county_free_city"]).count(),
        "towns": Organisation.objects.towns().count(),
        "carriers": Organisation.objects.carriers().count(),
        "positions": Position.objects.count(),
        "occupancies": Occupancy.objects.count(),
        "cost rows": PositionCost.objects.count(),
    }
