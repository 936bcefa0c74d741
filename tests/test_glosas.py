"""Tests of churnlab.io.glosas: code table, note mentions and the glosa CSV format."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from churnlab.errors import DataError
from churnlab.io.glosas import (
    COLUMNS,
    HEADER,
    glosa_code_table,
    glosa_events_frame,
    glosa_kind,
    parse_glosa_mentions,
    read_glosa_csv,
    write_glosa_csv,
)
from churnlab.io.records import GlosaEvent
from churnlab.io.text import clean, fold

# The glosa listing of the first contact note of the markdown export case record (no personal data in it).
SEED_NOTE = (
    "Boa tarde, Feito levantamento das glosas desde o credenciamento. "
    "FEV/23 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE) "
    "3040 rx enviados sem condições de analise - RAIO X NÃO TEM VISIBILIDADE DOS CONDUTOS. "
    "MAR/23 1317317 - 27/01 Descrição: 3040 - GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE) "
    "3040 No rx anexado não visualiza lesão. "
    "JUL/23 1490968 - 15/06 Descrição: 3040 - GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE) "
    "040 rx sem condições de analise.\t\t\t\t\t"
)
TECHNICAL = "GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE)"
GOOD_ROW = "1234;ba;1273027;02/2023;20/01/2023;3040;GLOSA TÉCNICA;1.085,50"


def write(path: Path, *lines: str, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- code table and kinds ---------------------------------------------------------


def test_code_table_has_the_shipped_codes_and_is_a_copy():
    table = glosa_code_table()
    assert list(table.columns) == ["code", "description", "group", "kind"]
    assert len(table) == 244
    assert set(table["kind"]) == {"technical", "administrative"}
    table.loc[:, "kind"] = "changed"
    assert set(glosa_code_table()["kind"]) == {"technical", "administrative"}


@pytest.mark.parametrize(
    ("code", "kind"),
    [("3040", "technical"), ("1001", "administrative"), (" 3091 ", "administrative"),
     ("9999", "unknown"), ("", "unknown"), (None, "unknown")],
)  # fmt: skip
def test_glosa_kind(code, kind):
    assert glosa_kind(code) == kind


# --- mentions in notes ----------------------------------------------------------------


def test_seed_note_gives_three_mentions():
    events = parse_glosa_mentions(SEED_NOTE)
    assert [(e.competence, e.guide, e.code) for e in events] == [
        ("2023-02", "1273027", "3040"),
        ("2023-03", "1317317", "3040"),
        ("2023-07", "1490968", "3040"),
    ]
    assert {e.description for e in events} == {TECHNICAL}
    assert [e.detail for e in events] == [
        "rx enviados sem condições de analise - RAIO X NÃO TEM VISIBILIDADE DOS CONDUTOS.",
        "No rx anexado não visualiza lesão.",
        "rx sem condições de analise.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "FEV/2023 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA {E} 3040 rx ruim",
        "02/2023 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA {E} 3040 rx ruim",
        "Fevereiro/2023 1273027 Descricao: 3040 - GLOSA TECNICA {E} rx ruim",
        "FEV/23 1273027 - 20/1 Desc. 3040 GLOSA TÉCNICA {E} 3040 - rx ruim",
        "FEV/23 1273027 3040 - GLOSA TECNICA {E} 304 rx ruim",
        "FEV/23 1273027 - 20/01/2023 3040 - GLOSA TECNICA {E} rx ruim",
        "fev/23 1273027 - 20/1 descricao: 3040 - glosa tecnica {e} 3040 rx ruim",
        "  FEV / 23\n1273027  -  20/1\nDescrição:\n3040  -  GLOSA   TECNICA\n(ESPECIFICAR\n"
        "DETALHADAMENTE)\n 3040\n rx   ruim \t",
    ],
)  # fmt: skip
def test_mention_variants(text):
    text = text.format(E="(ESPECIFICAR DETALHADAMENTE)", e="(especificar detalhadamente)")
    [event] = parse_glosa_mentions(text)
    assert (event.competence, event.guide, event.code) == ("2023-02", "1273027", "3040")
    assert fold(event.description) == fold(TECHNICAL)
    assert event.detail == "rx ruim"


def test_description_without_table_match_is_the_upper_case_run():
    [unknown, partial] = parse_glosa_mentions(
        "ABR/24 555123 Descrição: 9999 - MOTIVO NAO LISTADO 9999 dente errado. "
        "MAI/24 555124 Descrição: 3040 - GLOSA TECNICA faltou rx"
    )
    assert (unknown.code, unknown.description, unknown.detail) == (
        "9999", "MOTIVO NAO LISTADO", "dente errado.",
    )  # fmt: skip
    assert (partial.description, partial.detail) == ("GLOSA TECNICA", "faltou rx")


def test_mention_without_description_keeps_the_detail():
    [event] = parse_glosa_mentions("JUN/23 777001 1001 carteira vencida")
    assert (event.code, event.description, event.detail) == ("1001", None, "carteira vencida")


@pytest.mark.parametrize(
    "text",
    ["", "Enviado whatsapp 04/03. Aguardando retorno.", "Reunião em 04/03/2024 às 10h",
     "FEV/23 sem guias", "Competência 13/2023 1234567 3040", "glosas de 02/2023: 12 guias"],
)  # fmt: skip
def test_text_without_mentions_gives_nothing(text):
    assert parse_glosa_mentions(text) == []


def test_unreadable_month_keeps_the_mention_without_competence():
    [event] = parse_glosa_mentions("janı/23 1273027 3040 - GLOSA TECNICA rx")
    assert (event.competence, event.guide, event.code) == (None, "1273027", "3040")


MONTHS = ["JAN", "FEV", "MAR", "ABR", "MAI", "JUN", "JUL", "AGO", "SET", "OUT", "NOV", "DEZ"]


@given(
    month=st.integers(1, 12),
    year=st.integers(2000, 2099),
    style=st.sampled_from(["{abbr}/{yy}", "{abbr}/{yyyy}", "{mm}/{yyyy}", "{m}/{yyyy}"]),
    lower=st.booleans(),
)
def test_competence_styles(month, year, style, lower):
    competence = style.format(
        abbr=MONTHS[month - 1], yy=f"{year % 100:02d}", yyyy=year, mm=f"{month:02d}", m=month
    )
    text = f"{competence.lower() if lower else competence} 123456 Descrição: 3040 - GLOSA"
    [event] = parse_glosa_mentions(text)
    assert event.competence == f"{year}-{month:02d}"


DESCRIPTIONS = {
    "3040": "GLOSA TÉCNICA (ESPECIFICAR DETALHADAMENTE)",
    "1001": "NÚMERO DA CARTEIRA INVÁLIDO",
    "5002": "NÃO FOI POSSÍVEL VALIDAR O ARQUIVO XML",
    "9999": "MOTIVO NAO LISTADO",
}
WORD = st.from_regex(r"[a-zçã]{2,8}", fullmatch=True)


@st.composite
def mentions(draw):
    """A mention as an analyst could write it, with the fields it should give."""
    month, year = draw(st.integers(1, 12)), draw(st.integers(2000, 2099))
    guide = draw(st.from_regex(r"[1-9][0-9]{4,9}", fullmatch=True))
    code = draw(st.sampled_from(sorted(DESCRIPTIONS)))
    description = DESCRIPTIONS[code]
    if code != "9999" and draw(st.booleans()):
        description = description.lower()
    detail = " ".join(draw(st.lists(WORD, min_size=1, max_size=5)))
    echo = draw(st.sampled_from(["", code, code[1:], code[:-1]]))
    text = (
        f"{MONTHS[month - 1]}/{year} {guide}"
        f"{draw(st.sampled_from(['', ' - 20/1', ' - 15/06/2023']))}"
        f"{draw(st.sampled_from([' Descrição:', ' Descricao', ' Desc.', '']))}"
        f" {code} - {description} {echo} {detail}"
    )
    expected = GlosaEvent(
        competence=f"{year}-{month:02d}", guide=guide, code=code,
        description=description, detail=detail,
    )  # fmt: skip
    return text, expected


@settings(max_examples=50)
@given(st.lists(mentions(), min_size=1, max_size=4), st.sampled_from([" ", "\n", ". "]))
def test_generated_mentions_are_recovered(items, separator):
    text = "Levantamento: " + separator.join(text for text, _ in items)
    expected = [event for _, event in items]
    if separator == ". ":  # the next mention's ". " ends this one's detail
        expected = [e.model_copy(update={"detail": e.detail + "."}) for e in expected[:-1]] + [expected[-1]]
    assert parse_glosa_mentions(text) == expected


FRAGMENTS = st.sampled_from(
    ["FEV/23", "02/2023", "13/2023", "1273027", "- 20/1", "Descrição:", "Desc.", "3040", "040",
     " - ", "GLOSA TECNICA", "(ESPECIFICAR", "rx", "\n", "\t", "/", ":", "ç", "İ", "ſ", "\u212a"]
)  # fmt: skip


@given(st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=3))).map(" ".join)))
def test_parse_never_raises(text):
    events = parse_glosa_mentions(text)
    assert all(isinstance(e, GlosaEvent) and re.fullmatch(r"\d{4}", e.code) for e in events)


# --- frames from notes -------------------------------------------------------------


def test_events_frame_has_the_csv_columns_and_concatenates(tmp_path):
    notes = glosa_events_frame(parse_glosa_mentions(SEED_NOTE), cro="1234", uf="ba")
    assert list(notes.columns) == list(COLUMNS)
    assert notes["uf"].tolist() == ["BA"] * 3
    assert notes["date"].isna().all() and notes["value"].isna().all()
    assert notes["kind"].tolist() == ["technical"] * 3
    csv = read_glosa_csv(write(tmp_path / "g.csv", ";".join(HEADER), GOOD_ROW))
    both = pd.concat([notes, csv], ignore_index=True)
    assert list(both.columns) == list(COLUMNS) and len(both) == 4
    assert both["date"].dtype == csv["date"].dtype


def test_events_frame_of_nothing_is_empty_with_columns():
    frame = glosa_events_frame([])
    assert list(frame.columns) == list(COLUMNS) and frame.empty


# --- reading the CSV ---------------------------------------------------------------


def test_read_good_file_with_bom(tmp_path):
    path = write(
        tmp_path / "glosas.csv",
        ";".join(HEADER),
        GOOD_ROW,
        "5678;SP;99;12/2022;;7777;;",
        bom=True,
    )
    df = read_glosa_csv(path)
    assert list(df.columns) == list(COLUMNS)
    first, second = df.to_dict("records")
    assert first["cro"] == "1234" and first["uf"] == "BA" and first["guide"] == "1273027"
    assert first["competence"] == "2023-02"
    assert first["date"] == pd.Timestamp("2023-01-20")
    assert (first["code"], first["description"]) == ("3040", "GLOSA TÉCNICA")
    assert first["value"] == pytest.approx(1085.5) and first["kind"] == "technical"
    assert (second["kind"], second["competence"]) == ("unknown", "2022-12")
    assert pd.isna(second["date"]) and pd.isna(second["value"]) and pd.isna(second["description"])
    assert pd.api.types.is_datetime64_any_dtype(df["date"]) and df["value"].dtype == "float64"
    assert df.attrs["rejects"] == []


def test_header_variants_are_accepted(tmp_path):
    header = "cro;Uf;GUIA;competencia;DATA;codigo;Descricao;valor_glosado;extra"
    df = read_glosa_csv(write(tmp_path / "g.csv", header, GOOD_ROW + ";x"))
    assert df["value"].tolist() == [1085.5] and df["kind"].tolist() == ["technical"]


def test_header_only_gives_empty_frame(tmp_path):
    df = read_glosa_csv(write(tmp_path / "g.csv", ";".join(HEADER)))
    assert df.empty and list(df.columns) == list(COLUMNS)
    assert pd.api.types.is_datetime64_any_dtype(df["date"]) and df["value"].dtype == "float64"


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: glosa file not found"):
        read_glosa_csv(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    (tmp_path / "g.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"g\.csv: empty file; expected header CRO;UF;Guia"):
        read_glosa_csv(tmp_path / "g.csv")


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path / "g.csv", "CRO;UF;Guia;Data;Código;Descrição")
    expected = re.escape(
        "g.csv: missing column(s) Competência, Valor glosado; expected header "
        "CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado"
    )
    with pytest.raises(DataError, match=expected):
        read_glosa_csv(path)


def test_comma_separated_file_gets_a_hint(tmp_path):
    path = write(tmp_path / "g.csv", ",".join(HEADER))
    with pytest.raises(DataError, match=r"is the file ;-separated\?"):
        read_glosa_csv(path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes((";".join(HEADER) + "\n").encode("latin-1"))
    with pytest.raises(DataError, match=r"g\.csv: not UTF-8"):
        read_glosa_csv(path)


BAD_ROWS = [
    ("1234;BA;1;02/2023;31/02/2023;3040;X;1,00", "Data", "not a valid date"),
    ("1234;BA;1;02/2023;2023-01-20;3040;X;1,00", "Data", "not a date"),
    ("1234;BA;1;02/2023;20/01/2023;3040;X;1.00,5", "Valor glosado", "not a Brazilian decimal"),
    (" ;BA;1;02/2023;20/01/2023;3040;X;1,00", "CRO", "empty CRO"),
    ("1234;BA;1;13/2023;20/01/2023;3040;X;1,00", "Competência", "no valid month"),
]


@pytest.mark.parametrize(("row", "column", "reason"), BAD_ROWS)
def test_bad_row_raises_naming_file_line_column(tmp_path, row, column, reason):
    path = write(tmp_path / "glosas.csv", ";".join(HEADER), GOOD_ROW, row)
    with pytest.raises(DataError, match=rf"glosas\.csv: line 3: column '{column}': .*{reason}"):
        read_glosa_csv(path)


def test_bad_rows_are_collected_not_dropped(tmp_path):
    rows = [row for row, _, _ in BAD_ROWS]
    path = write(tmp_path / "g.csv", ";".join(HEADER), GOOD_ROW, *rows, "1234;BA;1", GOOD_ROW)
    df = read_glosa_csv(path, errors="collect")
    assert len(df) == 2
    rejects = df.attrs["rejects"]
    assert [(r["line"], r["column"]) for r in rejects] == [
        (3, "Data"), (4, "Data"), (5, "Valor glosado"), (6, "CRO"), (7, "Competência"), (8, None),
    ]  # fmt: skip
    assert rejects[0]["value"] == "31/02/2023"
    assert "3 fields, expected 8" in rejects[-1]["reason"]


def test_row_with_several_problems_reports_each(tmp_path):
    path = write(tmp_path / "g.csv", ";".join(HEADER), ";BA;1;02/2023;xx;3040;X;yy")
    rejects = read_glosa_csv(path, errors="collect").attrs["rejects"]
    assert [r["column"] for r in rejects] == ["CRO", "Data", "Valor glosado"]


def test_errors_argument_is_checked(tmp_path):
    with pytest.raises(ValueError, match="errors must be"):
        read_glosa_csv(tmp_path / "g.csv", errors="ignore")


# --- writing the CSV -------------------------------------------------------------------


def test_write_uses_the_export_format(tmp_path):
    df = read_glosa_csv(write(tmp_path / "in.csv", ";".join(HEADER), GOOD_ROW))
    write_glosa_csv(df, tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert raw.splitlines() == [
        "CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado",
        "1234;BA;1273027;02/2023;20/01/2023;3040;GLOSA TÉCNICA;1085,5",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [({"competence": "02/2023"}, "data row 1: competence '02/2023' is not YYYY-MM"),
     ({"value": float("inf")}, "data row 1: value inf is not a finite amount"),
     ({"value": pd.Timestamp("2023-01-20")},
      "data row 1: value 2023-01-20 00:00:00 is a date, not an amount")],
)  # fmt: skip
def test_write_refuses_bad_values(tmp_path, change, message):
    df = glosa_events_frame(parse_glosa_mentions(SEED_NOTE), cro="1", uf="BA").head(1)
    df = df.astype(object).assign(**change)
    with pytest.raises(DataError, match=re.escape(message)):
        write_glosa_csv(df, tmp_path / "out.csv")


def test_write_refuses_missing_columns(tmp_path):
    with pytest.raises(DataError, match="lacks column.*value"):
        write_glosa_csv(pd.DataFrame(columns=list(COLUMNS[:7])), tmp_path / "out.csv")


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
RECORDS = st.fixed_dictionaries(
    {
        "cro": st.from_regex(r"[0-9]{1,7}", fullmatch=True),
        "uf": st.from_regex(r"[A-Z]{2}", fullmatch=True),
        "guide": st.from_regex(r"[0-9]{1,12}", fullmatch=True),
        "competence": st.none()
        | st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 1)).map(lambda d: d.strftime("%Y-%m")),
        "date": st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
        "code": st.sampled_from(["3040", "1001", "9999"]),
        "description": st.one_of(st.none(), TEXT.map(clean), st.just('a;"b"\r\nc')),
        "value": st.none() | st.floats(allow_nan=False, allow_infinity=False),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(RECORDS, max_size=6))
def test_write_read_round_trip(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("roundtrip") / "glosas.csv"
    expected = glosa_events_frame([])
    if records:
        rows = pd.DataFrame([{**r, "kind": glosa_kind(r["code"])} for r in records])
        expected = rows[list(COLUMNS)].astype(expected.dtypes.to_dict())
    write_glosa_csv(expected, path)
    result = read_glosa_csv(path)
    assert result.attrs["rejects"] == []
    pd.testing.assert_frame_equal(result, expected)


def test_long_blank_runs_do_not_backtrack():
    # Quadratic backtracking over this run would take about a minute.
    assert parse_glosa_mentions("FEV/23 1273027" + " \t\n" * 100_000 + "3040") != []
