"""Network files read in blocks: the same rows, rejects and sums whatever the block size; Parquet as CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import churnlab as cl
import churnlab.io.sources
import churnlab.io.table
import test_cli_robust
import test_glosas
import test_network
from churnlab.errors import DataError
from churnlab.io.glosa_months import MONTH_COLUMNS, glosa_months, read_glosa_months
from churnlab.io.glosas import COLUMNS, HEADER, read_glosa_csv
from churnlab.io.network import read_network, read_production
from churnlab.io.table import iter_tables, read_table
from churnlab.synthetic.network import generate_network, write_network

GOOD = "1234;BA;1273027;02/2023;20/01/2023;3040;GLOSA TÉCNICA;1.085,50"
DAMAGED = "1234;BA;1273028;02/2023;31/02/2023;1001;CARTEIRA;10,00"  # 31 February
GLOSA_COLUMNS = dict(zip(COLUMNS[:-1], HEADER, strict=True))  # column name -> header


def _glosa_file(path: Path) -> tuple[Path, int, int]:
    """A glosa export with a damaged row in the middle: (path, where the row starts, where it ends)."""
    rows = [";".join(HEADER), *[GOOD.replace("1273027", str(1273000 + i)) for i in range(6)]]
    head = ("\n".join(rows) + "\n").encode()
    tail = "\n".join(
        [
            "5678;sp;1;03/2023;;2000;X;3,00",  # undated: known the month after its competence
            "5678;SP;2;03/2023;05/04/2023;3040;X;",
            '9;RJ;3;04/2023;10/05/2023;3040;"dito; com ponto e vírgula";1,00',
            "9;RJ;4;04/2023",  # cut short
            "",
            "9;RJ;5;04/2023;10/05/2023;3040;X;2,00;;",  # a spreadsheet's trailing ;
            GOOD,
        ]
    )
    data = head + (DAMAGED + "\n").encode() + (tail + "\n").encode()
    path.write_bytes(data)
    return path, len(head), len(head) + len(DAMAGED) + 1


def _texts(tables) -> tuple[pd.DataFrame, list[int], list]:
    """The rows without a reject, their lines, and the rejects, of one or more tables."""
    tables = list(tables)
    text = pd.concat([t.text.loc[t.good_rows()] for t in tables], ignore_index=True)
    lines = [int(line) for t in tables for line in t.lines[t.good_rows()]]
    rejects = sorted((r for t in tables for r in t.rejects), key=lambda r: r["line"])
    return text, lines, rejects


def test_blocks_give_the_rows_lines_and_rejects_of_the_whole_file(tmp_path):
    path, start, end = _glosa_file(tmp_path / "glosas.csv")
    whole = _texts([read_table(path, GLOSA_COLUMNS, {}, "glosa file")])
    assert [r["line"] for r in whole[2]] == [12]  # the cut row (the bad date is no table's business)
    for size in [1, 7, *range(start - 3, end + 3), 4096]:
        text, lines, rejects = _texts(iter_tables(path, GLOSA_COLUMNS, {}, "glosa file", block_bytes=size))
        pd.testing.assert_frame_equal(text, whole[0], check_dtype=False)
        assert (lines, rejects) == whole[1:], size


def test_a_damaged_row_across_two_blocks_is_rejected_once_with_its_line(tmp_path):
    path, start, end = _glosa_file(tmp_path / "glosas.csv")
    rows = read_glosa_csv(path, errors="collect")
    expected = rows.attrs["rejects"]
    assert [(r["line"], r["column"]) for r in expected] == [(8, "Data"), (12, None)]
    months = glosa_months(rows)
    for size in range(start - 2, end + 2):  # every cut through the damaged row, and either side of it
        read = read_glosa_months(path, keep_rows_of=True, block_bytes=size)
        assert read.rejects == expected
        pd.testing.assert_frame_equal(read.months, months)
        pd.testing.assert_frame_equal(read.rows.frame(), rows)
        assert read.rows_read == len(rows) == 11


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_the_sums_read_only_their_columns_yet_judge_a_blank_row_by_all(tmp_path, monkeypatch, parquet):
    # the summed pass skips guide and description; a row empty in every other column is still a
    # bad row (no CRO) when those two hold something, and a blank row only when they are empty too
    rows = [";".join(HEADER), GOOD, ";;7777;;;;SÓ A DESCRIÇÃO;", ";;;;;;;", GOOD, DAMAGED, GOOD]
    path = tmp_path / "glosas.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    if parquet:
        _as_parquet(path, tmp_path / "glosas.parquet", typed=False)
        path = tmp_path / "glosas.parquet"
        monkeypatch.setattr(churnlab.io.sources, "PARQUET_BATCH_ROWS", 2)
    expected = read_glosa_csv(path, errors="collect").attrs["rejects"]
    assert [(r["line"], r["column"]) for r in expected] == [(3, "CRO"), (6, "Data")]
    for size in (0, 40, 97):
        summed, every = read_glosa_months(path, block_bytes=size), read_glosa_months(path, True, size)
        assert summed.rejects == every.rejects == expected
        pd.testing.assert_frame_equal(summed.months, every.months)
        assert summed.rows_read == every.rows_read == 3


def test_score_keeps_only_the_glosa_rows_of_its_forms_dentists(tmp_path, monkeypatch):
    # the forms are parsed first, so the export keeps their dentists' rows, not every row: same scores
    import shutil

    import churnlab.app.scoring as scoring
    from churnlab.io.folder import read_folder_glosas
    from churnlab.io.keys import dentist_key

    sample = Path(__file__).parents[1] / "data" / "sample"
    (tmp_path / "forms").mkdir()
    for form in sorted((sample / "forms").iterdir())[:12]:
        shutil.copy(form, tmp_path / "forms" / form.name)
    shutil.copy(sample / "glosas.csv", tmp_path / "glosas.csv")
    reads = []

    def reading(data_dir, keep_rows_of=True, progress=False, every=False):
        reads.append(read_folder_glosas(data_dir, True if every else keep_rows_of, progress))
        return reads[-1]

    model = cl.load_model()
    monkeypatch.setattr(scoring, "read_folder_glosas", reading)
    kept = scoring.score_data_folder(tmp_path, model, jobs=1).scores
    monkeypatch.setattr(scoring, "read_folder_glosas", lambda *args, **_: reading(*args, every=True))
    every = scoring.score_data_folder(tmp_path, model, jobs=1).scores
    pd.testing.assert_frame_equal(kept, every)
    forms = {dentist_key(c.cro, c.cro_uf or c.uf) for c in cl.read_forms(tmp_path / "forms")}
    assert set(reads[0].rows.frame().pipe(lambda f: f["cro"] + "/" + f["uf"])) <= forms
    assert 0 < len(reads[0].rows) < len(reads[1].rows) == reads[1].rows_read


def test_score_with_no_readable_form_keeps_no_glosa_row_and_says_why(tmp_path):
    # no form names a dentist: nothing of the export is kept, and the broken form is reported
    import shutil

    from churnlab.app.scoring import score_data_folder

    sample = Path(__file__).parents[1] / "data" / "sample"
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "broken.txt").write_text("nada", encoding="utf-8")
    shutil.copy(sample / "glosas.csv", tmp_path / "glosas.csv")
    export = tmp_path / "glosas.csv"
    read, summed = read_glosa_months(export, keep_rows_of=set()), read_glosa_months(export)
    assert len(read.rows) == 0 and read.rows_read == summed.rows_read > 0
    pd.testing.assert_frame_equal(read.months, summed.months)
    scored = score_data_folder(tmp_path, cl.load_model(), jobs=1)
    assert scored.scores.empty and [name for name, _ in scored.rejected] == ["broken.txt"]


def test_score_says_when_the_parsed_forms_find_no_room(tmp_path, monkeypatch):
    import errno
    import shutil

    from churnlab.app.scoring import score_data_folder

    (tmp_path / "forms").mkdir()
    form = sorted((Path(__file__).parents[1] / "data" / "sample" / "forms").iterdir())[0]
    shutil.copy(form, tmp_path / "forms" / form.name)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("tempfile.TemporaryFile", full)
    with pytest.raises(DataError, match="No space left on device.*point TMPDIR at a folder with room"):
        score_data_folder(tmp_path, cl.load_model(), jobs=1)


def test_glosa_months_count_by_the_month_known(tmp_path):
    path, _, _ = _glosa_file(tmp_path / "glosas.csv")
    months = read_glosa_months(path).months
    assert list(months.columns) == list(MONTH_COLUMNS)
    undated = months.loc[months["key"] == "5678/SP"].set_index("month")
    assert undated.loc[pd.Timestamp("2023-04-01"), "glosas"] == 2  # 03/2023 undated + dated 05/04/2023
    assert undated.loc[pd.Timestamp("2023-04-01"), "technical"] == 1
    assert undated.loc[pd.Timestamp("2023-04-01"), "value"] == pytest.approx(3.0)
    assert months["glosas"].sum() == 11


def test_only_the_rows_of_the_dentists_asked_for_are_kept(tmp_path):
    path, _, _ = _glosa_file(tmp_path / "glosas.csv")
    read = read_glosa_months(path, keep_rows_of={"9/RJ"}, block_bytes=64)
    assert read.rows.frame()["guide"].tolist() == ["3", "5"]
    every = read_glosa_months(path, keep_rows_of=True, block_bytes=64).rows
    pd.testing.assert_frame_equal(every.frame({"9/RJ"}), read.rows.frame())
    assert every.frame({"nobody/XX"}).empty
    assert read.rows_read == 11 and read_glosa_months(path).rows is None


def test_production_in_blocks_is_the_production_read_whole(tmp_path, monkeypatch):
    folder = tmp_path / "network"
    write_network(generate_network(60, seed=3), folder, layouts=("plain",))
    whole, whole_rejects, whole_warnings = read_production(folder / "production.csv")
    monkeypatch.setattr(churnlab.io.table, "BLOCK_BYTES", 997)
    frame, rejects, warnings = read_production(folder / "production.csv")
    pd.testing.assert_frame_equal(frame, whole)
    assert (rejects, warnings) == (whole_rejects, whole_warnings)


# --- every bad-row test of the readers, again with tiny blocks ---------------------------------

BAD_ROW_TESTS = [
    test_network.test_bad_rows_are_reported_with_line_column_and_reason,
    test_network.test_production_rows_are_checked_and_repeated_months_summed_aloud,
    test_network.test_a_padded_bad_cell_is_reported_and_a_cut_row_gets_one_reason,
    test_network.test_not_utf8_is_a_clear_error,
    test_glosas.test_non_utf8_file,
    test_glosas.test_bad_rows_are_collected_not_dropped,
    test_glosas.test_row_with_several_problems_reports_each,
    test_cli_robust.test_glosa_rows_with_impossible_dates_are_rejected_not_fatal,
]


@pytest.mark.parametrize("size", [1, 23, 64])
@pytest.mark.parametrize("check", BAD_ROW_TESTS, ids=lambda f: f.__name__)
def test_bad_row_tests_pass_on_the_streamed_path(check, size, tmp_path, monkeypatch):
    monkeypatch.setattr(churnlab.io.table, "BLOCK_BYTES", size)
    monkeypatch.setattr(churnlab.io.sources, "PARQUET_BATCH_ROWS", 2)
    check(tmp_path)


@pytest.mark.parametrize(("row", "column", "reason"), test_glosas.BAD_ROWS)
def test_a_bad_row_raises_on_the_streamed_path(row, column, reason, tmp_path, monkeypatch):
    monkeypatch.setattr(churnlab.io.table, "BLOCK_BYTES", 40)
    test_glosas.test_bad_row_raises_naming_file_line_column(tmp_path, row, column, reason)


# --- Parquet ---------------------------------------------------------------------------------


def _as_parquet(csv_path: Path, out: Path, typed: bool) -> None:
    """The CSV as Parquet: every column text, or (``typed``) dates, numbers and flags typed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_csv(csv_path, sep=";", dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if typed:
        columns = {}
        for name in frame.columns:
            cells = frame[name]
            if name.startswith("Data") and name != "Data desligamento":
                dates = pd.to_datetime(cells, format="%d/%m/%Y", errors="coerce")
                if dates.notna().sum() == (cells != "").sum():
                    columns[name] = pa.array(dates.dt.date, type=pa.date32())
                    continue
            if name in ("Valor", "Valor glosado", "Moeda"):
                numbers = pd.to_numeric(cells.str.replace(".", "").str.replace(",", "."), errors="coerce")
                if numbers.notna().sum() == (cells != "").sum():
                    columns[name] = pa.array(numbers, type=pa.float64())
                    continue
            if name == "Guias" and cells.str.fullmatch(r"\d+").all():
                columns[name] = pa.array(cells.astype(int), type=pa.int32())
                continue
            columns[name] = pa.array(cells, type=pa.string())
        table = pa.table(columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)


@pytest.fixture(scope="module")
def csv_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("network")
    write_network(generate_network(200, seed=7), folder, layouts=("plain",))
    return folder


@pytest.mark.parametrize("typed", [False, True], ids=["text", "typed"])
def test_a_parquet_network_reads_as_its_csv(csv_folder, tmp_path, typed):
    folder = tmp_path / "parquet"
    folder.mkdir()
    (folder / "forms").symlink_to(csv_folder / "forms", target_is_directory=True)
    _as_parquet(csv_folder / "roster.csv", folder / "roster.parquet", typed)
    _as_parquet(csv_folder / "production.csv", folder / "production.parquet", typed)
    _as_parquet(csv_folder / "glosas.csv", folder / "glosas" / "part-0.parquet", typed)  # a folder of parts
    expected, got = read_network(csv_folder), read_network(folder)
    pd.testing.assert_frame_equal(got.roster, expected.roster)
    pd.testing.assert_frame_equal(got.production, expected.production)
    pd.testing.assert_frame_equal(got.glosas, expected.glosas)
    assert [r for _, r in got.rejects] == [r for _, r in expected.rejects]


def test_parquet_rows_are_checked_with_lines_as_in_the_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    good, bad = GOOD.split(";"), DAMAGED.split(";")
    table = pa.table({name: [good[i], bad[i], good[i]] for i, name in enumerate(HEADER)})
    pq.write_table(table, tmp_path / "glosas.parquet")
    rejects = read_glosa_csv(tmp_path / "glosas.parquet", errors="collect").attrs["rejects"]
    assert [(r["line"], r["column"], r["value"]) for r in rejects] == [(3, "Data", "31/02/2023")]


def test_a_parquet_file_without_a_column_names_it(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"CRO": ["1"], "UF": ["SP"]}), tmp_path / "glosas.parquet")
    with pytest.raises(DataError, match=r"glosas\.parquet: missing column\(s\) Guia, Competência"):
        read_glosa_csv(tmp_path / "glosas.parquet")


def test_the_same_file_as_csv_and_parquet_is_refused(csv_folder, tmp_path):
    folder = tmp_path / "both"
    folder.mkdir()
    for name in ("roster.csv", "production.csv"):
        (folder / name).write_bytes((csv_folder / name).read_bytes())
    _as_parquet(csv_folder / "roster.csv", folder / "roster.parquet", typed=False)
    with pytest.raises(DataError, match="roster.csv and roster.parquet both hold the roster file"):
        read_network(folder)


def test_the_network_from_blocks_gives_the_same_features(csv_folder, monkeypatch):
    from churnlab.features.network import network_features

    whole = network_features(read_network(csv_folder), "2024-06-30")
    monkeypatch.setattr(churnlab.io.table, "BLOCK_BYTES", 4096)
    pd.testing.assert_frame_equal(network_features(read_network(csv_folder), "2024-06-30"), whole)
    assert np.isfinite(whole["glosas_12m"]).all() and whole["glosas_12m"].sum() > 0


def test_the_progress_bar_writes_nothing_on_a_pipe(tmp_path, capsys):
    path, _, _ = _glosa_file(tmp_path / "glosas.csv")
    read_glosa_months(path, progress=True, block_bytes=64)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
def test_any_line_end_gives_the_same_rows_and_lines(tmp_path, monkeypatch, end):
    rows = [
        "CRO;UF;Competência;Guias;Valor",
        "1;SP;01/2024;3;1,00",
        "2;SP;13/2024;3;1,00",
        "3;SP;01/2024;3;1,00",
    ]
    path = tmp_path / "production.csv"
    path.write_bytes((end.join(rows) + end).encode())
    monkeypatch.setattr(churnlab.io.table, "BLOCK_BYTES", 16)
    frame, rejects, _ = read_production(path)
    assert frame["key"].tolist() == ["1/SP", "3/SP"]
    assert [(r["line"], r["column"]) for r in rejects] == [(3, "Competência")]


def test_decimals_take_the_exact_path_only_for_unusual_cells(tmp_path):
    cells = ["1.085,50", "R$ 10,00", "-", " 3 ,5", "abc", "", "+4,0", "1.234", "12.34", "r$ -", "7"]
    path = tmp_path / "values.csv"
    path.write_text("Valor;Guia\n" + "".join(f"{c};{i}\n" for i, c in enumerate(cells)), encoding="utf-8")
    table = read_table(path, {"value": "Valor", "guide": "Guia"}, {}, "file")
    values = table.decimals("value")
    expected = [1085.5, 10.0, 0.0, 3.5, np.nan, np.nan, 4.0, 1234.0, np.nan, 0.0, 7.0]
    np.testing.assert_array_equal(values, expected)
    assert [(r["line"], r["value"]) for r in table.rejects] == [(6, "abc"), (10, "12.34")]
    assert table.good_rows().tolist() == [c not in ("abc", "12.34") for c in cells]


def test_dentist_spellings_are_matched_across_blocks():
    from churnlab.io.glosa_months import GlosaMonths

    sums = GlosaMonths()
    first = sums.key_ids(pd.Series(["012345", "12345", "77"]), pd.Series(["ba", "BA", None], dtype=object))
    second = sums.key_ids(pd.Series(["12345", "99"], dtype="string[pyarrow]"), pd.Series(["BA", "SP"]))
    assert first.tolist() == [0, 0, 1] and second.tolist() == [0, 2]
    assert sums.keys == ["12345/BA", "77/", "99/SP"]


def test_a_bad_roster_is_reported_before_a_bad_glosa_export(csv_folder, tmp_path):
    folder = tmp_path / "network"
    folder.mkdir()
    (folder / "roster.csv").write_text("Nome;Cidade\nAna;Salvador\n", encoding="utf-8")
    (folder / "production.csv").write_bytes((csv_folder / "production.csv").read_bytes())
    (folder / "glosas.csv").write_bytes(b"\xff\xfe not UTF-8\n")
    with pytest.raises(DataError, match=r"roster\.csv: missing column"):
        read_network(folder)
    (folder / "roster.csv").write_bytes((csv_folder / "roster.csv").read_bytes())
    with pytest.raises(DataError, match=r"glosas\.csv: not UTF-8"):
        read_network(folder)
