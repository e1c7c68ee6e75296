"""The workbook's sheets and columns: German headers, the value type of each column, its help
text in the template, and the model field it sets."""

from __future__ import annotations

from dataclasses import dataclass

from funding.choices import POSITION_KINDS, CostStatus

# --- columns ----------------------------------------------------------------------------------

ID = "id"
TEXT = "text"
DECIMAL = "decimal"
PERCENT = "percent"
DATE = "date"
YEAR = "year"
BLOCK = "block"
KIND = "kind"
STATUS = "status"
ORGANISATION = "organisation"
PAY_GRADE = "pay_grade"


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the model field (or position_id / position_title for references)
    kind: str
    help: str
    example: str = ""
    places: int = 2
    required: bool = False  # a value is required (in new rows)
    header_required: bool = False  # the sheet must have the column
    aliases: tuple[str, ...] = ()
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]

    def column(self, field_name: str) -> Column | None:
        return next((c for c in self.columns if c.field == field_name), None)


REF_ID_HELP = (
    "ID der Stelle aus der Tabelle Stellen. Leer bei einer Stelle, die mit dieser Datei neu "
    "angelegt wird: dann die Bezeichnung angeben."
)
REF_TITLE_HELP = (
    "Bezeichnung der Stelle. Pflicht nur für Stellen, die mit dieser Datei neu angelegt "
    "werden (ohne ID in der Tabelle Stellen); sonst zur Kontrolle."
)
MONEY_HELP = "Betrag in Euro, z. B. 57.000,00 oder als Zahl."

POSITIONS = SheetSpec(
    "Stellen",
    (
        Column(
            "ID",
            "id",
            ID,
            "Leer lassen für eine neue Stelle. Bei bestehenden Stellen nicht ändern.",
            "1005",
            header_required=True,
            width=8,
        ),
        Column(
            "Bezeichnung",
            "title",
            TEXT,
            "Bezeichnung der Stelle, z. B. Casemanagement KI 1.",
            required=True,
            header_required=True,
            width=34,
        ),
        Column(
            "Baustein",
            "block",
            BLOCK,
            "Förderbaustein: 1 (Koordination), 2 (Casemanagement) oder 3 (Ausländerbehörden).",
            "2",
            required=True,
            width=10,
        ),
        Column(
            "Förderart",
            "funding_kind",
            KIND,
            "Koordination, Assistenz, Casemanagement oder Ausländer- und Einbürgerungsbehörde.",
            required=True,
            width=22,
        ),
        Column(
            "Stellenanteil (VZ)",
            "fte",
            DECIMAL,
            "Anteil einer Vollzeitstelle, größer als 0 und höchstens 1, z. B. 0,5 oder 1.",
            "0,5",
            places=3,
            required=True,
            aliases=("Stellenanteil", "VZ"),
            width=12,
        ),
        Column(
            "Anstellungsträger (Kürzel)",
            "employer",
            ORGANISATION,
            "Kürzel der Organisation, die die Stelle besetzt, z. B. leverkusen oder "
            "caritas-leverkusen (auch der volle Name geht).",
            "leverkusen",
            required=True,
            aliases=("Anstellungsträger", "Anstellungsträgerin"),
            width=24,
        ),
        Column(
            "Organisationseinheit",
            "department",
            TEXT,
            "Z. B. Kommunales Integrationszentrum.",
            width=28,
        ),
        Column("Entgeltgruppe", "pay_grade", PAY_GRADE, "Z. B. S 12 oder E 11.", "S 12"),
        Column("Produkt", "budget_product", TEXT, "Haushaltsprodukt, z. B. 1.31.11.01."),
        Column("Sachkonto", "ledger_account", TEXT, "Z. B. 549900."),
        Column("Kostenstelle", "cost_centre", TEXT, "Z. B. 120550."),
        Column(
            "Beginn",
            "planned_start",
            DATE,
            "Geplanter Beginn der Stelle, als Datum TT.MM.JJJJ, z. B. 01.07.2023.",
            "01.07.2023",
            required=True,
            aliases=("Geplanter Beginn",),
            width=12,
        ),
        Column(
            "Ende",
            "end_date",
            DATE,
            "Ende der Stelle als Datum TT.MM.JJJJ; leer, wenn die Stelle unbefristet ist.",
            "31.12.2025",
            aliases=("Ende der Stelle",),
            width=12,
        ),
        Column("Anmerkungen", "notes", TEXT, "Freitext.", aliases=("Anmerkung",), width=30),
    ),
)

OCCUPANCIES = SheetSpec(
    "Besetzungen",
    (
        Column(
            "Stellen-ID",
            "position_id",
            ID,
            REF_ID_HELP,
            "1005",
            header_required=True,
            aliases=("ID", "Stellen ID"),
            width=10,
        ),
        Column(
            "Stelle (Bezeichnung)",
            "position_title",
            TEXT,
            REF_TITLE_HELP,
            aliases=("Stelle", "Bezeichnung"),
            width=34,
        ),
        Column(
            "Besetzt ab",
            "start",
            DATE,
            "Erster Tag der Besetzung, TT.MM.JJJJ, z. B. 01.07.2023.",
            "01.07.2023",
            required=True,
            header_required=True,
            width=12,
        ),
        Column(
            "Besetzt bis",
            "end",
            DATE,
            "Letzter Tag der Besetzung, TT.MM.JJJJ; leer, wenn sie andauert.",
            "30.06.2024",
            header_required=True,
            width=12,
        ),
        Column(
            "Anteil (VZ)",
            "fte",
            DECIMAL,
            "Besetzter Anteil einer Vollzeitstelle, z. B. 0,5. Alle Besetzungen einer Stelle "
            "zusammen nie mehr als ihr Stellenanteil.",
            "0,5",
            places=3,
            required=True,
            header_required=True,
            aliases=("Anteil", "Besetzter Anteil (VZ)", "Besetzter Anteil"),
            width=10,
        ),
        Column("Anmerkung", "note", TEXT, "Freitext, keine Namen.", aliases=("Anmerkungen",)),
    ),
)

COSTS = SheetSpec(
    "Kosten",
    (
        Column(
            "Stellen-ID",
            "position_id",
            ID,
            REF_ID_HELP,
            "1005",
            header_required=True,
            aliases=("ID", "Stellen ID"),
            width=10,
        ),
        Column(
            "Stelle (Bezeichnung)",
            "position_title",
            TEXT,
            REF_TITLE_HELP,
            aliases=("Stelle", "Bezeichnung"),
            width=34,
        ),
        Column(
            "Jahr",
            "year",
            YEAR,
            "Kalenderjahr, z. B. 2024.",
            "2024",
            required=True,
            header_required=True,
            width=8,
        ),
        Column(
            "Stand",
            "status",
            STATUS,
            "Plan, Prognose (einer Trägerin) oder Ist (tatsächliche Zahlungen).",
            "Plan",
            required=True,
            header_required=True,
            width=10,
        ),
        Column(
            "Arbeitgeberbrutto (€)",
            "employer_gross",
            DECIMAL,
            "Arbeitgeberbrutto des Jahres in Euro, z. B. 57.000,00 oder als Zahl.",
            "57.000,00",
            required=True,
            header_required=True,
            aliases=("Arbeitgeberbrutto",),
            width=16,
        ),
        Column(
            "Sachkosten (€)",
            "material",
            DECIMAL,
            MONEY_HELP + " Leer: 0.",
            "9.700,00",
            aliases=("Sachkosten",),
        ),
        Column(
            "Gemeinkosten (%)",
            "overhead_rate",
            PERCENT,
            "Gemeinkosten als Prozentsatz des Arbeitgeberbruttos, z. B. 20 oder 20 %. "
            "Entweder Prozentsatz oder Betrag, nicht beides.",
            "20",
            places=4,
            aliases=("Gemeinkosten %",),
        ),
        Column(
            "Gemeinkosten (€)",
            "overhead_amount",
            DECIMAL,
            "Gemeinkosten als Betrag in Euro. Entweder Prozentsatz oder Betrag, nicht beides.",
            "11.400,00",
            aliases=("Gemeinkosten €",),
        ),
        Column(
            "Einmalkosten (€)",
            "one_off",
            DECIMAL,
            "Einmalige Kosten, z. B. der Stellenbesetzung, in Euro. Leer: 0.",
            "2.500,00",
            aliases=("Einmalkosten",),
        ),
        Column("Anmerkung", "note", TEXT, "Freitext.", aliases=("Anmerkungen",), width=30),
    ),
)

SHEETS = (POSITIONS, OCCUPANCIES, COSTS)
SHEET_ORDER = {spec.name: index for index, spec in enumerate(SHEETS)}

# Position fields the Stellen sheet can set (model attribute names) and their FK models.
POSITION_FK_FIELDS = ("block", "employer", "pay_grade")
KIND_LABELS = {str(k.value): str(k.label) for k in POSITION_KINDS}
STATUS_LABELS = {str(value): str(label) for value, label in CostStatus.choices}
