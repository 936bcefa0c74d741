"""The network files: reading roster and production, features as of a date, the model, the command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import churnlab as cl
from churnlab.app.cli import app
from churnlab.errors import DataError, ModelFileError
from churnlab.evaluation.network_backtest import backtest, truncated_concordance
from churnlab.features.network import FEATURES, as_known_on, network_features, network_snapshots
from churnlab.io.keys import dentist_keys
from churnlab.io.network import read_network, read_production, read_roster
from churnlab.models._sklearn_compat import parametrize_with_checks
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.synthetic.network import generate_network, write_network

ROSTER_HEADER = "CRO;UF;Nome;Cidade;Tipo;Data inclusão;Data desligamento;Moeda"


def _cli(*args: str):
    """The command run in-process (as ``churnlab ...``); ``returncode`` and ``stderr`` as a process has."""
    result = CliRunner().invoke(app, list(args))
    result.returncode = result.exit_code
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A generated network of 400 dentists over 36 months, written as the network files."""
    out = tmp_path_factory.mktemp("network")
    write_network(generate_network(400, seed=5, truth_months=(26,)), out, layouts=("plain", "markdown"))
    return out


@pytest.fixture(scope="module")
def network(folder):
    return read_network(folder)


@pytest.fixture(scope="module")
def model_dir(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model") / "m"
    result = _cli("train", str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "network model:" in result.stderr
    return out


# --- reading ---------------------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_column_and_reason(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"{ROSTER_HEADER};nº de vidas;Especialidade;Coluna nova\n"
        "123;sp;Ana;São Paulo;F;01/02/2015;;0,35;3.843;Orto;x\n"
        "\n"
        "456;RJ;Bia;Rio;X;01/02/2015;;0,35;1;;\n"
        "789;R1;Caio;Rio;F;31/02/2015;;abc;1;;\n"
        "999;MG;Duda;BH;J;;01/01/2024;0,30;5;;;;\n"  # trailing empty fields: kept
        "111;MG;Eva;BH;J;01/01/2020;01/01/2019;0,30;5;;\n"
        "222;MG;Fia;BH;J;01/01/2020;;0,30;5;;;extra;\n",
        encoding="utf-8",
    )
    frame, rejects, warnings = read_roster(roster)
    assert list(frame.index) == ["123/SP", "999/MG"]
    assert frame.loc["123/SP", "lives"] == 3843 and frame.loc["123/SP", "us_value"] == 0.35
    found = {(r["line"], r["column"]) for r in rejects}
    assert found == {
        (4, "Tipo"),
        (5, "UF"),
        (5, "Data inclusão"),
        (5, "Moeda"),
        (7, "Data desligamento"),
        (8, None),
    }
    assert any("without 'Data inclusão'" in w for w in warnings)


def test_production_rows_are_checked_and_repeated_months_summed_aloud(tmp_path):
    path = tmp_path / "production.csv"
    path.write_text(
        "CRO;UF;Competência;Guias;Valor\n123;SP;01/2024;10;1.234,50\n123;SP;02/2024;3;R$ -\n"
        "123;SP;02/2024;1;10\n555;SP;13/2024;1;1\n555;SP;03/2024;;1\n555;SP;03/2024;-2;1\n",
        encoding="utf-8",
    )
    frame, rejects, warnings = read_production(path)
    assert frame["guides"].tolist() == [10.0, 4.0] and frame["value"].tolist() == [1234.5, 10.0]
    assert [(r["line"], r["column"]) for r in rejects] == [(5, "Competência"), (6, "Guias"), (7, "Guias")]
    assert warnings == ["production.csv: 1 dentist-month(s) on more than one row: summed"]


def test_a_padded_bad_cell_is_reported_and_a_cut_row_gets_one_reason(tmp_path):
    path = tmp_path / "production.csv"
    path.write_text(
        'CRO;UF;Competência;Guias;Valor\n1;SP;13/2024 ;1;1\n1;SP;0" \n2/2024;1;1\n', encoding="utf-8"
    )
    _, rejects, _ = read_production(path)
    assert [(r["line"], r["column"], r["value"]) for r in rejects] == [
        (2, "Competência", "13/2024 "),
        (3, None, ""),
        (4, None, ""),
    ]
    assert rejects[1]["reason"] == "row has 3 fields, expected 5"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("CRO;UF;Nome;Cidade\n1;SP;A;B\n", "missing column(s) Tipo, Data inclusão, Data desligamento, Moeda"),
        ("CRO,UF,Nome\n", "is the file ;-separated?"),
        ("", "empty file"),
    ],
)
def test_a_wrong_header_names_the_missing_columns(tmp_path, text, expected):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        read_roster(path)


def test_a_folder_without_the_network_files_says_which(tmp_path):
    with pytest.raises(DataError, match="no roster.csv"):
        read_network(tmp_path)


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((ROSTER_HEADER + "\n1;SP;Jo\xe3o;X;F;01/01/2020;;0,3\n").encode("cp1252"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_roster(path)


# --- features and leakage --------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["2023-06-30", "2024-02-14", "2024-09-30"])
def test_features_as_of_a_date_ignore_everything_after_it(network, as_of):
    """The row for date T is the same with the whole history or with only what was known at T."""
    full = network_features(network, as_of)
    known = network_features(as_known_on(network, as_of), as_of)
    assert len(full) > 100
    pd.testing.assert_frame_equal(full, known)


def test_later_production_and_glosas_do_not_move_a_row(network):
    as_of = pd.Timestamp("2024-03-31")
    before = network_features(network, as_of)
    changed = as_known_on(network, "2024-12-31")
    changed.production = changed.production.assign(
        guides=np.where(changed.production["month"] > as_of, 0.0, changed.production["guides"])
    )
    changed.glosas = changed.glosas.loc[~(changed.glosas["month"] > as_of)]
    pd.testing.assert_frame_equal(before, network_features(changed, as_of))


def test_active_dentists_are_those_the_network_files_page_defines(network):
    as_of = pd.Timestamp("2024-06-30")
    X = network_features(network, as_of)
    roster = network.roster.loc[X.index]
    assert (roster["included_on"] <= as_of).all()
    assert (roster["left_on"].isna() | (roster["left_on"] > as_of)).all()
    cases = network.cases
    open_on = cases.loc[(cases["asked_on"] <= as_of) & ~(cases["finished_on"] <= as_of), "key"]
    assert not set(open_on) & set(X.index)
    assert list(X.columns) == list(FEATURES)


# --- the model -------------------------------------------------------------------------------


def test_risks_grow_with_the_horizon_and_follow_sklearn_conventions(network):
    X, y = network_snapshots(network, horizon_days=0)
    model = NetworkRiskModel(max_iter=60, random_state=0).fit(X, y)
    risks = model.predict_risk(X.head(500))
    assert (risks["risk_30d"] <= risks["risk_90d"]).all() and (risks["risk_90d"] <= risks["risk_180d"]).all()
    assert np.allclose(model.predict_proba(X.head(500))[:, 1], risks["risk_90d"])
    assert model.get_params()["max_iter"] == 60
    with pytest.raises(ValueError, match="horizons must be positive whole days including 90"):
        NetworkRiskModel(horizons=(30, 60)).fit(X, y)
    # No risk is exactly 0 or 1, not even for values far outside anything seen (issue 27).
    extreme = X.head(3).copy()
    names = list(model.feature_names_in_)
    extreme[names] = np.array([[1e300] * len(names), [-1e300] * len(names), [np.nan] * len(names)])
    low, high = 1 / (model.n_fit_rows_ + 2), 1 - 1 / (model.n_fit_rows_ + 2)
    for risk in (model.predict_risk(extreme).to_numpy(), model.bounded_risk(np.array([0.0, 1.0]))):
        assert ((risk >= low) & (risk <= high)).all()
    reasons = model.explain(X.head(50))
    assert all(r.text.startswith(("↑", "↓")) for row in reasons for r in row)
    assert {r.direction for row in reasons for r in row} <= {"up", "down"}
    for row in reasons:
        assert [abs(r.contribution) for r in row] == sorted((abs(r.contribution) for r in row), reverse=True)


_NETWORK_CHECKS_THAT_FIT = (
    "check_classifier_data_not_an_array", "check_classifiers_classes", "check_classifiers_one_label",
    "check_classifiers_regression_target", "check_classifiers_train", "check_complex_data",
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimator_sparse_tag",
    "check_estimators_dtypes", "check_estimators_empty_data_messages", "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params", "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted",
    "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_non_transformer_estimators_n_iter", "check_pipeline_consistency",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input", "check_requires_y_none",
    "check_supervised_y_2d",
)  # fmt: skip


def _network_expected_failures(estimator) -> dict[str, str]:
    # Every check that fits passes an unnamed numeric matrix and class labels; the model reads
    # the snapshot frame's FEATURES columns by name and learns from y = (duration, event) over
    # several horizons, so it refuses those inputs (fitting on real snapshots is tested above).
    # clone, get_params, set_params, repr and the unfitted checks run for real.
    return dict.fromkeys(
        _NETWORK_CHECKS_THAT_FIT,
        "X must be a frame of the named network FEATURES "
        "and y a frame of duration and event, not a matrix and class labels",
    )


@parametrize_with_checks([NetworkRiskModel()], expected_failed_checks=_network_expected_failures)
def test_network_model_passes_scikit_learn_checks(estimator, check):
    check(estimator)


def test_a_failed_network_fit_leaves_no_fitted_attributes(network):
    X, y = network_snapshots(network, horizon_days=0)
    model = NetworkRiskModel(max_iter=5).fit(X.head(2000), y.head(2000))
    with pytest.raises(ValueError, match="only one outcome"):
        model.fit(X.head(50), y.head(50).assign(event=0, duration=1000))
    assert not [k for k in vars(model) if k.endswith("_")]


def test_backtest_beats_the_days_without_a_guide_rule(network, folder):
    truth = pd.read_csv(folder / "network_truth.csv", dtype={"cro": str})
    truth["key"] = dentist_keys(truth["cro"], truth["uf"])

    def true_risk(keys, cutoff):
        at = truth.loc[truth["as_of"] == str(cutoff.date())].set_index("key")["true_risk_90d"]
        return at.reindex(keys)

    metrics, scores = backtest(network, cutoff="2024-03-31", truth=true_risk)
    model, rule = metrics.loc["churnlab network model"], metrics.loc["days without a guide"]
    assert metrics.attrs["events"] >= 15
    assert model["AUC"] > rule["AUC"] + 0.04
    assert model["top-decile capture"] > rule["top-decile capture"]
    assert model["calibration error"] < 0.06
    assert model["AUC"] <= metrics.loc["truth (generator)", "AUC"] + 0.05  # the truth is the ceiling


def test_the_generator_keeps_the_latent_engagement_it_simulated():
    net = generate_network(600, seed=3, months=24)
    latent = net.engagement
    months = [c for c in latent.columns if isinstance(c, pd.Timestamp)]
    assert list(latent.columns[:3]) == ["cro", "uf", "fading_from"] and len(months) == 24
    assert len(latent) == len(net.roster)
    # NaN before a dentist joined, a number from then on
    joined = pd.to_datetime(net.roster["Data inclusão"], dayfirst=True).to_numpy()
    before = latent[months].isna().to_numpy()
    assert (before == (np.array(months, dtype="datetime64[ns]")[None, :] < joined[:, None])).all()
    # those fading lose engagement afterwards; the others wander around where they were
    end = months[-1]
    fading = latent["fading_from"].notna() & (latent["fading_from"] <= months[0])
    change = latent[end] - latent[months[0]]
    assert change[fading].mean() < change[~fading].mean() - 1.5  # -0.12 a month for 23 months
    # and production follows it: the month's guides rise with the engagement
    production = net.production.assign(key=dentist_keys(net.production["cro"], net.production["uf"]))
    last = production.loc[production["month"] == end + pd.offsets.MonthBegin(-1)].set_index("key")["guides"]
    level = latent.set_index(dentist_keys(latent["cro"], latent["uf"]))[end].reindex(last.index)
    assert np.corrcoef(level, np.log(last))[0, 1] > 0.2


def test_truncated_concordance_counts_pairs():
    # dentist 0 leaves on day 10, 1 on day 50, 2 never (followed 90 days)
    duration, event = np.array([10, 50, 90]), np.array([1, 1, 0])
    assert truncated_concordance(np.array([0.9, 0.5, 0.1]), duration, event) == 1.0
    assert truncated_concordance(np.array([0.1, 0.5, 0.9]), duration, event) == 0.0
    assert truncated_concordance(np.array([0.5, 0.5, 0.5]), duration, event) == 0.5


# --- the command and the API -----------------------------------------------------------------


def test_network_command_writes_network_scores_as_documented(folder, model_dir, tmp_path):
    out = tmp_path / "network_scores.csv"
    result = _cli(
        "network", str(folder), "--model", str(model_dir), "--as-of", "2024-10-15", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(out, dtype={"cro": str})
    assert {"cro", "uf", "risk_90d", "risk_30d", "risk_180d", "expected_loss", "reasons"} <= set(scores)
    assert scores["risk_90d"].between(0, 1).all()
    assert scores["expected_loss"].is_monotonic_decreasing
    network = read_network(folder)
    expected = network_features(network, "2024-10-15")
    assert sorted(dentist_keys(scores["cro"], scores["uf"])) == sorted(expected.index)
    card = json.loads((model_dir / "card.json").read_text())
    assert "network.skops" in card["files"] and "backtest" in card["network"]


def test_score_network_in_python_matches_the_command(folder, model_dir):
    scores = cl.score_network(folder, cl.load_model(model_dir), as_of="2024-12-31")
    assert scores.attrs["as_of"] == "2024-12-31"
    assert scores["priority"].tolist() == list(range(1, len(scores) + 1))
    assert all(isinstance(r, list) for r in scores["reasons"])


def test_bad_rows_exit_1_and_go_on(folder, model_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("roster.csv", "production.csv", "glosas.csv"):
        (data / name).write_bytes((folder / name).read_bytes())
    with open(data / "production.csv", "a", encoding="utf-8") as handle:
        handle.write("1234;SP;99/2024;3;10,00\n")
    out = tmp_path / "s.csv"
    result = _cli("network", str(data), "--model", str(model_dir), "--out", str(out))
    assert result.returncode == 1
    assert "production.csv line" in result.stderr and "'Competência'" in result.stderr
    assert len(pd.read_csv(out)) > 100


@pytest.mark.parametrize(
    "problem, args, message",
    [
        ("no files", [], "no roster.csv"),
        ("bad date", ["--as-of", "31/31/2024"], "not a date"),
        ("too early", ["--as-of", "1999-01-01"], "before the first production month"),
        ("too late", ["--as-of", "2031-01-01"], "the production data ends on 2024-12-31"),
        ("foreign files", [], "none of its dentists is in roster.csv"),
        ("not a month", ["--complete-through", "13/2024"], "--complete-through '13/2024': not a month"),
        ("after the data", ["--complete-through", "01/2025"], "the production data's last month is 12/2024"),
    ],
)
def test_network_command_errors_exit_2(folder, model_dir, tmp_path, problem, args, message):
    data = tmp_path if problem in ("no files", "foreign files") else folder
    if problem == "foreign files":
        (tmp_path / "roster.csv").write_bytes((folder / "roster.csv").read_bytes())
        (tmp_path / "production.csv").write_text(
            "CRO;UF;Competência;Guias;Valor\n1;SP;01/2024;3;10,00\n", encoding="utf-8"
        )
    result = _cli("network", str(data), "--model", str(model_dir), "--out", str(tmp_path / "s.csv"), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_model_without_network_says_how_to_get_one(folder, tmp_path):
    from churnlab.models.persistence import load_model, save_model

    model = load_model()
    model.network = None
    save_model(model, tmp_path / "m")
    result = _cli("network", str(folder), "--model", str(tmp_path / "m"), "--out", str(tmp_path / "s.csv"))
    assert result.returncode == 2 and "roster.csv and production.csv" in result.stderr


def test_the_model_loads_beside_the_reading_but_is_judged_first(folder, model_dir, tmp_path):
    # scores from a model folder equal those of the model loaded first: the command's tests
    import shutil

    from churnlab.models.persistence import load_model, save_model

    model = load_model()
    model.network = None
    save_model(model, tmp_path / "m")
    with pytest.raises(cl.DataError, match="no network model"):  # from the card, before any file is read
        cl.score_network(tmp_path / "no such folder", tmp_path / "m")
    changed = tmp_path / "changed"
    shutil.copytree(model_dir, changed)
    (changed / "network.skops").write_bytes((changed / "network.skops").read_bytes() + b"\0")
    with pytest.raises(ModelFileError, match="network.skops"):  # loaded beside the reading: still refused
        cl.score_network(folder, changed)


def test_a_changed_network_file_is_refused(model_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    (copy / "network.skops").write_bytes((copy / "network.skops").read_bytes() + b"\0")
    with pytest.raises(ModelFileError, match="network.skops"):
        cl.load_model(copy)


def test_worklist_gains_the_not_yet_asked_list(folder, model_dir, tmp_path):
    out = tmp_path / "worklist.html"
    result = _cli("worklist", str(folder), "--model", str(model_dir), "--out", str(out), "--lang", "en")
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Not yet asked to leave" in page and '<table id="network">' in page
    network = pd.read_csv(  # the people's CSV: Brazilian by default
        tmp_path / "worklist_network.csv", sep=";", decimal=",", encoding="utf-8-sig", dtype={"CRO/UF": str}
    )
    assert network["Expected loss (R$)"].is_monotonic_decreasing and network["Name"].notna().all()


# --- no traceback, whatever the files hold ----------------------------------------------------

ROSTER = f"{ROSTER_HEADER};nº de vidas\n" + "".join(
    f"{1000 + i};SP;Dentista {i};Santos;{'FJ'[i % 2]};01/0{1 + i % 9}/2019;;0,3{i % 10};{100 * i}\n"
    for i in range(30)
)
PRODUCTION = "CRO;UF;Competência;Guias;Valor\n" + "".join(
    f"{1000 + i};SP;{m:02d}/2024;{(i * m) % 7};{(i * m) % 7 * 55},50\n"
    for i in range(30)
    for m in range(1, 13)
)
EDITS = st.lists(
    st.tuples(
        st.sampled_from(["cut", "insert", "delete_line", "double_line"]),
        st.integers(0, 10_000),
        st.text(alphabet=';,/\n"=-R$ 0123456789aZç', max_size=6),
    ),
    max_size=6,
)


def _mutate(text: str, edits) -> str:
    for kind, at, piece in edits:
        at %= max(len(text), 1)
        if kind == "cut":
            text = text[:at]
        elif kind == "insert":
            text = text[:at] + piece + text[at:]
        else:
            lines = text.splitlines(keepends=True)
            if len(lines) > 1:
                k = 1 + at % (len(lines) - 1)
                lines[k : k + 1] = [] if kind == "delete_line" else [lines[k], lines[k]]
                text = "".join(lines)
    return text


@pytest.fixture(scope="module")
def bundled_model():
    return cl.load_model()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(roster_edits=EDITS, production_edits=EDITS)
def test_damaged_network_files_never_give_a_traceback(
    tmp_path_factory, monkeypatch, bundled_model, roster_edits, production_edits
):
    # the files are under test, not loading the model: the bundled one is loaded once, not 25 times
    monkeypatch.setattr("churnlab.app.network_scoring.load_model", lambda path=None: bundled_model)
    data = tmp_path_factory.mktemp("damaged")
    (data / "roster.csv").write_text(_mutate(ROSTER, roster_edits), encoding="utf-8")
    (data / "production.csv").write_text(_mutate(PRODUCTION, production_edits), encoding="utf-8")
    result = _cli("network", str(data), "--out", str(data / "s.csv"))
    assert result.returncode in (0, 1, 2), (result.returncode, result.stderr, result.exception)
    assert "Traceback" not in (result.stderr or "") and "internal error" not in (result.stderr or "")


def test_network_scores_with_pseudonyms(folder, model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CHURNLAB_ANON_KEY", "a test key that is long enough")
    out = tmp_path / "s.csv"
    result = _cli("network", str(folder), "--model", str(model_dir), "--out", str(out), "--pseudonymize")
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(out, dtype={"cro": str})
    assert scores["name"].str.fullmatch(r"Pessoa [0-9A-Z]{6}").all()
    names = set(read_network(folder).roster["name"])
    assert not names & set(scores["name"]) and not [n for n in names if n in out.read_text(encoding="utf-8")]


def test_train_without_a_usable_network_still_trains_the_case_models(folder, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(folder / "forms", data / "forms")
    (data / "roster.csv").write_bytes((folder / "roster.csv").read_bytes())
    (data / "production.csv").write_text(
        "CRO;UF;Competência;Guias;Valor\n1;SP;01/2024;3;10,00\n", encoding="utf-8"
    )
    result = _cli("train", str(data), "--out", str(tmp_path / "m"))
    assert result.returncode == 0, result.stderr
    assert "warning: no network model: " in result.stderr and "none of its dentists" in result.stderr
    assert cl.load_model(tmp_path / "m").network is None


def test_spreadsheet_spellings_of_dates_and_months_are_read(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"{ROSTER_HEADER}\n1;SP;A;X;PJ;2019-03-01;01/02/2024 00:00:00;0,30\n"
        "2;SP;B;X;Física;01/03/2019 10:00;;0,30\n",
        encoding="utf-8",
    )
    frame, rejects, _ = read_roster(roster)
    assert not rejects and frame["person_type"].tolist() == ["J", "F"]
    assert frame["included_on"].dt.strftime("%Y-%m-%d").tolist() == ["2019-03-01", "2019-03-01"]
    production = tmp_path / "production.csv"
    production.write_text(
        "CRO;UF;Competência;Guias;Valor\n1;SP;2024-01;1;1\n1;SP;01/02/2024;1;1\n1;SP;MAR/24;1;1\n",
        encoding="utf-8",
    )
    frame, rejects, _ = read_production(production)
    assert not rejects and frame["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]


def test_a_network_model_saved_before_the_new_features_still_loads_and_scores(network):
    """A model saved before ``features`` existed (its state lacks it) loads and scores with its own list."""
    from churnlab.models.network_risk import NetworkRiskModel
    from churnlab.models.persistence import load_model

    state = dict(load_model().network.__getstate__())
    state.pop("features")
    old = NetworkRiskModel.__new__(NetworkRiskModel)
    old.__setstate__(state)
    assert old.get_params()["features"] is None and old._names() == list(state["feature_names_in_"])
    X = network_features(network, "2024-06-30")
    assert old.predict_risk(X).notna().all().all()


def test_the_network_model_predicts_on_one_openmp_thread():
    """Two OpenMP threads wait on each other on a busy 2-core machine (18.7 s against 3.4 s measured)."""
    from threadpoolctl import threadpool_info

    from churnlab.models.persistence import load_model

    model = load_model().network
    seen = []
    predict = model.model_.predict_proba

    def recorded(X):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")
        return predict(X)

    model.model_.predict_proba = recorded
    X = pd.DataFrame(np.zeros((3, len(model._names()))), columns=model._names())
    model.predict_risk(X)
    assert seen and set(seen) == {1}
