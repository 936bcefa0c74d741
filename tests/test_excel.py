"""The workbook people open in Excel: formats, frozen header, filters, and text that never runs."""

from __future__ import annotations

import zipfile

import openpyxl
import pandas as pd

from churnlab.app.excel import MONEY_FORMAT, PERCENT_FORMAT, write_workbook

ATTACKS = ['=HYPERLINK("http://evil.example","clique")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)"]


def test_sheets_formats_and_injection(tmp_path):
    cases = pd.DataFrame(
        {
            "priority": [1, 2, 3, 4],
            "dentist": ATTACKS,
            "dismissal_risk": [0.9, 0.5, 0.2, 0.1],
            "expected_gain": [1234.5, 10.0, -3.0, float("nan")],
        }
    )
    network = pd.DataFrame({"cro": ["123"], "risk_90d": [0.25], "expected_loss": [99.9]})
    path = write_workbook(
        {"Open cases": cases, "Not yet asked": network},
        tmp_path / "w.xlsx",
        money=("expected_gain", "expected_loss"),
        percent=("dismissal_risk", "risk_90d"),
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Open cases", "Not yet asked"]
    sheet = book["Open cases"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D5"
    assert [c.value for c in sheet[1]] == ["priority", "dentist", "dismissal_risk", "expected_gain"]
    for row, attack in enumerate(ATTACKS, start=2):
        cell = sheet.cell(row, 2)
        assert cell.value == attack and cell.data_type == "s"  # stored as text, not as a formula
    assert sheet.cell(2, 4).value == 1234.5 and sheet.cell(2, 4).number_format == MONEY_FORMAT
    assert sheet.cell(2, 3).number_format == PERCENT_FORMAT and sheet.cell(5, 4).value is None
    assert book["Not yet asked"].cell(2, 3).number_format == MONEY_FORMAT
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
    assert "<f>" not in xml  # no formula anywhere in the workbook


def test_excel_br_csv_opens_as_columns_and_numbers(tmp_path):
    from churnlab.app.spreadsheet import write_people_csv
    from churnlab.io.csv_writer import safe_frame

    frame = safe_frame(
        pd.DataFrame({"dentista": ["=1+1", "Ana; Bia"], "risco": [0.123456789, 0.5], "ganho": [1234.5, -3.0]})
    )
    path = tmp_path / "w.csv"
    write_people_csv(frame, path, "excel-br")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"dentista;risco;ganho\r\n" in raw
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["risco"].tolist() == [0.12, 0.5] and back["ganho"].tolist() == [1234.5, -3.0]
    assert back["dentista"].tolist() == ["'=1+1", "Ana; Bia"]
