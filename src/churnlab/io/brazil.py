"""Brazilian number, money, date and document (CPF/CNPJ) parsing.

Forms are written the Brazilian way: ``3.843`` is three thousand eight hundred
and forty-three, ``0,35`` is 0.35, ``R$ -`` is zero, dates are ``dd/mm/yyyy``
and competences (billing months) ``MM/YYYY`` or ``FEV/23``. Each parser returns
``None`` for an empty value and raises ``ValueError`` saying why otherwise.

CPF and CNPJ check digits are computed here rather than with a validation
library because the anonymiser must also *make* valid check digits for its
pseudonyms; CNPJ digits follow the 2026 rule that also admits letters.
"""

from __future__ import annotations

import datetime as dt
import re

from churnlab.io.text import fold

_MONTHS = {
    "jan": 1, "fev": 2, "mar": 3, "abr": 4, "mai": 5, "jun": 6,
    "jul": 7, "ago": 8, "set": 9, "out": 10, "nov": 11, "dez": 12,
}  # fmt: skip
MONTH_ABBREVIATIONS = tuple(_MONTHS)

_INT_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$|^[+-]?\d+$")
_DECIMAL_RE = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_COMPETENCE_RE = re.compile(r"^(\d{1,2}|[a-z]{3})[a-z]*\s*[/.-]\s*(\d{2}|\d{4})$")
_DAYS_RE = re.compile(r"^(\d+)\s*(dia\(?s?\)?|dias?|d)?\.?$")


def parse_int_br(text: str | None) -> int | None:
    """Parse an integer written with ``.`` as thousands separator.

    Examples
    --------
    >>> parse_int_br("3.843")
    3843
    >>> parse_int_br(" 244 ")
    244
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    raw = text.strip().replace(" ", "")
    if not _INT_RE.match(raw):
        raise ValueError(f"{text!r} is not a whole number (expected e.g. 3.843 or 244)")
    return int(raw.replace(".", ""))


def parse_decimal_br(text: str | None) -> float | None:
    """Parse a decimal number with ``,`` as decimal mark and ``.`` for thousands.

    Money is accepted too: a leading ``R$`` is dropped and ``R$ -`` (the
    spreadsheet way of writing zero) is 0.0.

    Examples
    --------
    >>> parse_decimal_br("0,35")
    0.35
    >>> parse_decimal_br("R$ 1.234,50")
    1234.5
    >>> parse_decimal_br("R$ -")
    0.0
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    raw = text.strip()
    raw = re.sub(r"^R\s*\$", "", raw, flags=re.IGNORECASE).strip().replace(" ", "")
    if raw in {"-", "–", "—"}:
        return 0.0
    if not _DECIMAL_RE.match(raw):
        raise ValueError(f"{text!r} is not a Brazilian decimal (expected e.g. 0,35 or R$ 1.234,50)")
    return float(raw.replace(".", "").replace(",", "."))


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def parse_date_br(text: str | None) -> dt.date | None:
    """Parse a ``dd/mm/yyyy`` date (also ``d/m/yy``, ``-`` or ``.`` separators).

    Examples
    --------
    >>> parse_date_br("17/11/2022")
    datetime.date(2022, 11, 17)
    >>> parse_date_br("15/4/24")
    datetime.date(2024, 4, 15)
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    match = _DATE_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (expected dd/mm/yyyy)")
    day, month, year = int(match[1]), int(match[2]), _year(match[3])
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None


def parse_competence(text: str | None) -> str | None:
    """Parse a billing month (``MM/YYYY``, ``FEV/23``, ``fevereiro/2023``) to ``YYYY-MM``.

    Examples
    --------
    >>> parse_competence("FEV/23")
    '2023-02'
    >>> parse_competence("07/2023")
    '2023-07'
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    match = _COMPETENCE_RE.match(fold(text))
    if not match:
        raise ValueError(f"{text!r} is not a competence (expected MM/YYYY or FEV/23)")
    month_text, year = match[1], _year(match[2])
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text)
    if month is None or not 1 <= month <= 12:
        raise ValueError(f"{text!r} has no valid month")
    return f"{year:04d}-{month:02d}"


def parse_days(text: str | None) -> int | None:
    """Parse a duration in days such as ``44 dia(s)``.

    Examples
    --------
    >>> parse_days("44 dia(s)")
    44
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    match = _DAYS_RE.match(fold(text))
    if not match:
        raise ValueError(f"{text!r} is not a number of days (expected e.g. 44 dia(s))")
    return int(match[1])


# "F", "PF", "P.F.", "Física", "Pessoa física", "J", "PJ", "Jurídica", "pessoa jurídica"...
_PERSON_TYPE_RE = re.compile(r"^(?:p(?:essoa)?\s*)?(?:(f)(?:is(?:ic[ao])?)?|(j)(?:ur(?:idic[ao])?)?)$")


def parse_person_type(text: str | None) -> str | None:
    """Parse a form's or a roster's ``Tipo``: ``"F"`` (pessoa física) or ``"J"`` (jurídica).

    The one reader of the person type, for forms and rosters alike. It accepts
    ``F``/``J``, ``PF``/``PJ`` (with or without dots or spaces), ``física``/
    ``jurídica`` (also ``fis``/``jur``) with or without ``pessoa``, in any case
    and with or without accents.

    Examples
    --------
    >>> parse_person_type("Pessoa Jurídica"), parse_person_type("p.f."), parse_person_type(" ")
    ('J', 'F', None)
    """
    if text is None or not text.strip():  # a missing or blank cell
        return None
    match = _PERSON_TYPE_RE.match(re.sub(r"[\s.\-]+", " ", fold(text)).strip())
    if not match:
        raise ValueError(f"{text!r} is not a person type (F or J: PF/PJ, pessoa física/jurídica)")
    return (match[1] or match[2]).upper()


# --- writing values the Brazilian way (the inverse of the parsers) ----------------


def _group_thousands(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.append(digits[-3:])
        digits = digits[:-3]
    out.append(digits)
    return ".".join(reversed(out))


def format_int_br(value: int | None) -> str:
    """Write an integer with ``.`` as thousands separator (``""`` for ``None``).

    Examples
    --------
    >>> format_int_br(3843)
    '3.843'
    >>> format_int_br(244)
    '244'
    """
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return sign + _group_thousands(str(abs(int(value))))


def format_decimal_br(value: float | None, min_decimals: int = 2) -> str:
    """Write a decimal with ``,`` as decimal mark, keeping every significant digit.

    Examples
    --------
    >>> format_decimal_br(0.35)
    '0,35'
    >>> format_decimal_br(1234.5)
    '1.234,50'
    >>> format_decimal_br(0.1234)
    '0,1234'
    """
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    text = f"{abs(float(value)):.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    frac = frac.ljust(min_decimals, "0")
    out = _group_thousands(whole)
    return f"{sign}{out},{frac}" if frac else sign + out


def format_money_br(value: float | None) -> str:
    """Write an amount in reais: ``R$ 1.234,50``, and ``R$ -`` for zero.

    Examples
    --------
    >>> format_money_br(1234.5)
    'R$ 1.234,50'
    >>> format_money_br(0.0)
    'R$ -'
    >>> format_money_br(None)
    ''
    """
    if value is None:
        return ""
    if round(float(value), 2) == 0:
        return "R$ -"
    return "R$ " + format_decimal_br(round(float(value), 2), min_decimals=2)


def format_date_br(value: dt.date | None) -> str:
    """Write a date as ``dd/mm/yyyy``.

    Examples
    --------
    >>> format_date_br(dt.date(2024, 3, 4))
    '04/03/2024'
    """
    return "" if value is None else value.strftime("%d/%m/%Y")


def format_days(value: int | None) -> str:
    """Write a duration the way the form does: ``44 dia(s)``.

    Examples
    --------
    >>> format_days(44)
    '44 dia(s)'
    """
    return "" if value is None else f"{int(value)} dia(s)"


# --- documents -------------------------------------------------------------


def only_digits(text: str) -> str:
    """Keep the digits of ``text``.

    Examples
    --------
    >>> only_digits("11.222.333/0001-81")
    '11222333000181'
    """
    return re.sub(r"\D", "", text)


def _char_value(ch: str) -> int:
    # 2026 CNPJ rule: a character's value is its ASCII code minus 48 (digits 0-9, A=17 ...).
    return ord(ch.upper()) - 48


def _mod11_digit(values: list[int], weights: list[int]) -> int:
    rest = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cpf_check_digits(base: str) -> str:
    """The two check digits of a 9-digit CPF base.

    Examples
    --------
    >>> cpf_check_digits("111444777")
    '35'
    """
    if len(base) != 9 or not base.isdigit():
        raise ValueError(f"a CPF base has 9 digits, got {base!r}")
    values = [int(c) for c in base]
    first = _mod11_digit(values, list(range(10, 1, -1)))
    second = _mod11_digit([*values, first], list(range(11, 1, -1)))
    return f"{first}{second}"


def cnpj_check_digits(base: str) -> str:
    """The two check digits of a 12-character CNPJ base (digits, or letters since 2026).

    Examples
    --------
    >>> cnpj_check_digits("112223330001")
    '81'
    """
    if len(base) != 12 or not base.isalnum():
        raise ValueError(f"a CNPJ base has 12 characters, got {base!r}")
    values = [_char_value(c) for c in base]
    weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _mod11_digit(values, weights)
    second = _mod11_digit([*values, first], [6, *weights])
    return f"{first}{second}"


def is_valid_cpf(number: str) -> bool:
    """Whether ``number`` (digits only) is a CPF with correct check digits."""
    if len(number) != 11 or not number.isdigit() or len(set(number)) == 1:
        return False
    return cpf_check_digits(number[:9]) == number[9:]


def is_valid_cnpj(number: str) -> bool:
    """Whether ``number`` (14 characters) is a CNPJ with correct check digits."""
    number = number.upper()
    if len(number) != 14 or not number[:12].isalnum() or not number[12:].isdigit():
        return False
    if len(set(number)) == 1:
        return False
    return cnpj_check_digits(number[:12]) == number[12:]


def document_kind(number: str) -> str | None:
    """Tell a CPF from a CNPJ by length and check digits: ``"cpf"``, ``"cnpj"`` or ``None``.

    Examples
    --------
    >>> document_kind("11144477735")
    'cpf'
    >>> document_kind("11222333000181")
    'cnpj'
    >>> document_kind("12345") is None
    True
    """
    if is_valid_cpf(number):
        return "cpf"
    if is_valid_cnpj(number):
        return "cnpj"
    return None


_DOC_TOKEN = re.compile(
    r"(?<![\w])(\d{3}\.?\d{3}\.?\d{3}-?\d{2}|[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2})(?![\w])"
)


def find_documents(text: str) -> list[str]:
    """Every CPF- or CNPJ-shaped token in ``text``, punctuation removed, in order.

    Check digits are not verified here; see :func:`document_kind`.

    Examples
    --------
    >>> find_documents("CNPJ 11.222.333/0001-81 CPF 111.444.777-35")
    ['11222333000181', '11144477735']
    """
    return [re.sub(r"[./-]", "", m) for m in _DOC_TOKEN.findall(text.upper())]
