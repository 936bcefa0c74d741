"""Brazilian number, money, date, competence and document parsers."""

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from churnlab.io import brazil


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(min_value=0, max_value=10**12))
def test_int_round_trips_with_and_without_thousands_dots(n):
    assert brazil.parse_int_br(_thousands(n)) == n
    assert brazil.parse_int_br(str(n)) == n


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99))
def test_money_round_trips(units, cents):
    text = f"R$ {_thousands(units)},{cents:02d}"
    assert brazil.parse_decimal_br(text) == pytest.approx(units + cents / 100)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_date_round_trips(day):
    assert brazil.parse_date_br(day.strftime("%d/%m/%Y")) == day
    assert brazil.parse_date_br(f"{day.day}/{day.month}/{day.year}") == day


@given(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=12))
def test_competence_numeric_and_abbreviated(year, month):
    expected = f"{year}-{month:02d}"
    assert brazil.parse_competence(f"{month:02d}/{year}") == expected
    abbreviation = brazil.MONTH_ABBREVIATIONS[month - 1].upper()
    assert brazil.parse_competence(f"{abbreviation}/{year % 100:02d}") == expected


@given(st.text(max_size=20))
def test_parsers_return_or_raise_value_error_only(text):
    for parser in (
        brazil.parse_int_br,
        brazil.parse_decimal_br,
        brazil.parse_date_br,
        brazil.parse_competence,
        brazil.parse_days,
    ):
        try:
            parser(text)
        except ValueError:
            pass


@pytest.mark.parametrize(
    ("text", "value"),
    [("3.843", 3843), ("244", 244), ("", None), ("  ", None), (None, None)],
)
def test_int_examples(text, value):
    assert brazil.parse_int_br(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("0,35", 0.35), ("R$ -", 0.0), ("R$-", 0.0), ("R$ 1.234,50", 1234.5), ("12", 12.0)],
)
def test_decimal_examples(text, value):
    assert brazil.parse_decimal_br(text) == value


@pytest.mark.parametrize("text", ["3,843.00", "1.23.4", "abc", "0,3,5"])
def test_decimal_rejects_with_reason(text):
    with pytest.raises(ValueError, match="not a Brazilian decimal"):
        brazil.parse_decimal_br(text)


def test_bad_dates_say_why():
    with pytest.raises(ValueError, match="not a valid date"):
        brazil.parse_date_br("31/02/2024")
    with pytest.raises(ValueError, match="expected dd/mm/yyyy"):
        brazil.parse_date_br("2024-02-01")


def test_days():
    assert brazil.parse_days("44 dia(s)") == 44
    assert brazil.parse_days("1 dia") == 1
    with pytest.raises(ValueError, match="number of days"):
        brazil.parse_days("quarenta")


cpf_bases = st.text(alphabet="0123456789", min_size=9, max_size=9)
cnpj_bases = st.text(alphabet="0123456789", min_size=12, max_size=12)


@given(cpf_bases)
def test_cpf_check_digits_validate(base):
    number = base + brazil.cpf_check_digits(base)
    assert brazil.is_valid_cpf(number) == (len(set(number)) > 1)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not brazil.is_valid_cpf(wrong)


@given(cnpj_bases)
def test_cnpj_check_digits_validate(base):
    number = base + brazil.cnpj_check_digits(base)
    if len(set(number)) > 1:
        assert brazil.document_kind(number) == "cnpj"
    assert not brazil.is_valid_cnpj(number[:-1] + str((int(number[-1]) + 1) % 10))


def test_alphanumeric_cnpj_from_2026():
    # Example published with the 2026 rule.
    assert brazil.is_valid_cnpj("12ABC34501DE35")


@given(cpf_bases)
def test_documents_found_with_or_without_punctuation(base):
    cpf = base + brazil.cpf_check_digits(base)
    dotted = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    assert brazil.find_documents(f"CPF: {dotted} e {cpf}") == [cpf, cpf]


# --- person type: one reader for forms and rosters --------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# One table for every path that reads a ``Tipo``: (cell, person type or None when refused).
PERSON_TYPES = [
    ("F", "F"),
    ("j", "J"),
    ("PF", "F"),
    ("pj", "J"),
    ("P.F.", "F"),
    ("P. J.", "J"),
    ("Física", "F"),
    ("FISICA", "F"),
    ("fis", "F"),
    ("Jurídica", "J"),
    ("JUR", "J"),
    ("pessoa física", "F"),
    ("PESSOA FÍSICA", "F"),
    ("Pessoa Jurídica", "J"),
    ("X", None),
    ("PX", None),
    ("FJ", None),
    ("pessoa", None),
    ("fisicamente", None),
    ("Jurídica LTDA", None),
    ("1", None),
]


@pytest.mark.parametrize(("cell", "expected"), PERSON_TYPES)
def test_forms_and_rosters_read_a_person_type_alike(cell, expected, tmp_path):
    from churnlab.errors import FormParseError
    from churnlab.io.forms import parse_form
    from churnlab.io.network import read_roster

    form = (SAMPLE / "forms" / "case_00010.txt").read_text(encoding="utf-8")
    assert "  Tipo  J  " in form
    form = form.replace("  Tipo  J  ", f"  Tipo  {cell}  ")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"CRO;UF;Nome;Cidade;Tipo;Data inclusão;Data desligamento;Moeda\n1;SP;A;X;{cell};01/03/2019;;0,30\n",
        encoding="utf-8",
    )
    frame, rejects, _ = read_roster(roster)
    if expected is None:
        reason = f"{cell!r} is not a person type (F or J"
        with pytest.raises(ValueError, match=re.escape(reason)):
            brazil.parse_person_type(cell)
        with pytest.raises(FormParseError, match=r"field 'person_type': " + re.escape(reason)):
            parse_form(form, source="x.txt")
        assert [(r["column"], r["reason"][: len(reason)]) for r in rejects] == [("Tipo", reason)]
    else:
        assert brazil.parse_person_type(cell) == expected
        assert parse_form(form, source="x.txt").person_type == expected
        assert not rejects and frame["person_type"].tolist() == [expected]


def test_an_empty_person_type_is_unknown():
    assert brazil.parse_person_type(None) is None and brazil.parse_person_type("  ") is None
