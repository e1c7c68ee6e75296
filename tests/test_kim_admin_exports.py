"""XLSX exports ready to work with (issue 16): frozen header, autofilter over the rows, and a
totals row under the columns the list itself sums, as SUBTOTAL formulas over the visible
rows."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.factories import BuildingBlockFactory, ProgrammeCostFactory

pytestmark = pytest.mark.django_db


def sheet_of(response):
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content)).active


def test_programme_costs_export_has_filter_frozen_header_and_totals(client, finance, city):
    block = BuildingBlockFactory(number=1)
    for amount, description in (("49000.00", "Fortbildung"), ("1250.50", "Dolmetscher")):
        ProgrammeCostFactory(recipient=city, block=block, amount=D(amount), description=description)
    client.force_login(finance)
    sheet = sheet_of(client.get("/foerderung/programmkosten/", {"export": "xlsx"}))
    header = [cell.value for cell in sheet[1]]
    amount = header.index("Betrag") + 1
    letter = sheet.cell(row=1, column=amount).column_letter
    last = sheet.cell(row=1, column=len(header)).column_letter

    assert sheet.freeze_panes == "A2"
    # Header and the two rows; the totals row stays outside the filter.
    assert sheet.auto_filter.ref == f"A1:{last}3"
    assert sheet.max_row == 4
    assert sorted(sheet.cell(row=r, column=amount).value for r in (2, 3)) == [
        D("1250.50"),
        D("49000.00"),
    ]
    total = sheet.cell(row=4, column=amount)
    assert total.value == f"=SUBTOTAL(109,{letter}2:{letter}3)"
    assert total.number_format == "#,##0.00"
    assert total.font.b
    assert "Summe" in [cell.value for cell in sheet[4]][0]
    # Only the summed column has a formula (not the year, not the block number).
    formulas = [c.value for c in sheet[4] if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas == [total.value]
    # The page's totals row: 49,000.00 + 1,250.50 = 50,250.50.
    page = client.get("/foerderung/programmkosten/").content.decode()
    assert "50.250,50\xa0€" in page


def test_a_list_without_totals_gets_no_totals_row(client, finance, city):
    """The forecasts list sums nothing (versions of one forecast would count twice): the
    export has the filter and the frozen header, but no totals row."""
    from tests.factories import CarrierFactory, CostForecastFactory

    carrier = CarrierFactory(works_for=[city])
    CostForecastFactory(recipient=city, carrier=carrier, year=2025)
    CostForecastFactory(recipient=city, carrier=carrier, year=2026)
    client.force_login(finance)
    sheet = sheet_of(client.get("/traeger/prognosen/", {"export": "xlsx"}))
    assert sheet.max_row == 3
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.auto_filter.ref.endswith("3")
    assert sheet.freeze_panes == "A2"
