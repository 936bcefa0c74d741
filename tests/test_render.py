"""Rendering forms from records: formatting, seed layouts and the round trip through the parser."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from churnlab.io.boxes import COMBINED_TRAINING_BOX
from churnlab.io.brazil import (
    format_date_br,
    format_days,
    format_decimal_br,
    format_int_br,
    format_money_br,
    parse_days,
    parse_decimal_br,
    parse_int_br,
)
from churnlab.io.forms import parse_form
from churnlab.io.records import ACTIONS, DISMISSAL_REASONS, SECTORS, Contact, RetentionCase
from churnlab.synthetic.generator import generate
from churnlab.synthetic.render import render_docx, render_markdown, render_plain

N_TEXT = 400  # every generated case of this set goes through both text layouts
N_DOCX = 40  # docx is slower (~40 ms a round trip)


@pytest.fixture(scope="module")
def cases() -> list[RetentionCase]:
    return generate(N_TEXT, seed=20240304).cases


def _mismatches(case: RetentionCase, parsed: RetentionCase) -> dict[str, tuple]:
    want, got = case.to_json_dict(), parsed.to_json_dict()
    # the older template's combined box is a fact about the form, not the record: its warning is due
    got["warnings"] = [w for w in got["warnings"] if not w.startswith(COMBINED_TRAINING_BOX)]
    return {k: (want[k], got[k]) for k in want if want[k] != got[k]}


def _assert_round_trip(cases: list[RetentionCase], render, **noise) -> None:
    failures = {}
    for case in cases:
        parsed = parse_form(render(case, **noise), source=case.source)
        diff = _mismatches(case, parsed)
        if diff:
            failures[case.source] = diff
    assert not failures, f"{len(failures)}/{len(cases)} differ, e.g. {next(iter(failures.items()))}"


# --- formatting ------------------------------------------------------------------


def test_brazilian_formats() -> None:
    assert format_int_br(3843) == "3.843"
    assert format_int_br(1_234_567) == "1.234.567"
    assert format_decimal_br(0.35) == "0,35"
    assert format_money_br(1234.5) == "R$ 1.234,50"
    assert format_money_br(0.0) == "R$ -"
    assert format_date_br(dt.date(2024, 3, 4)) == "04/03/2024"
    assert format_days(44) == "44 dia(s)"
    assert format_int_br(None) == format_money_br(None) == format_date_br(None) == ""


@given(st.integers(min_value=0, max_value=10**9))
def test_int_format_reads_back(value: int) -> None:
    assert parse_int_br(format_int_br(value)) == value


@given(st.integers(min_value=0, max_value=10**8), st.integers(min_value=0, max_value=4))
def test_decimal_and_money_formats_read_back(units: int, decimals: int) -> None:
    value = round(units / 10**decimals, decimals)
    assert parse_decimal_br(format_decimal_br(value)) == value
    cents = round(units / 100, 2)
    assert parse_decimal_br(format_money_br(cents)) == cents
    assert parse_days(format_days(units)) == units


# --- layouts ---------------------------------------------------------------------------


def _full_case() -> RetentionCase:
    return RetentionCase(
        source="full.txt", collaborator="ANA LIMA", cro_count=2, operator="ODONTOVIDA",
        cro="12345", cro_uf="BA", dentist_name="MARIA DA SILVA", cnpj="11222333000181",
        cpf="11144477735", included_on=dt.date(2022, 11, 17), person_type="J",
        requested_by="Operadora", protocol_number="SAD123", protocol_opened_on=dt.date(2024, 3, 4),
        city="SALVADOR", uf="BA", lives=3843, listed_cros=244, other_plans=False,
        us_value=0.35, last_production="SEM GUIAS", last_production_value=0.0,
        started_on=dt.date(2024, 3, 4), finished_on=dt.date(2024, 4, 17), days_to_finish=44,
        status="dismissed",
        contacts=[Contact(n=1, date=dt.date(2024, 3, 4), note="Profissional relata glosas."),
                  Contact(n=5, date=dt.date(2024, 4, 17), note="Mantém o desligamento.")],
        actions=["new_prices"], dismissal_reasons=["glosas"], protocol_needed=False,
        responsible_sectors=["technical_analysis"], signatories=["Ana Lima"],
    )  # fmt: skip


def test_plain_layout_writes_values_inline() -> None:
    text = render_plain(_full_case())
    for line in (
        "Operadora ODONTOVIDA CRO 12345 UF BA Nome dentista MARIA DA SILVA",
        "CNPJ 11222333000181 CPF 11144477735",
        "Cidade SALVADOR UF BA nº de vidas 3.843 nº CRO(S) únicos divulgados 244",
        "Moeda 0,35 Última produç. SEM GUIAS Valor última prod. R$ -",
        "Data início 04/03/2024 Data final 17/04/2024 Tempo finalização 44 dia(s)",
        "1º contato Data 04/03/2024",
        "☐ Sim ☒ Não",
        "☒ Desligamento",
    ):
        assert line in text.splitlines(), line
    assert "☐ Beneficiário Grossoeiro" in text  # the seed's misspellings by default
    assert "☐ Servidor Publico ☐ Mudou de Área" in text


def test_markdown_layout_follows_seed_001() -> None:
    text = render_markdown(_full_case(), shift_documents=True)
    lines = text.splitlines()
    for line in (
        "# Formulário - Processo de Retenção",
        "Colaborador\tANA LIMA\t\t\tQtd CRO(s)\t2",
        "Operadora\tCRO\tUF\tNome dentista\t\t",
        "ODONTOVIDA\t12345\tBA\tMARIA DA SILVA\t\t",
        "CNPJ\tCPF\t\t\t5º contato\tData",
        "\t11222333000181\t\t\t11144477735\t",  # the CNPJ under the CPF label, as in the seed
        "Data inclusão\t17/11/2022\tTipo\tDemandado por?\tNº do protocolo\tDt. abertura protocolo",
        "UF\tCidade\tnº de vidas\tnº CRO(S) únicos divulgados\t\t",
        "BA\tSALVADOR\t3.843\t244\t\t",
        "1º contato\tData\t04/03/2024\t\t\t",
        "5º contato Data 17/04/2024",
        "## Obs.:",
        "## Ação Retenção",
        "## Motivo desligamento",
        "## Setor responsável",
    ):
        assert line in lines, line
    assert "0,35\tSEM GUIAS\tR\\$ -\t" in text
    assert '<input checked="" type="checkbox"/> Desligamento' in text
    assert lines[-1] == "Ana Lima"


def test_crlf_noise() -> None:
    text = render_plain(_full_case(), crlf=True)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_every_box_can_be_written() -> None:
    case = RetentionCase(
        source="all.md", actions=sorted(ACTIONS), dismissal_reasons=sorted(DISMISSAL_REASONS),
        responsible_sectors=sorted(SECTORS), status="retained", other_plans=True,
        protocol_needed=True,
    )  # fmt: skip
    for render in (render_plain, render_markdown):
        for misspell in (None, True, False):
            parsed = parse_form(render(case, misspell=misspell), source=case.source)
            assert _mismatches(case, parsed) == {}


def test_empty_case_round_trips() -> None:
    case = RetentionCase(source="empty.txt")
    for render in (render_plain, render_markdown):
        assert _mismatches(case, parse_form(render(case), source=case.source)) == {}


def test_plain_uses_combined_training_box_unless_refresher() -> None:
    case = RetentionCase(source="x.txt", actions=["training"])
    assert "☒ Ofertado treinamento/ ou reciclagem" in render_plain(case)
    case = RetentionCase(source="x.txt", actions=["refresher"])
    assert "☒ Ofertado reciclagem" in render_plain(case)


# --- the round trip on generated cases -----------------------------------------------------

NOISES = [
    {},
    {"shift_documents": True},
    {"misspell": True, "crlf": True},
    {"misspell": False, "shift_documents": True},
]


@pytest.mark.parametrize("noise", NOISES, ids=lambda n: "-".join(n) or "clean")
@pytest.mark.parametrize("render", [render_plain, render_markdown], ids=["plain", "markdown"])
def test_round_trip_text(cases, render, noise) -> None:
    _assert_round_trip(cases, render, **noise)


def test_round_trip_markdown_extra_spaces(cases) -> None:
    _assert_round_trip(cases[:100], render_markdown, extra_spaces=True)


def test_round_trip_plain_extra_spaces(cases) -> None:
    _assert_round_trip(cases[:50], render_plain, extra_spaces=True)


def test_round_trip_docx(cases, tmp_path) -> None:
    failures = {}
    for i, case in enumerate(cases[:N_DOCX]):
        path = render_docx(case, tmp_path / f"{case.source}.docx", shift_documents=bool(i % 2),
                           misspell=[None, True, False][i % 3])  # fmt: skip
        diff = _mismatches(case, parse_form(path, source=case.source))
        if diff:
            failures[case.source] = diff
    assert not failures, f"{len(failures)}/{N_DOCX} differ, e.g. {next(iter(failures.items()))}"


@pytest.mark.parametrize(
    "boxes",
    [
        "legacy",
        "content_control",
        "symbol",
        {"status": "legacy", "actions": "content_control", "other": "symbol"},
    ],
    ids=["legacy", "content_control", "symbol", "mixed"],
)
def test_round_trip_docx_with_word_boxes(cases, tmp_path, boxes) -> None:
    """Every kind of Word check box reads back to the record it was written from."""
    failures = {}
    for case in cases[:12]:
        path = render_docx(case, tmp_path / f"{case.source}.docx", boxes=boxes)
        parsed = parse_form(path, source=case.source)
        diff = _mismatches(case, parsed)
        if diff or parsed.warnings:
            failures[case.source] = (diff, parsed.warnings)
    assert not failures, f"{len(failures)} differ, e.g. {next(iter(failures.items()))}"
