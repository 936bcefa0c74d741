"""The retention-form parser: both seed layouts, hand-made variants, .docx and bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import churnlab as cl
from churnlab.errors import FormParseError
from churnlab.io import brazil
from conftest import case_record, seed_form

D = dt.date

# Parsed-record fields of the markdown case record that hold no personal data, exactly as the form says.
SEED_001 = {
    "cro_count": 2,
    "operator": "ODONTOLIFE",
    "cro_uf": "BA",
    "included_on": D(2022, 11, 17),
    "person_type": "J",
    "requested_by": "Operadora",
    "protocol_opened_on": D(2024, 3, 4),
    "city": "SALVADOR",
    "uf": "BA",
    "lives": 3843,
    "listed_cros": 244,
    "other_plans": False,
    "other_plans_names": None,
    "us_value": 0.35,
    "last_production": "SEM GUIAS",
    "last_production_value": 0.0,
    "started_on": D(2024, 3, 4),
    "finished_on": D(2024, 4, 17),
    "days_to_finish": 44,
    "status": "dismissed",
    "actions": [],
    "action_note": None,
    "dismissal_reasons": ["glosas"],
    "protocol_needed": None,
    "responsible_sectors": [],
}
SEED_001_CONTACT_DATES = [D(2024, 3, 4), D(2024, 3, 4), D(2024, 4, 15), D(2024, 4, 15), D(2024, 4, 17)]
SEED_001_GLOSAS = [
    (
        "2023-02",
        "1273027",
        "3040",
        "rx enviados sem condições de analise - RAIO X NÃO TEM VISIBILIDADE DOS CONDUTOS.",
    ),
    ("2023-03", "1317317", "3040", "No rx anexado não visualiza lesão."),
    ("2023-07", "1490968", "3040", "rx sem condições de analise."),
]

# The plain-text export case record is a form whose header cells were left empty.
SEED_000 = {
    field: None
    for field in (
        "collaborator",
        "cro_count",
        "operator",
        "cro",
        "cro_uf",
        "dentist_name",
        "cnpj",
        "cpf",
        "included_on",
        "person_type",
        "requested_by",
        "protocol_number",
        "protocol_opened_on",
        "city",
        "uf",
        "lives",
        "listed_cros",
        "other_plans_names",
        "us_value",
        "last_production",
        "last_production_value",
        "started_on",
        "finished_on",
        "days_to_finish",
        "protocol_needed",
        "general_note",
    )
} | {
    "other_plans": False,
    "status": "retained",
    "actions": ["support"],
    "dismissal_reasons": [],
    "responsible_sectors": [],
    "glosas": [],
}


def _assert_fields(case: cl.RetentionCase, expected: dict) -> None:
    for field, value in expected.items():
        assert getattr(case, field) == value, field


def _check_001(case: cl.RetentionCase) -> None:
    _assert_fields(case, SEED_001)
    assert [c.n for c in case.contacts] == [1, 2, 3, 4, 5]
    assert [c.date for c in case.contacts] == SEED_001_CONTACT_DATES
    assert case.contacts[0].note.startswith("Boa tarde, Feito levantamento das glosas")
    assert case.contacts[4].note.endswith("Queremos o desligamento")
    assert case.general_note.endswith("continuou insistindo no desligamento!")
    assert "foi ofertado reajuste de valores" in case.general_note
    got = [(g.competence, g.guide, g.code, g.detail) for g in case.glosas]
    assert got == SEED_001_GLOSAS
    assert {g.description for g in case.glosas} == {"GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE)"}
    # The CNPJ sits under the CPF label and the CPF under "5º contato": told apart by check digits.
    assert brazil.document_kind(case.cnpj) == "cnpj"
    assert brazil.document_kind(case.cpf) == "cpf"
    assert case.collaborator and case.dentist_name and case.protocol_number and case.cro
    assert len(case.signatories) == 2


def _check_000(case: cl.RetentionCase) -> None:
    _assert_fields(case, SEED_000)
    assert [c.n for c in case.contacts] == [1, 2, 3, 4, 5]
    assert all(c.date is None for c in case.contacts)
    assert case.contacts[0].note.startswith("Qual o motivo da solicitação\nR. Realizado contato")
    assert "reativar a divulgação" in case.contacts[4].note
    assert case.action_note.startswith("Em contato com a Dra a mesma informa")
    assert len(case.signatories) == 1


def test_raw_seed_001():
    _check_001(cl.parse_form(seed_form("001")))


def test_raw_seed_000():
    _check_000(cl.parse_form(seed_form("000")))


def test_case_record_001():
    case = cl.parse_form(case_record("001"))
    _check_001(case)
    assert case.source == case_record("001").name


def test_case_record_000():
    _check_000(cl.parse_form(case_record("000")))


def test_text_and_path_give_the_same_record():
    path = case_record("001")
    from_text = cl.parse_form(path.read_text(encoding="utf-8"), source=path.name)
    assert from_text == cl.parse_form(path)


def test_json_uses_contract_types():
    record = cl.parse_form(case_record("001")).to_json_dict()
    assert record["included_on"] == "2022-11-17"
    assert record["lives"] == 3843 and record["us_value"] == 0.35
    assert record["contacts"][0] == {"n": 1, "date": "2024-03-04", "note": record["contacts"][0]["note"]}
    assert set(record["glosas"][0]) == {"competence", "guide", "code", "description", "detail"}
    json.dumps(record)


# --- hand-made variants ------------------------------------------------------------


@pytest.fixture
def text_001() -> str:
    return case_record("001").read_text(encoding="utf-8")


@pytest.fixture
def text_000() -> str:
    return case_record("000").read_text(encoding="utf-8")


def _tick(text: str, label: str) -> str:
    old = f'<input type="checkbox"/> {label}'
    assert old in text, label
    return text.replace(old, f'<input checked="" type="checkbox"/> {label}')


def test_other_box_combinations(text_001):
    text = _tick(_tick(text_001, "Ofertado Novos Valores"), "Ofertado Reciclagem")
    text = _tick(_tick(text, "Aposentou"), "Mudou de Área")
    text = _tick(_tick(text, "Comercial"), "T.I")
    text = text.replace('<input type="checkbox"/> SIM |', '<input checked="" type="checkbox"/> SIM |')
    case = cl.parse_form(text)
    assert case.actions == ["new_prices", "refresher"]
    assert case.dismissal_reasons == ["glosas", "moved_area", "retired"]
    assert case.responsible_sectors == ["commercial", "it"]
    assert case.protocol_needed is True
    assert case.other_plans is False


def test_not_a_retention_case(text_001):
    text = text_001.replace(
        '<input checked="" type="checkbox"/> Desligamento', '<input type="checkbox"/> Desligamento'
    )
    text = _tick(text, "Não se trata de Retenção")
    assert cl.parse_form(text).status == "not_retention"


def test_no_status_ticked_is_an_open_case(text_001):
    text = text_001.replace(
        '<input checked="" type="checkbox"/> Desligamento', '<input type="checkbox"/> Desligamento'
    )
    assert cl.parse_form(text).status is None


def test_two_statuses_ticked_is_an_error(text_001):
    text = _tick(text_001, "Retenção Efetiva")
    with pytest.raises(FormParseError, match=r"field 'status': several boxes ticked"):
        cl.parse_form(text, source="two.md")


def test_empty_header_values(text_001):
    lines = text_001.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("Operadora\tCRO"))
    lines[index + 1] = "\t\t\t\t\t"
    case = cl.parse_form("\n".join(lines))
    assert (case.operator, case.cro, case.cro_uf, case.dentist_name) == (None, None, None, None)
    assert case.lives == 3843 and case.uf == "BA"


def test_missing_contacts(text_001):
    start = text_001.index("2º contato")
    end = text_001.rindex("5º contato")
    case = cl.parse_form(text_001[:start] + text_001[end:])
    assert [c.n for c in case.contacts] == [1, 5]


def test_extra_whitespace_and_crlf(text_001, text_000):
    for text, check in ((text_001, _check_001), (text_000, _check_000)):
        noisy = "\r\n".join("  " + line + "   " for line in text.split("\n"))
        check(cl.parse_form(noisy, source="noisy.txt"))


def test_older_combined_training_box_is_training(text_000):
    text = text_000.replace("☐ Ofertado treinamento/ ou reciclagem", "☒ Ofertado treinamento/ ou reciclagem")
    assert cl.parse_form(text).actions == ["support", "training"]


def test_misspelt_labels_still_match(text_000):
    text = text_000.replace("☐ Beneficiário Grossoeiro", "☒ Beneficiário Grossoeiro")
    text = text.replace("☐ Régras Técnicas", "☒ Régras Técnicas")
    text = text.replace("☐ Terceirização de Atendimeto", "☒ Terceirização de Atendimeto")
    text = text.replace("☐ Servidor Publico", "☒ Servidor Publico")
    case = cl.parse_form(text)
    assert case.dismissal_reasons == [
        "outsourced_care",
        "public_servant",
        "rude_beneficiary",
        "technical_rules",
    ]


def test_plain_layout_with_inline_values(text_000):
    text = text_000.replace(
        "Operadora CRO UF Nome dentista", "Operadora ODONTO X CRO 1234 UF SP Nome dentista FULANO DE TAL"
    )
    text = text.replace("Cidade UF nº de vidas", "Cidade SÃO PAULO UF SP nº de vidas 1.200")
    text = text.replace(
        "Data início Data final Tempo finalização",
        "Data início 01/02/2024 Data final 11/02/2024 Tempo finalização 10 dia(s)",
    )
    text = text.replace("1º contato Data", "1º contato Data 01/02/2024")
    case = cl.parse_form(text)
    header = (case.operator, case.cro, case.cro_uf, case.dentist_name)
    assert header == ("ODONTO X", "1234", "SP", "FULANO DE TAL")
    assert (case.city, case.uf, case.lives) == ("SÃO PAULO", "SP", 1200)
    assert (case.started_on, case.finished_on, case.days_to_finish) == (D(2024, 2, 1), D(2024, 2, 11), 10)
    assert case.contacts[0].date == D(2024, 2, 1)


def test_html_table_export(text_001):
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in line.split("\t")) + "</tr>\n"
        for line in text_001.split("\n")
    )
    _check_001(cl.parse_form(f"<html><body><table>{rows}</table></body></html>", source="x.html"))


def test_docx_form(tmp_path, text_001):
    from docx import Document

    document = Document()
    table_lines = []
    for line in text_001.split("\n"):
        if "\t" in line:
            table_lines.append(line.split("\t"))
            continue
        if table_lines:
            width = max(len(r) for r in table_lines)
            table = document.add_table(rows=len(table_lines), cols=width)
            for r, cells in enumerate(table_lines):
                for c, cell in enumerate(cells):
                    table.cell(r, c).text = cell
            table_lines = []
        document.add_paragraph(line)
    path = tmp_path / "form.docx"
    document.save(path)
    case = cl.parse_form(path)
    assert case.source == "form.docx"
    _check_001(case.model_copy(update={"source": "x"}))


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"hello", "not a retention form"),
        (b"\x00\x01\x02binary\x00", "binary content"),
        ("Formulário - Processo de Retenção ação".encode("utf-16-be"), "binary content"),
        (b"\xfa not utf8 \x81", "not UTF-8"),
        (b"\xff\xfe\x00", "invalid utf-16 text"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(FormParseError, match=rf"^bad\.txt: {reason}"):
        cl.parse_form(path)


def test_truncated_form_is_read_with_warnings(tmp_path, text_001):
    path = tmp_path / "cut.md"
    path.write_text(text_001[: len(text_001) // 3], encoding="utf-8")
    case = cl.parse_form(path)
    full = cl.parse_form(text_001)
    assert (case.cro, case.dentist_name, case.lives) == (full.cro, full.dentist_name, full.lives)
    assert "section 'Setor responsável' absent" in case.warnings
    assert "section 'Motivo desligamento' absent" in case.warnings
    assert not full.warnings


def test_title_and_nothing_else_is_refused(tmp_path, text_001):
    with pytest.raises(FormParseError, match=r"cut\.md: truncated or incomplete form"):
        cl.parse_form("Formulário - Processo de Retenção\nColaborador: X\n", source="cut.md")


def test_bad_field_value_names_the_field(text_001):
    with pytest.raises(FormParseError, match=r"x\.md: field 'lives': 'muitas' is not a whole number"):
        cl.parse_form(text_001.replace("3.843", "muitas"), source="x.md")
    with pytest.raises(FormParseError, match=r"field 'lives': Input should be less than"):
        cl.parse_form(text_001.replace("3.843", "3.843.000.000.000"), source="x.md")
    with pytest.raises(FormParseError, match=r"field 'contacts\[3\]\.date'"):
        cl.parse_form(text_001.replace("15/04/2024", "45/04/2024", 1), source="x.md")


def test_windows_1252_form_is_read(tmp_path, text_001):
    path = tmp_path / "ansi.md"
    path.write_bytes(text_001.encode("cp1252"))
    _check_001(cl.parse_form(path))


def test_broken_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FormParseError, match=r"broken\.docx: not a readable \.docx"):
        cl.parse_form(path)


def test_batch_keeps_going_and_reports(tmp_path, text_001):
    (tmp_path / "a.md").write_text(text_001, encoding="utf-8")
    (tmp_path / "b.txt").write_text("not a form", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.md").write_text(text_001, encoding="utf-8")
    batch = cl.read_forms(tmp_path)
    assert [c.source for c in batch] == ["a.md", "d.md"]
    assert sorted(e.source for e in batch.failures) == ["b.txt", "c.txt"]
    frame = batch.to_frame()
    assert list(frame["lives"]) == [3843, 3843]


def test_parallel_parsing_matches_serial(tmp_path, text_001):
    from churnlab.io.batch import form_paths, iter_forms

    for i in range(24):
        (tmp_path / f"f{i:02d}.md").write_text(text_001 if i % 5 else "broken", encoding="utf-8")
    paths = form_paths(tmp_path)
    serial = [(p.name, str(r)) for p, r in iter_forms(paths)]
    parallel = list(iter_forms(paths, jobs=2, window=10))
    assert [(p.name, str(r)) for p, r in parallel] == serial
    errors = [r for _, r in parallel if isinstance(r, FormParseError)]
    assert len(errors) == 5 and errors[0].source == "f00.md"  # errors survive the process boundary


def test_plain_layout_with_values_on_the_row_below(text_000):
    rows = {
        "Colaborador Data": "ANA PAULA 04/03/2024",
        "Operadora CRO UF Nome dentista": "ODONTO X 1234 SP MARIA DA SILVA",
        "CNPJ CPF": "11.222.333/0001-81 111.444.777-35",
        "Data inclusão Tipo Demandado por? Nº do protocolo Dt. abertura protocolo": (
            "17/11/2022 J Operadora 123456 2024 03 04 000123 04/03/2024"
        ),
        "Cidade UF nº de vidas nº CRO(S) únicos divulgados": "SÃO PAULO SP 3.843 244",
        "Moeda Última produç. Valor última prod.": "0,35 SEM GUIAS R$ -",
        "Data início Data final Tempo finalização": "04/03/2024 17/04/2024 44 dia(s)",
    }
    text = text_000
    for labels, values in rows.items():
        text = text.replace(labels + "\n", f"{labels}\n{values}\n")
    text = text.replace("☐ Sim ☒ Não", "☒ Sim ☐ Não Uniodonto, Amil")
    case = cl.parse_form(text)
    assert (case.collaborator, case.operator, case.cro, case.cro_uf, case.dentist_name) == (
        "ANA PAULA",
        "ODONTO X",
        "1234",
        "SP",
        "MARIA DA SILVA",
    )
    assert (case.cnpj, case.cpf) == ("11222333000181", "11144477735")
    assert (case.included_on, case.person_type, case.requested_by) == (D(2022, 11, 17), "J", "Operadora")
    assert (case.protocol_number, case.protocol_opened_on) == ("123456 2024 03 04 000123", D(2024, 3, 4))
    assert (case.city, case.uf, case.lives, case.listed_cros) == ("SÃO PAULO", "SP", 3843, 244)
    assert (case.us_value, case.last_production, case.last_production_value) == (0.35, "SEM GUIAS", 0.0)
    assert (case.started_on, case.finished_on, case.days_to_finish) == (D(2024, 3, 4), D(2024, 4, 17), 44)
    assert (case.other_plans, case.other_plans_names) == (True, "Uniodonto, Amil")


def test_a_value_row_that_fits_no_reading_is_an_error(text_000):
    text = text_000.replace(
        "Data início Data final Tempo finalização\n",
        "Data início Data final Tempo finalização\nontem hoje amanhã depois\n",
    )
    with pytest.raises(FormParseError, match="cannot tell which of 'ontem hoje"):
        cl.parse_form(text, source="x.txt")


def test_label_variants(text_001):
    text = (
        text_001.replace("nº de vidas", "Número de vidas")
        .replace("Dt. abertura protocolo", "Data abertura protocolo")
        .replace("Nº do protocolo", "Número do protocolo")
        .replace("1º contato", "1° contato")
        .replace("Qtd CRO(s)", "Quantidade CROs")
    )
    _check_001(cl.parse_form(text, source="x.md").model_copy(update={"source": "x"}))


def test_same_file_name_in_two_folders_keeps_both(tmp_path, text_001):
    for folder in ("march", "april"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "form.md").write_text(text_001, encoding="utf-8")
    batch = cl.read_forms(tmp_path)
    assert sorted(c.source for c in batch) == ["april/form.md", "march/form.md"]


def test_a_missing_file_is_not_read_as_text():
    with pytest.raises(FormParseError, match=r"^data/typo\.txt: no such file$"):
        cl.parse_form("data/typo.txt")


def test_a_box_label_with_a_typo_reads_as_its_option():
    """Found by the damaged-forms fuzz test: "naoo" matched "nao", whose value is False, and the
    falsy value sent the lookup on to a key that does not exist (KeyError)."""
    from churnlab.io.boxes import VOCABULARIES, match_box

    for name, table in VOCABULARIES.items():
        for label, value in table.items():
            assert match_box(label + label[-1], name) == value, (name, label)
