"""Forms as operators really keep them: missing sections, other headings, escaped markup, lost boxes.

Each test starts from the markdown export case record (a real form,
pseudonymised) or a generated one, changes it the way another template or
tool would, and checks the fields read (golden values) and the warnings.
"""

from __future__ import annotations

import html
import re

import pytest

import churnlab as cl
from churnlab.errors import FormParseError
from conftest import case_record

MARKDOWN = case_record("001").read_text(encoding="utf-8")
PLAIN = case_record("000").read_text(encoding="utf-8")
FULL = cl.parse_form(MARKDOWN, source="full.md")


def _without_section(text: str, heading: str) -> str:
    """The form without one ``## heading`` section (up to the next heading or the end)."""
    return re.sub(rf"(?ms)^## {heading}\n.*?(?=^## |\Z)", "", text)


def _fields(case: cl.RetentionCase) -> dict:
    record = case.to_json_dict()
    return {k: v for k, v in record.items() if k not in ("source", "warnings")}


def test_markdown_without_the_sector_section_is_read_with_a_warning():
    text = _without_section(MARKDOWN, "Setor responsável")  # and the signatures under it
    case = cl.parse_form(text, source="nosector.md")
    assert case.warnings == ["section 'Setor responsável' absent"]
    assert _fields(case) == {**_fields(FULL), "responsible_sectors": [], "signatories": []}


def test_markdown_without_protocol_and_sector_sections():
    text = _without_section(
        _without_section(MARKDOWN, "Necessário abertura de protocolo"), "Setor responsável"
    )
    case = cl.parse_form(text, source="x.md")
    assert set(case.warnings) == {
        "section 'Setor responsável' absent",
        "section 'Necessário abertura de protocolo' absent",
    }
    assert (case.status, case.dismissal_reasons, case.cro) == ("dismissed", ["glosas"], FULL.cro)
    assert case.protocol_needed is None and case.responsible_sectors == []


@pytest.mark.parametrize("style", ["bold", "h3", "line", "h2-html"])
def test_headings_in_any_markup_and_order(style):
    sections = re.split(r"(?m)^(?=## )", MARKDOWN)
    head, body = sections[0], sections[1:]
    # Move "Motivo desligamento" before "Ação Retenção" (another template's order).
    dismissal = next(s for s in body if s.startswith("## Motivo desligamento"))
    body.remove(dismissal)
    body.insert(body.index(next(s for s in body if s.startswith("## Ação Retenção"))), dismissal)

    def heading(match: re.Match) -> str:
        title = match[1]
        return {"bold": f"**{title}**", "h3": f"### {title}", "line": title, "h2-html": f"<h2>{title}</h2>"}[
            style
        ]

    text = head + "".join(re.sub(r"(?m)^## (.+)$", heading, s) for s in body)
    case = cl.parse_form(text, source="x.md")
    assert _fields(case) == _fields(FULL)
    assert case.warnings == []


def test_html_page_with_escaped_markup_keeps_its_boxes():
    page = "<html><body><pre>" + html.escape(MARKDOWN) + "</pre></body></html>"
    case = cl.parse_form(page, source="saved.html")
    assert case.status == "dismissed" and case.dismissal_reasons == ["glosas"]


def test_ansi_saved_plain_form_is_not_taken_as_open():
    ansi = PLAIN.replace("☐", "?").replace("☒", "?")
    case = cl.parse_form(ansi, source="ansi.txt")
    assert case.status is None and not case.is_open and case.status_unreadable
    assert any(w.startswith("status unreadable") for w in case.warnings)
    assert any(w.startswith("action boxes unreadable") for w in case.warnings)
    assert case.actions == []


def test_open_case_is_open_and_has_no_status_warning():
    text = re.sub(r'<input checked="" type="checkbox"/>', '<input type="checkbox"/>', MARKDOWN)
    case = cl.parse_form(
        text.replace("04/03/2024\t17/04/2024\t44 dia(s)", "04/03/2024\t\t"), source="open.md"
    )
    assert case.status is None and case.is_open and not case.status_unreadable


def test_unticked_form_with_a_final_date_is_not_taken_as_open():
    text = re.sub(r'<input checked="" type="checkbox"/>', '<input type="checkbox"/>', MARKDOWN)
    case = cl.parse_form(text, source="closed.md")
    assert case.status is None and not case.is_open


def test_unknown_ticked_box_is_a_warning_not_a_guess():
    text = MARKDOWN.replace('<input type="checkbox"/> Óbito', '<input checked="" type="checkbox"/> Xyzzy')
    case = cl.parse_form(text, source="x.md")
    assert case.dismissal_reasons == ["glosas"]
    assert "field 'dismissal_reasons': ticked box 'xyzzy' is not a known option (left out)" in case.warnings


def test_form_without_title_is_read_by_its_header_labels():
    text = MARKDOWN.replace("# Formulário - Processo de Retenção", "")
    case = cl.parse_form(text, source="notitle.md")
    assert _fields(case) == _fields(FULL)
    assert case.warnings[0].startswith("title 'Formulário - Processo de Retenção' absent")


def test_text_without_title_or_labels_is_refused():
    with pytest.raises(FormParseError, match="not a retention form"):
        cl.parse_form("Relatório mensal\nCidade: Salvador\n", source="x.txt")


def test_implausible_values_are_kept_with_a_warning():
    case = cl.RetentionCase(source="x", last_production_value=999_999_999_999.99, lives=10**9)
    assert case.last_production_value == 999_999_999_999.99
    assert {w.split(":")[0] for w in case.warnings} == {"field 'lives'", "field 'last_production_value'"}


@pytest.mark.parametrize("value", [True, "12", 12.5])
def test_records_from_json_are_strictly_typed(value):
    with pytest.raises(ValueError, match="lives"):
        cl.RetentionCase.model_validate({"source": "x", "lives": value})


def _as_saved_page(markdown: str) -> str:
    """The form as a browser's "save page" of the web form: h1/h2, table rows, HTML5 checkboxes."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"]
    for line in markdown.splitlines():
        line = line.replace('<input checked="" type="checkbox"/>', '<input type="checkbox" checked>').replace(
            '<input type="checkbox"/>', '<input type="checkbox">'
        )
        if line.startswith("## "):
            parts.append(f"<h2>{line[3:]}</h2>")
        elif line.startswith("# "):
            parts.append(f"<h1>{line[2:]}</h1>")
        elif re.fullmatch(r"[-|: ]*", line):
            continue  # markdown table rules and blank lines
        else:
            cells = line.strip("-| ").split("|") if "|" in line else line.split("\t")
            parts.append("<table><tr>" + "".join(f"<td>{c.strip()}</td>" for c in cells) + "</tr></table>")
    return "\n".join(parts + ["</body></html>"])


def test_browser_saved_page_reads_like_the_export():
    case = cl.parse_form(_as_saved_page(MARKDOWN), source="page.html")
    assert case.warnings == []
    assert _fields(case) == _fields(FULL)


def test_an_unknown_section_is_a_warning_and_goes_into_no_other_field():
    added = "## Parecer do gestor\n\nLigar de novo em março.\n\n## Obs. Geral"
    text = MARKDOWN.replace("## Obs. Geral", added)
    case = cl.parse_form(text, source="x.md")
    assert case.warnings == ["unknown section 'Parecer do gestor': 1 line(s) under it not read"]
    assert _fields(case) == _fields(FULL)  # its line went into no other field
