"""Issue 23 outside the service: carriage returns in CSVs, huge lines, lying archives, odd
signatures, forged stderr lines, passwords in store URLs and broken symlinks (each test fails on
the code before the fix)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.errors import FormParseError, ModelFileError
from churnlab.i18n import person_name
from churnlab.io.csv_writer import safe_cell
from churnlab.models.persistence import DEFAULT_MODEL_DIR
from churnlab.synthetic.generator import generate
from churnlab.synthetic.render import render_markdown
from conftest import REPO

runner = CliRunner()
ATTACK = "ANA&#13;=1+1"  # a carriage return, as an HTML export writes it, then a formula
FORMULA = tuple("=+-@")


def _forms(folder: Path, n: int = 3, **fields) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    cases = [c for c in generate(40, seed=11, open_share=0.6).cases if c.status is None][:n]
    for i, case in enumerate(cases):
        name = "\r=1+1.md" if i == 0 else f"form{i}.md"  # a file name starting with a carriage return
        (folder / name).write_text(render_markdown(case.model_copy(update=fields)), encoding="utf-8")
    return cases


def _rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def _no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            text = cell.lstrip(" \t\r\n")
            assert not (text.startswith(FORMULA) and safe_cell(text) != text), (cell, row)


def _lines_as_a_spreadsheet_splits(path: Path) -> list[str]:
    """Rows as a reader that breaks on a bare carriage return outside quotes would see them."""
    text, rows, current, quoted = path.read_bytes().decode("utf-8-sig"), [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char in "\r\n" and not quoted:
            if current:
                rows.append("".join(current))
            current = []
            continue
        current.append(char)
    return rows + (["".join(current)] if current else [])


# --------------------------------------------------------------------------- 2. CSV cells


@pytest.mark.parametrize("style", ["plain", "excel-br"])
def test_a_carriage_return_in_a_field_neither_splits_a_csv_nor_starts_a_formula(tmp_path, style):
    _forms(tmp_path / "data" / "forms", dentist_name=ATTACK, city=ATTACK, protocol_number=ATTACK)
    (tmp_path / "data" / "forms" / "\r=2+2.txt").write_text("not a form", encoding="utf-8")
    scores, worklist = tmp_path / "scores.csv", tmp_path / "w.html"
    assert runner.invoke(app, ["score", str(tmp_path / "data"), "--out", str(scores)]).exit_code == 1
    result = runner.invoke(app, ["worklist", str(tmp_path / "data"), "--out", str(worklist), "--csv", style])
    assert result.exit_code == 1, result.stderr
    sep = ";" if style == "excel-br" else ","
    outputs = {scores: ",", tmp_path / "scores_rejects.csv": ";", tmp_path / "w.csv": sep}
    for path, delimiter in outputs.items():
        rows = _rows(path, delimiter)
        assert len(_lines_as_a_spreadsheet_splits(path)) == len(rows), path.name
        assert len({len(row) for row in rows}) == 1, path.name
        _no_live_formula(rows)
    score_rows = _rows(scores)
    assert len(score_rows) == 4  # the header and three forms, one row each
    assert any("\r=1+1.md" in cell for row in score_rows for cell in row)
    name = person_name("ANA\r=1+1")  # names are title-cased for people: "Ana\r=1+1", its \r kept
    assert any(cell == name for row in _rows(tmp_path / "w.csv", sep) for cell in row)


# --------------------------------------------------------------------------- 3. one huge line


def _form_text() -> str:
    return render_markdown([c for c in generate(10, seed=3).cases][0])


def test_a_huge_line_is_refused_naming_the_file_and_why(tmp_path):
    from churnlab.io.forms import parse_form

    path = tmp_path / "huge.md"
    path.write_text(_form_text() + "\n☐ " + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(FormParseError, match=r"huge\.md: .*line .* over"):
        parse_form(path)


def test_a_file_over_the_size_cap_is_refused_before_it_is_read_whole(tmp_path):
    from churnlab.io.decode import MAX_FORM_BYTES
    from churnlab.io.forms import parse_form

    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (MAX_FORM_BYTES + 1))
    with pytest.raises(FormParseError, match=r"big\.txt: .*over the limit"):
        parse_form(path)


def test_box_matching_costs_no_more_than_the_label_itself():
    from churnlab.io.boxes import match_box

    label = "comercail " + "y" * 200_000
    assert _peak_bytes(lambda: match_box(label, "sectors")) < 3 * len(label)
    assert match_box(label, "sectors") is None
    assert match_box("comercail", "sectors") == "commercial"


def test_a_50_mb_one_line_form_costs_under_300_mb(tmp_path):
    path = tmp_path / "long.md"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(_form_text().rstrip("\n") + "\n☐ ")
        chunk = "Grossoeiro Régras " * 1000
        for _ in range(50 * 2**20 // len(chunk)):
            handle.write(chunk)
    # VmHWM, not ru_maxrss: the latter keeps the forking pytest's size across exec on Linux
    code = (
        "import re, sys\n"
        "from churnlab.io.forms import parse_form\n"
        "from churnlab.errors import FormParseError\n"
        "try:\n    parse_form(sys.argv[1])\nexcept FormParseError as exc:\n    print(exc.reason)\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s+(\\d+)', status)[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_kib = int(done.stdout.split()[-1])
    assert peak_kib < 300 * 1024, f"peak RSS {peak_kib / 1024:.0f} MB"


# --------------------------------------------------------------------------- 4. lying archives


def _lying_zip(name: str, real_size: int, declared: int, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip whose ``name`` inflates to ``real_size`` bytes while its headers declare ``declared``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for other, data in (extra or {}).items():
            archive.writestr(other, data)
        archive.writestr(name, b" " * real_size)
    data = bytearray(buffer.getvalue())
    real = real_size.to_bytes(4, "little")
    fake = declared.to_bytes(4, "little")
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + offset : start + offset + 4] == real:
                data[start + offset : start + offset + 4] = fake
            start += 4
    return bytes(data)


def _peak_bytes(call) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_docx_whose_header_lies_about_its_size_is_refused_by_what_it_inflates():
    from churnlab.io.decode import MAX_DOCX_XML, docx_text

    lying = _lying_zip("word/document.xml", MAX_DOCX_XML + 2**20, 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("word/document.xml").file_size == 1000

    def read():
        with pytest.raises(FormParseError, match=r"lying\.docx: .*inflates to more than the 1000 bytes"):
            docx_text(lying, "lying.docx")

    assert _peak_bytes(read) < 8 * 2**20


def test_a_skops_member_that_inflates_past_its_header_is_refused_before_skops_reads_it():
    from churnlab.models.persistence import MAX_SCHEMA_BYTES, skops_types

    lying = _lying_zip("schema.json", MAX_SCHEMA_BYTES + 2**20, 1000)

    def read():
        with pytest.raises(ModelFileError, match=r"tagger\.skops: .*inflates to more than"):
            skops_types(lying, "tagger.skops")

    assert _peak_bytes(read) < 8 * 2**20


def test_an_honest_schema_over_its_cap_is_refused(monkeypatch):
    from churnlab.models import persistence

    monkeypatch.setattr(persistence, "MAX_SCHEMA_BYTES", 2**20)
    honest = _lying_zip("schema.json", 2**20 + 1, 2**20 + 1)
    with pytest.raises(ModelFileError, match="over the limit"):
        persistence.skops_types(honest, "tagger.skops")


# --------------------------------------------------------------------------- 5. card.sig


@pytest.mark.parametrize("signature", ["é" * 64, "\x00\xff", "ünïcödé-ßïg"])
def test_a_non_ascii_signature_is_a_clear_model_file_error(tmp_path, monkeypatch, signature):
    from churnlab.models.persistence import SIGNATURE, load_model

    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    monkeypatch.setenv("CHURNLAB_MODEL_KEY", "k" * 32)
    (folder / SIGNATURE).write_bytes(
        signature.encode("latin-1", errors="replace") if signature.isascii() else signature.encode("utf-8")
    )
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_model(folder)


def test_a_non_ascii_hash_in_the_card_is_a_clear_model_file_error(tmp_path):
    from churnlab.models.persistence import CARD, load_model

    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder, ignore=shutil.ignore_patterns("card.sig"))
    card = json.loads((folder / CARD).read_text(encoding="utf-8"))
    first = next(iter(card["files"]))
    card["files"][first] = "é" * 64
    (folder / CARD).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="differ from the hash"):
        load_model(folder)


# --------------------------------------------------------------------------- 6. forged stderr lines


def test_a_file_name_cannot_forge_a_line_on_stderr(tmp_path):
    forged = tmp_path / "x\r\n2026-12-03 churnlab: parsed 1 form\n.txt"
    forged.write_text("not a form at all", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(tmp_path)])
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "x\\r\\n2026-12-03" in lines[0], result.stderr


# --------------------------------------------------------------------------- 7. store URL passwords


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ana:s3cr3t@127.0.0.1:1/db",
        "postgresql+psycopg://127.0.0.1:1/db?password=s3cr3t",
        "postgresql+psycopg://127.0.0.1:1/db?sslmode=disable&PassWord=s3cr3t",
        "postgresql+psycopg://127.0.0.1:1/db?pwd=s3cr3t&user=ana",
        "postgresql+psycopg://127.0.0.1:1/db?pass=s3cr3t",
        "sqlite:////proc/churnlab-test/x.db?password=s3cr3t",
        "mysql://ana:s3cr3t@127.0.0.1:1/db?sslpassword=s3cr3t",
    ],
)
def test_no_password_in_a_store_url_is_printed(tmp_path, url, monkeypatch):
    from churnlab.store.case_store import safe_url

    assert "s3cr3t" not in safe_url(url)
    _forms(tmp_path / "data" / "forms", n=1)
    commands = [
        ["report", "--store", url, "--out", str(tmp_path / "r.html")],
        ["worklist", str(tmp_path / "data"), "--out", str(tmp_path / "w.html"), "--store", url],
        ["score", str(tmp_path / "data"), "--out", str(tmp_path / "s.csv"), "--store", url],
    ]
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "s3cr3t" not in result.output + result.stderr, command
    monkeypatch.setenv("CHURNLAB_STORE", url)
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "s3cr3t" not in result.output + result.stderr


# --------------------------------------------------------------------------- 10. broken symlinks


def test_looping_and_dangling_symlinks_in_a_forms_folder_are_rejects(tmp_path):
    from churnlab.io.batch import read_forms

    forms = tmp_path / "forms"
    _forms(forms, n=1)
    (forms / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (forms / "loop_a.md").symlink_to(forms / "loop_b.md")
    (forms / "loop_b.md").symlink_to(forms / "loop_a.md")
    batch = read_forms(forms)
    reasons = {failure.source: failure.reason for failure in batch.failures}
    assert len(batch) == 1
    assert "dangling.md" in reasons and "symbolic link" in reasons["dangling.md"]
    assert {"loop_a.md", "loop_b.md"} <= set(reasons)
    assert all("link" in reasons[name] for name in ("loop_a.md", "loop_b.md"))
