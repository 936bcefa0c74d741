"""What a retention lead needs from the worklist (issue 27): how to reach whom, why, numbers to trust.

Risks read "< 1 %"/"> 99 %" at the ends; every row carries the CRO/UF and the
phones and e-mails the form's notes (and the roster) hold; dentists out of
reach (retiring, closing, moving away, death) get no offer and are listed
apart with the reason they stated; the people's CSV is Brazilian by default;
the workbook shows words, ``Sim``/``Não`` and whole months; ``scores.csv``
stays a machine file, open cases first.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from _models import SAMPLE, sample_model
from churnlab.app.cli import app
from churnlab.app.contacts import add_roster_contacts
from churnlab.app.exploration import OFFER_COLUMNS
from churnlab.app.reach import MIN_CASES_ACTED, withheld_reasons
from churnlab.app.scoring import PEOPLE_CONTEXT, SCORE_COLUMNS
from churnlab.app.worklist import column_title, make_worklist, render_worklist
from churnlab.i18n import person_name, place, probability, say
from churnlab.io.records import Contact
from churnlab.privacy.finders import email_addresses, phone_numbers
from churnlab.synthetic.generator import generate
from churnlab.synthetic.render import render_markdown

RETIRING = "Dr informa que vai se aposentar e encerrar a carreira. Solicita o descredenciamento."
PHONE, EMAIL = "(41) 94487-8813", "dra.ana@clinica.com.br"


# ---------------------------------------------------------------------------- formatters


@given(st.floats(min_value=0.0, max_value=1.0))
def test_a_probability_never_reads_certain(value):
    for lang in ("pt", "en"):
        shown = probability(value, lang)
        assert shown not in ("0 %", "100 %", "0,0 %", "100,0 %", "100.0 %", "0.0 %"), (value, shown)
        assert re.fullmatch(r"(< 1 %|> 99 %|\d{1,2}([.,]\d)? %)", shown), shown


def test_a_probability_reads_the_persons_way():
    assert [probability(v, "pt") for v in (0.0, 0.004, 0.0485, 0.4583, 0.9712, 0.995, 1.0)] == [
        "< 1 %",
        "< 1 %",
        "4,9 %",
        "46 %",
        "97,1 %",
        "> 99 %",
        "> 99 %",  # a model's 1.0 is an estimate too: "100 %" reads as a fact
    ]
    assert probability(0.0485, "en") == "4.9 %" and probability(float("nan"), "pt") == ""


def test_names_and_places_are_written_the_portuguese_way():
    assert person_name("LETÍCIA ISABELA DAS TEIXEIRA COSTA") == "Letícia Isabela das Teixeira Costa"
    assert (
        person_name("ana dos santos e silva")
        == person_name("ANA DOS SANTOS E SILVA")
        == "Ana dos Santos e Silva"
    )
    assert person_name("Ana Dos Santos E Silva") == "Ana dos Santos e Silva"  # mixed case: particles only
    assert person_name("Pessoa 7KQ2XZ") == "Pessoa 7KQ2XZ"  # a pseudonym stays one
    assert person_name("DA SILVA") == "Da Silva"  # the first word is capitalised
    assert place("SANTOS", "SP") == place("Santos", "sp") == "Santos/SP"


def test_the_anonymisers_phone_finder_lists_the_numbers_of_a_note():
    note = f"Enviado whatsapp {PHONE}. Telefone do consultório: (41) 3322-1100; 12 guias em 2023 2024."
    assert phone_numbers(note) == [PHONE, "(41) 3322-1100"]
    assert email_addresses(f"Respondeu pelo e-mail {EMAIL.upper()}.") == [EMAIL]


# ---------------------------------------------------------------------------- out of reach


def test_an_out_of_reach_reason_is_withheld_unless_closed_cases_show_an_action_works():
    def closed(retained: int, n: int = MIN_CASES_ACTED) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "stated_reason": ["retired"] * n,
                "action_taken": ["support"] * n,
                "retained": [True] * retained + [False] * (n - retained),
            }
        )

    assert "retired" in withheld_reasons(closed(0))
    assert "retired" in withheld_reasons(closed(3))  # 15 % retained: not enough
    assert "retired" not in withheld_reasons(closed(4))  # 20 %: an action works there
    assert "retired" in withheld_reasons(closed(19, n=MIN_CASES_ACTED - 1))  # too few cases to tell
    no_action = closed(20).assign(action_taken="none")
    assert "retired" in withheld_reasons(no_action)  # retained without an action says nothing of one
    assert {"closed_business", "death", "moved_area"} <= withheld_reasons(closed(20))


# ---------------------------------------------------------------------------- a data folder


@pytest.fixture(scope="module")
def model():
    return sample_model()


def _retiring(case):
    first = case.contacts[0]
    note = f"{RETIRING} WhatsApp do profissional: (21) 97777-1234."
    return case.model_copy(update={"contacts": [Contact(n=1, date=first.date, note=note)]})


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Open synthetic forms (60 % note a number), one retiring, one with an e-mail; a roster with phones."""
    data = tmp_path_factory.mktemp("lead") / "data"
    forms = data / "forms"
    forms.mkdir(parents=True)
    cases = [c for c in generate(80, seed=11, open_share=0.6).cases if c.status is None][:30]
    cases[0] = _retiring(cases[0])
    first = cases[1].contacts[0]
    cases[1] = cases[1].model_copy(
        update={"contacts": [first.model_copy(update={"note": f"{first.note} Respondeu do e-mail {EMAIL}."})]}
    )
    for case in cases:
        (forms / f"{case.source}.md").write_text(render_markdown(case), encoding="utf-8")
    shutil.copy(SAMPLE / "glosas.csv", data / "glosas.csv")
    return data


@pytest.fixture(scope="module")
def written(folder, model, tmp_path_factory) -> Path:
    return make_worklist(folder, model, tmp_path_factory.mktemp("out") / "worklist.html").out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_every_row_carries_the_cro_and_the_numbers_the_form_holds(folder, written):
    table = _csv(written.with_suffix(".csv"))
    assert table[column_title("cro")].str.fullmatch(r"\d+/[A-Z]{2}").all()
    phones = table.set_index(column_title("source"))[column_title("phones")]
    for path in sorted((folder / "forms").iterdir()):
        found = phone_numbers(path.read_text(encoding="utf-8"))
        assert set(found) <= set(phones[path.stem + ".md"].split("; ") if phones[path.stem + ".md"] else [])
    assert (phones != "").sum() >= 10  # the generator writes numbers into notes, as analysts do
    assert EMAIL in set(table[column_title("emails")])
    page = written.read_text(encoding="utf-8")
    assert EMAIL in page and "(21) 97777-1234" in page
    assert all(f"CRO {cro}" in page for cro in table[column_title("cro")])


def test_a_retiring_dentist_gets_no_offer_and_is_shown_apart_with_the_stated_reason(written):
    table = _csv(written.with_suffix(".csv"))
    retiring = table[table[column_title("stated_reason")] == say("reason.retired", "pt")]
    assert len(retiring) >= 1
    assert (retiring[column_title("best_action_words")] == "Sem ação de retenção indicada").all()
    assert (
        retiring.index.min()
        > table.index[table[column_title("best_action_words")] != "Sem ação de retenção indicada"].max()
    )
    page = written.read_text(encoding="utf-8")
    apart = page.split('id="apart"')[1].split("</table>")[0]
    assert "aposentadoria" in apart and "(21) 97777-1234" in apart
    assert "Motivo declarado" in page


def test_the_people_csv_is_brazilian_and_plain_is_for_programs(folder, model, written, tmp_path):
    raw = written.with_suffix(".csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\r\n")[0].count(b";") > 10
    table = _csv(written.with_suffix(".csv"))
    assert set(table[column_title("explored")]) <= {"Sim", "Não"}
    assert table[column_title("dismissal_risk")].str.fullmatch(r"< 1 %|> 99 %|\d{1,2}(,\d)? %").all()
    assert table[column_title("expected_gain")].str.fullmatch(r"-?\d+(,\d{1,2})?").all()
    assert not table.isin(["True", "False"]).any().any()
    chances = [c for c in table if c.startswith("Chance de retenção") or c == column_title("dismissal_risk")]
    assert len(chances) == 8 and not table[chances].isin(["100 %", "0 %"]).any().any()
    plain = make_worklist(folder, model, tmp_path / "w.csv", csv_style="plain").out
    back = pd.read_csv(plain)
    assert back[column_title("explored")].dtype == bool
    risks = back[column_title("dismissal_risk")]
    assert (risks.astype(str).str.len() > 8).any()  # full precision
    network = written.with_name("worklist_network.csv")
    assert not network.exists()  # no network files in this folder


def test_the_workbook_shows_words_yes_no_and_probability_formats(written):
    from openpyxl import load_workbook

    from churnlab.app.excel import PROBABILITY_FORMAT

    sheet = load_workbook(written.with_suffix(".xlsx")).worksheets[0]
    header = [c.value for c in sheet[1]]
    values = {
        name: [row[i] for row in sheet.iter_rows(min_row=2, values_only=True)]
        for i, name in enumerate(header)
    }
    codes = {"none", "new_prices", "support", "publicity", "training", "refresher", "other"}
    assert not codes & set(values[column_title("best_action")]) and not codes & set(
        values[column_title("best_action_words")]
    )
    assert set(values[column_title("explored")]) <= {"Sim", "Não"}
    risk = header.index(column_title("dismissal_risk")) + 1
    assert sheet.cell(2, risk).number_format == PROBABILITY_FORMAT
    assert '"> 99 %"' in PROBABILITY_FORMAT and '"< 1 %"' in PROBABILITY_FORMAT


def test_pseudonymised_lists_mask_the_numbers_too(folder, model, tmp_path, monkeypatch):
    monkeypatch.setenv("CHURNLAB_ANON_KEY", "a test key, not a secret, 32 bytes long")
    out = make_worklist(folder, model, tmp_path / "w.html", pseudonymize=True).out
    real = set()
    for path in (folder / "forms").iterdir():
        real |= set(phone_numbers(path.read_text(encoding="utf-8")))
    assert real
    for written in (out, out.with_suffix(".csv")):
        text = written.read_text(encoding="utf-8-sig")
        assert not [number for number in real if number in text], written.name
        assert EMAIL not in text
    assert "***@***" in out.read_text(encoding="utf-8")


def test_roster_contact_columns_reach_the_list(tmp_path):
    from churnlab.io.network import read_roster

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "CRO;UF;Nome;Cidade;Tipo;Data inclusão;Data desligamento;Moeda;Telefone;Email\n"
        "12345;SP;ANA DAS DORES;SANTOS;F;01/02/2020;;0,40;(13) 3222-1100;ana@x.com.br\n",
        encoding="utf-8",
    )
    frame, rejects, _ = read_roster(roster)
    assert rejects == [] and frame.loc["12345/SP", ["phone", "email"]].tolist() == [
        "(13) 3222-1100",
        "ana@x.com.br",
    ]
    cases = pd.DataFrame({"cro": ["12345/SP"], "uf": ["SP"], "phones": [PHONE], "emails": [""]})
    both = add_roster_contacts(cases, frame[["phone", "email"]])
    assert both.loc[0, "phones"] == f"{PHONE}; (13) 3222-1100" and both.loc[0, "emails"] == "ana@x.com.br"


def test_a_suggested_training_says_which_box_to_tick(written):
    scores = pd.DataFrame(
        {
            "source": ["a.md", "b.md"],
            "status": ["open", "open"],
            "dismissal_risk": [0.5, 0.4],
            "best_action": ["refresher", "support"],
            "expected_gain": [100.0, 50.0],
            "uf": ["SP", "SP"],
        }
    )
    page = render_worklist(scores)
    assert page.count("Ofertado treinamento/ ou reciclagem") == 1 and "“Ofertado reciclagem”" in page


# ---------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_run(model, tmp_path_factory):
    return make_worklist(SAMPLE, model, tmp_path_factory.mktemp("sample") / "worklist.html")


def test_scores_csv_is_a_machine_file_with_open_cases_first(tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    assert not set(PEOPLE_CONTEXT) & set(scores.columns)
    assert list(scores.columns) == [c for c in SCORE_COLUMNS if c in scores.columns] + OFFER_COLUMNS
    is_open = (scores["status"] == "open").to_numpy()
    assert is_open[: is_open.sum()].all() and not is_open[is_open.sum() :].any()
    assert scores["priority"].tolist() == list(range(1, len(scores) + 1))


def test_the_network_list_reads_as_people_write(sample_run):
    page = sample_run.out.read_text(encoding="utf-8")
    network = page.split('id="network"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", network)[1:]
    assert rows
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert re.fullmatch(r"\d+", cells[5]), cells[5]  # months without a guide, whole
        assert re.fullmatch(r"[^/,]+/[A-Z]{2}", cells[2]), cells[2]  # Cidade/UF, one way
        assert cells[-1] == "—"
    assert not re.search(r">[^<]* (Das|Dos|Da|Do|De|E) [^<]*<", network)
    assert "ainda não têm" in page  # why there is no suggested action
    sheet = pd.read_excel(sample_run.out.with_suffix(".xlsx"), sheet_name=say("sheet.network", "pt"))
    assert pd.api.types.is_integer_dtype(sheet[column_title("tenure_months")])


def test_the_sample_worklist_never_says_certain(sample_run):
    page = sample_run.out.read_text(encoding="utf-8")
    risks = re.findall(r'<td class="num">([^<]*%)</td>', page)  # risks; reasons may say "100% das glosas"
    assert len(risks) > 99 and all(re.fullmatch(r"< 1 %|> 99 %|\d{1,2}(,\d)? %", r) for r in risks)
    table = _csv(sample_run.out.with_suffix(".csv"))
    chances = [c for c in table if c.startswith("Chance de retenção") or c == column_title("dismissal_risk")]
    assert not table[chances].isin(["100 %", "0 %", "100,0 %", "0,0 %"]).any().any()


# ---------------------------------------------------------------------------- in a real browser


def _notes(path: Path) -> str:
    """The notes of a form file (a .docx too), where the numbers a lead calls are written."""
    from churnlab.io.batch import iter_forms

    [(_, case)] = list(iter_forms([path], jobs=1))
    return "\n".join(c.note or "" for c in case.contacts)


@pytest.mark.parametrize("which", ["sample", "numbers"])
def test_what_a_lead_sees_in_chromium(which, sample_run, written, folder):
    """Chromium opens the page: a CRO on every open row, each phone the form holds, no certain risk, pt-BR."""
    from test_worklist import CHROMIUM, CHROMIUM_ARGS, _browser

    sync_playwright = _browser()
    page, forms = (sample_run.out, SAMPLE / "forms") if which == "sample" else (written, folder / "forms")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.goto(page.as_uri())
            assert tab.evaluate("document.documentElement.lang") == "pt-BR"
            assert tab.inner_text("h1") == "Lista de retenção"
            rows = tab.locator("#worklist tbody tr, #apart tbody tr")
            texts = rows.all_inner_texts()
            assert 0 < len(texts) <= len(list(forms.iterdir()))
            for row in texts:
                assert re.search(r"CRO \d+/[A-Z]{2}", row), row
                source = forms / re.search(r"[\w-]+\.(md|txt|docx)\b", row).group()
                for number in phone_numbers(_notes(source)):
                    assert number in row, (source.name, number)
            risks = tab.locator("#worklist tbody td:nth-child(5)").all_inner_texts()
            assert risks and all(re.fullmatch(r"< 1 %|> 99 %|\d{1,2}(,\d)? %", r) for r in risks), risks
            body = tab.inner_text("body")
            assert "Motivo declarado" in body and "Oferta sugerida" in body and "Risk" not in body
            if which == "sample":
                assert "Sem ação de retenção indicada" in body and "aposentadoria" in body
                assert tab.locator("#network tbody tr").count() > 0
        finally:
            browser.close()
