"""The anonymiser: keyed stable pseudonyms, shapes kept, personal data gone, forms still parse.

The raw seed forms hold real personal data: nothing of it is written here. The
seed tests read the values from the parsed raw form at run time and check
that none of them survives.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from churnlab.errors import ChurnlabError
from churnlab.io.brazil import cnpj_check_digits, cpf_check_digits, is_valid_cnpj, is_valid_cpf, only_digits
from churnlab.io.forms import parse_form
from churnlab.io.names import first_names
from churnlab.io.text import fold
from churnlab.privacy.anonymize import anonymize_case, anonymize_file, anonymize_form, anonymize_text
from churnlab.privacy.pseudonymizer import AnonymizationKeyError, Pseudonymizer
from conftest import seed_form

KEY = b"test key: not a secret, 32 bytes"
P = Pseudonymizer(KEY)
OTHER = Pseudonymizer(b"another test key, also 32 bytes!")

# Made-up values (valid check digits, not real people).
CPF = "111.444.777-35"
CNPJ = "11.222.333/0001-81"


def shape(text: str) -> str:
    """Letters as ``a``/``A``, digits as ``9``, everything else as is."""
    return re.sub(r"\d", "9", re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", text)))


# --- the key -------------------------------------------------------------------------


def test_missing_key_says_how_to_set_one():
    with pytest.raises(AnonymizationKeyError, match=r"Set the environment variable CHURNLAB_ANON_KEY"):
        Pseudonymizer.from_env({})
    with pytest.raises(ValueError, match=r"CHURNLAB_ANON_KEY_FILE to the path of a file"):
        Pseudonymizer.from_env({"CHURNLAB_ANON_KEY": "  "})
    assert issubclass(AnonymizationKeyError, ChurnlabError)


def test_key_from_env_or_file(tmp_path, monkeypatch):
    key_file = tmp_path / "anon.key"
    key_file.write_text(KEY.decode() + "\n", encoding="utf-8")
    from_file = Pseudonymizer.from_env({"CHURNLAB_ANON_KEY_FILE": str(key_file)})
    assert from_file.cpf(CPF) == P.cpf(CPF)
    monkeypatch.setenv("CHURNLAB_ANON_KEY", KEY.decode())
    assert Pseudonymizer.from_env().name("Maria") == P.name("Maria")
    with pytest.raises(AnonymizationKeyError, match=r"cannot read the key file"):
        Pseudonymizer.from_env({"CHURNLAB_ANON_KEY_FILE": str(tmp_path / "missing.key")})
    with pytest.raises(AnonymizationKeyError, match=r"fewer than 16"):
        Pseudonymizer(b"short")
    assert KEY.decode() not in repr(P)


# --- pseudonyms ------------------------------------------------------------------------


def test_stable_and_key_dependent():
    pairs = [
        (Pseudonymizer.cpf, CPF),
        (Pseudonymizer.cnpj, CNPJ),
        (Pseudonymizer.name, "Maria Moreira"),
        (Pseudonymizer.phone, "(11) 98765-4321"),
        (Pseudonymizer.protocol, "ABC123456789"),
    ]
    for method, value in pairs:
        assert method(P, value) == method(Pseudonymizer(KEY), value)
        assert method(P, value) != method(OTHER, value)
        assert method(P, value) != value


def test_normalisation_keeps_joins():
    assert only_digits(P.cpf(CPF)) == P.cpf(only_digits(CPF))
    assert only_digits(P.cnpj(CNPJ)) == P.cnpj(only_digits(CNPJ))
    branch = "11222333000262"  # another branch of the same company keeps the same root
    assert P.cnpj(branch)[:8] == P.cnpj(only_digits(CNPJ))[:8] and P.cnpj(branch)[8:12] == "0002"
    assert P.name("José da Costa") == P.name("  JOSE  DA COSTA ") == P.name("josé da costa")
    assert P.name("José da Costa") != P.name("José")
    assert P.protocol("abc123456789").upper() == P.protocol("ABC123456789")


cpf_bases = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda b: len(set(b)) > 1)


@settings(max_examples=60, deadline=None)
@given(cpf_bases, st.booleans())
def test_cpf_pseudonym_is_a_valid_cpf(base, punctuated):
    number = base + cpf_check_digits(base)
    text = f"{number[:3]}.{number[3:6]}.{number[6:9]}-{number[9:]}" if punctuated else number
    out = P.cpf(text)
    assert shape(out) == shape(text)
    assert is_valid_cpf(only_digits(out))
    assert only_digits(out) != number


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from(["0001", "0002", "0123"]),
)
def test_cnpj_pseudonym_is_a_valid_cnpj(root, branch):
    number = root + branch + cnpj_check_digits(root + branch)
    out = P.cnpj(number)
    assert len(out) == 14 and out.isdigit()
    assert is_valid_cnpj(out)
    assert out[:8] != root and out[8:12] == branch


def test_document_errors():
    with pytest.raises(ValueError, match="a CPF has 11 digits"):
        P.cpf("1234")
    with pytest.raises(ValueError, match="a CNPJ has 14 characters"):
        P.cnpj("123")


def test_name_pseudonym_format():
    pseudonyms = {P.name(n) for n in ["Ana", "João Pedro", "Maria das Dores", "Zé"]}
    assert len(pseudonyms) == 4
    for pseudonym in pseudonyms:
        assert re.fullmatch(r"Pessoa [A-Z][0-9A-Z]{5}", pseudonym), pseudonym
    with pytest.raises(ValueError, match="no letters"):
        P.name("123")


@pytest.mark.parametrize(
    "phone",
    [
        "(71) 987654321",
        "(71) 98765-4321",
        "+55 71 8765-4321",
        "+55 (71) 98765-4321",
        "71 98765-4321",
        "(62) 33334444",
        "(62) 3333-4444",
        "3333-4444",
        "98765-4321",
    ],
)
def test_phone_keeps_shape(phone):
    out = P.phone(phone)
    assert shape(out) == shape(phone)
    assert out != phone
    subscriber, new = only_digits(phone)[-8:], only_digits(out)[-8:]
    assert new != subscriber
    if len(only_digits(phone)) >= 10:  # country code and area code (DDD) kept
        skip = 2 if phone.startswith("+") else 0
        assert only_digits(out)[: skip + 2] == only_digits(phone)[: skip + 2]
    assert new[0] in ("6789" if subscriber[0] in "6789" else "2345")


def test_mobile_with_and_without_ninth_digit_match():
    with_nine, without = P.phone("(71) 98765-4321"), P.phone("+55 71 8765-4321")
    assert only_digits(with_nine)[-8:] == only_digits(without)[-8:]
    assert P.phone("(71) 987654321")[-9:] == only_digits(with_nine)[-9:]


@pytest.mark.parametrize("protocol", ["ABC123456789", "abc-12.345/xy", "123456 2024 03 04 000123"])
def test_protocol_keeps_shape(protocol):
    out = P.protocol(protocol)
    assert shape(out) == shape(protocol)
    assert out != protocol


# --- free text -------------------------------------------------------------------------


def test_numbers_that_are_not_personal_stay():
    text = (
        "Em 12/09/2023 às 09:41 [11:02, 13/09/2023] competência MAI/22 guia 7654321 - 3/5 "
        "código 3040, guias 31415926 e 987654321, CRO 12345-SP, 2.718 vidas, 57 CROs, "
        "R$ 1.234,50, R$ -, 0,41, anos 2023-2024, "
        "44 dia(s), 24h 48h, CEP 40170-110, valor 78 $, 15/4/2024, 2023-02"
    )
    assert anonymize_text(text, P) == text


@pytest.mark.parametrize(
    "phone",
    [
        "(71) 987654321",
        "+55 71 8765-4321",
        "(62) 33334444",
        "71 98765-4321",
        "(71)98765-4321",
        "3333-4444",
        "71987654321",
    ],
)
def test_phones_in_text_replaced(phone):
    text = f"[09:41, 12/09/2023] {phone}: bom dia\tenviado whatsapp {phone} 12/09."
    out = anonymize_text(text, P)
    assert phone not in out
    assert out.count("12/09") == 2 and "[09:41, " in out and "\tenviado" in out
    if not phone.isdigit():
        assert out.count(P.phone(phone)) == 2


def test_documents_in_text_replaced_keeping_punctuation():
    text = f"CNPJ {CNPJ} CPF {CPF}\t{only_digits(CNPJ)}\t\t{only_digits(CPF)}"
    out = anonymize_text(text, P)
    bare_cnpj, bare_cpf = P.cnpj(only_digits(CNPJ)), P.cpf(only_digits(CPF))
    assert out == f"CNPJ {P.cnpj(CNPJ)} CPF {P.cpf(CPF)}\t{bare_cnpj}\t\t{bare_cpf}"


def test_email_pseudonym_is_keyed_and_reaches_nobody():
    address = "dra.quiteria@clinicaquiteria.com.br"
    out = P.email(address)
    assert re.fullmatch(r"pessoa\.[a-z][0-9a-z]{5}@exemplo\.invalid", out)
    assert P.email(address.upper()) == out != P.email("outra@clinicaquiteria.com.br")
    assert OTHER.email(address) != out
    with pytest.raises(ValueError, match="not an e-mail address"):
        P.email("sem arroba")


def test_emails_in_text_replaced_whole():
    from churnlab.privacy.finders import email_addresses

    address = "Dra.Quiteria_71@Clinica-Albuquerque.com.br"
    text = f"Respondeu do e-mail {address}.\tReenviar a {address.lower()} e ao (71) 98765-4321"
    out = anonymize_text(text, P)
    assert "quiteria" not in out.lower() and "albuquerque" not in out.lower()
    assert out == (
        f"Respondeu do e-mail {P.email(address)}.\tReenviar a {P.email(address)} "
        f"e ao {P.phone('(71) 98765-4321')}"
    )
    assert email_addresses(out) == [P.email(address)]  # still an address: a worklist lists one


def test_protocols_in_text_replaced():
    text = "Nº do protocolo XYZ123456789012 aberto; ANS 123456 2024 03 04 000123; protocolo: 98765432"
    out = anonymize_text(text, P, protocols=["XYZ123456789012"])
    assert out == (
        f"Nº do protocolo {P.protocol('XYZ123456789012')} aberto; "
        f"ANS {P.protocol('123456 2024 03 04 000123')}; protocolo: {P.protocol('98765432')}"
    )


def test_given_names_replaced_in_notes():
    names = ["Maria Aparecida de Moreira Tavares", "Joaquina B. Okonkwo"]
    text = (
        "Colaborador\tMARIA APARECIDA DE MOREIRA TAVARES\t\tQtd\n"
        "A dra. Tavares disse que a Sra Maria Aparecida viria; falei com a moreira e com "
        "Okonkwo (Joaquina B. Okonkwo). Tavaresmente não.\n\nJoaquina B. Okonkwo"
    )
    out = anonymize_text(text, P, names=names)
    for token in ["maria", "aparecida", "moreira", "tavares", "joaquina", "okonkwo"]:
        assert not re.search(rf"(?<!\w){token}(?!\w)", fold(out)), token
    assert f"Colaborador\t{P.name(names[0])}\t\tQtd\n" in out
    assert out.endswith("\n\n" + P.name(names[1]))
    assert P.name("Maria Aparecida") in out and P.name("moreira") in out
    assert "Tavaresmente não." in out  # whole words only


def test_short_and_compound_given_names():
    out = anonymize_text(
        "Falei com Li Yu e com a Sra. Dell’Arco; Arco ligou.", P, ["Li Yu", "Pietro Dell'Arco"]
    )
    assert out == (f"Falei com {P.name('Li Yu')} e com a Sra. {P.name('Dell Arco')}; {P.name('Arco')} ligou.")


def test_bare_first_names_and_titles():
    text = (
        "Ligação de cliente oculto às 09:10; a Fernanda informa que atendem. "
        "Dra informa que sim. Dra Quitéria Albuquerque confirmou. Dr. Zoroastro ligou. "
        "Meu nome é Heloisa, falo da Odonto. Rosa é a cor. Mora em São José e na Rua Paulo Afonso. "
        "Em retorno, Dra, foi encaminhado; a recepcionista Ana Beatriz Lima retornou.\n"
        "R. Otávio retornou."
    )
    out = anonymize_text(text, P)
    expected = {
        "Fernanda": P.name("Fernanda"),
        "Quitéria Albuquerque": P.name("Quitéria Albuquerque"),
        "Zoroastro": P.name("Zoroastro"),
        "Heloisa": P.name("Heloisa"),
        "Ana Beatriz Lima": P.name("Ana Beatriz Lima"),
        "Otávio": P.name("Otávio"),
    }
    for name, pseudonym in expected.items():
        assert name not in out and pseudonym in out, name
    for kept in ["Dra informa", "Rosa é a cor", "São José", "Rua Paulo Afonso", "Dra, foi"]:
        assert kept in out, kept


def test_keep_protects_field_values_but_not_names():
    text = "Cidade\tJOÃO PESSOA\nUF\tPB"
    assert anonymize_text(text, P) != text  # a first name in capitals ...
    assert anonymize_text(text, P, keep=["JOÃO PESSOA"]) == text  # ... unless kept
    out = anonymize_text(text, P, names=["João Lima"], keep=["JOÃO PESSOA"])
    assert "JOÃO" not in out  # a known person's name is never kept


def test_layout_is_kept_byte_for_byte():
    text = 'Obs.:\t\t\n<input checked="" type="checkbox"/> Glosas\r\n☒ Sim ☐ Não\n'
    assert anonymize_text(text, P) == text
    noted = "Obs.:\t\t\r\n  Dra Fernanda Lopes\tligou  \r\n"
    assert anonymize_text(noted, P) == f"Obs.:\t\t\r\n  Dra {P.name('Fernanda Lopes')}\tligou  \r\n"
    once = anonymize_text(noted, P)
    assert anonymize_text(once, P) == once  # pseudonyms are not taken for names


def test_first_names_list():
    names = first_names()
    assert 300 <= len(names) <= 1000
    assert all(n == fold(n) and n.isalpha() for n in names)
    assert {"joao", "maria", "jose", "ana", "fernanda", "lucas"} <= names
    # words of the form's layout and cities must not be taken for names
    assert not names & {"sim", "nao", "glosas", "salvador", "palmas", "natal", "operadora"}


# --- records and files ------------------------------------------------------------------

PERSONAL = {"collaborator", "dentist_name", "cpf", "cnpj", "protocol_number", "signatories"}
NOTES = {"contacts", "action_note", "general_note"}


def _anonymized_seed(prefix: str):
    raw_text = seed_form(prefix).read_text(encoding="utf-8")
    raw = parse_form(raw_text, source="seed.txt")
    out = anonymize_form(raw_text, P, source="seed.txt")
    return raw_text, raw, out, parse_form(out, source="seed.txt")


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_personal_data_is_gone(prefix):
    raw_text, raw, out, _ = _anonymized_seed(prefix)
    secrets = [raw.cpf, raw.cnpj, raw.collaborator, raw.dentist_name, raw.protocol_number]
    secrets += raw.signatories
    folded_out = fold(out)
    for secret in filter(None, secrets):
        assert fold(secret) not in folded_out
    tokens = set()
    for person in filter(None, [raw.dentist_name, raw.collaborator, *raw.signatories]):
        tokens |= {t for t in re.findall(r"[^\W\d_]+", fold(person)) if len(t) >= 3}
    tokens -= {"das", "dos", "del"}
    assert tokens
    for token in tokens:
        assert not re.search(rf"(?<!\w){token}(?!\w)", folded_out), "a name token survived"
    phone = re.compile(r"(?<!\d)(?:\+?55 ?)?(?:\(\d{2}\) ?|\d{2} )?9?\d{4}-?\d{4}(?!\d)")
    found = phone.findall(raw_text)
    assert found
    squeezed = re.sub(r"[ ()+-]", "", out)
    for number in found:
        assert number not in out
        assert only_digits(number)[-8:] not in squeezed, "a phone number survived"
    # capitalised common first names in the raw notes are gone too
    for word in set(re.findall(r"\b[A-ZÀ-Ý][a-zà-ÿ]+\b", raw_text)):
        if fold(word) in first_names():
            assert not re.search(rf"\b{word}\b", out), "a first name survived"


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_still_parses_to_the_same_record(prefix):
    _, raw, out, anon = _anonymized_seed(prefix)
    raw_d, anon_d = raw.model_dump(), anon.model_dump()
    for field in raw_d.keys() - PERSONAL - NOTES:
        assert anon_d[field] == raw_d[field], field
    assert [(c.n, c.date) for c in anon.contacts] == [(c.n, c.date) for c in raw.contacts]
    assert anon.signatories == [P.name(s) for s in raw.signatories]
    for field in ("collaborator", "dentist_name"):
        assert anon_d[field] == (raw_d[field] and P.name(raw_d[field]))
    assert anon.cpf == (raw.cpf and P.cpf(raw.cpf))
    assert anon.cnpj == (raw.cnpj and P.cnpj(raw.cnpj))
    assert anon.protocol_number == (raw.protocol_number and P.protocol(raw.protocol_number))
    assert anon.cpf is None or is_valid_cpf(anon.cpf)
    assert anon.cnpj is None or is_valid_cnpj(anon.cnpj)
    # the parsed record, anonymised, is the anonymised form, parsed
    assert anonymize_case(raw, P) == anon


def test_anonymize_case_without_seeds():
    from churnlab.io.records import Contact, RetentionCase

    case = RetentionCase(
        source="x.txt",
        collaborator="Joaquina Okonkwo",
        dentist_name="Quitéria Albuquerque",
        cpf=only_digits(CPF),
        cnpj=only_digits(CNPJ),
        protocol_number="XYZ123456789012",
        contacts=[Contact(n=1, note="Dra Albuquerque pelo (71) 98765-4321, protocolo XYZ123456789012")],
        general_note="Joaquina ligou",
        action_note="Proposta enviada a quiteria.alb@gmail.com",
        signatories=["Joaquina Okonkwo"],
    )
    anon = anonymize_case(case, P)
    assert anon.dentist_name == P.name("Quitéria Albuquerque")
    assert anon.cpf == P.cpf(only_digits(CPF)) and anon.cnpj == P.cnpj(only_digits(CNPJ))
    assert anon.contacts[0].note == (
        f"Dra {P.name('Albuquerque')} pelo {P.phone('(71) 98765-4321')}, "
        f"protocolo {P.protocol('XYZ123456789012')}"
    )
    assert anon.general_note == f"{P.name('Joaquina')} ligou"
    assert anon.action_note == f"Proposta enviada a {P.email('quiteria.alb@gmail.com')}"
    assert case.dentist_name == "Quitéria Albuquerque"  # the input is not changed


def test_anonymize_file(tmp_path):
    src = seed_form("001")
    out = anonymize_file(src, tmp_path / "out", P)
    assert out == tmp_path / "out" / src.name
    assert out.read_text(encoding="utf-8") == anonymize_form(
        src.read_text(encoding="utf-8"), P, source=src.name
    )


def test_anonymize_file_errors(tmp_path):
    bad = tmp_path / "form.txt"
    bad.write_bytes(b"Formul\xe1rio - Processo de Reten\xe7\xe3o\n")
    with pytest.raises(ChurnlabError, match=r"form\.txt: not UTF-8"):
        anonymize_file(bad, tmp_path / "out", P)
    with pytest.raises(ChurnlabError, match="output folder is the input's own folder"):
        anonymize_file(bad, tmp_path, P)
    with pytest.raises(ChurnlabError, match=r"cannot anonymize \.docx"):
        anonymize_file(tmp_path / "form.docx", tmp_path / "out", P)
    not_a_form = tmp_path / "notes.txt"
    not_a_form.write_text("Só uma anotação\n", encoding="utf-8")
    with pytest.raises(ChurnlabError, match="notes.txt"):
        anonymize_file(not_a_form, tmp_path / "out", P)
    assert not (tmp_path / "out" / "notes.txt").exists()


# --- one accent folding for the parser and the anonymiser -----------------------------------


def test_parser_and_anonymiser_fold_every_bmp_character_alike():
    """The anonymiser finds names in text folded by the parser's own folding, so a
    name key, a form label and a name pattern cannot disagree on a character
    (they once did on ~630: ``º``, ``ª``, ``²``...)."""
    from churnlab.io import text
    from churnlab.privacy import finders, pseudonymizer

    assert finders.fold_chars is text.fold_chars
    assert pseudonymizer.fold is finders.fold is text.fold
    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    folded = text.fold_chars(every)
    assert len(folded) == len(every)  # positions in folded text are positions in the text
    for ch, one in zip(every, folded, strict=True):
        assert text.fold_chars(ch) == one
        assert text.fold(ch) == one.strip(), hex(ord(ch))
    assert text.fold("Drª nº 2º ²") == "dra no 2o 2"
