"""Model folders that cannot run code, cards that are checked whole, signatures, no personal data.

Every attack here rewrites the card's hashes too, as an attacker who can
write the folder would: the hashes catch accidents, the allow-list and the
signature stop attackers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import os
import re
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from typer.testing import CliRunner

from churnlab.app.cli import app
from churnlab.errors import ModelFileError
from churnlab.features.labels import case_table
from churnlab.models.economics import Economics
from churnlab.models.learners import LEARNERS
from churnlab.models.persistence import (
    ALLOWED_TYPES,
    CARD,
    DEFAULT_MODEL_DIR,
    FILES,
    SIGNATURE,
    load_model,
    save_model,
    skops_types,
)
from churnlab.models.reason_features import training_features
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel
from churnlab.synthetic.generator import generate

runner = CliRunner()
# Types the list names although no model fitted here holds one today: plain data that a
# fit on other data may produce. Anything else unused in the list is rot.
PLAIN_DATA = {
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "numpy.int64",
    "numpy.bool_",
    "sklearn.linear_model._ridge.Ridge",
}


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("CHURNLAB_MODEL_KEY", raising=False)
    monkeypatch.delenv("CHURNLAB_MODEL_KEY_FILE", raising=False)
    folder = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, folder)
    return folder


def _plant(folder, filename: str, data: bytes) -> None:
    """Replace a model file and rewrite its hash in the card, as an attacker would."""
    (folder / filename).write_bytes(data)
    card = json.loads((folder / CARD).read_text(encoding="utf-8"))
    card["files"][filename] = hashlib.sha256(data).hexdigest()
    (folder / CARD).write_text(json.dumps(card), encoding="utf-8")


def test_allow_list_is_what_churnlab_saves():
    data = generate(300, seed=3, open_share=0.0)
    cases = [c for c in data.cases if c.status in ("retained", "dismissed")]
    table = case_table(cases)
    X, tagger = training_features(cases, None, random_state=0)
    y = table["dismissed"].astype(int).to_numpy()
    found = skops_types(sio.dumps(tagger)) | skops_types(sio.dumps(DismissalRiskModel().fit(X, y)))
    for learner in LEARNERS:
        rec = ActionRecommender(learner=learner, economics=Economics(), random_state=0)
        found |= skops_types(sio.dumps(rec.fit(X, table["action"].to_numpy(), 1 - y)))
    found |= skops_types(sio.dumps(_network_model()))
    assert found <= ALLOWED_TYPES, sorted(found - ALLOWED_TYPES)
    assert ALLOWED_TYPES - found <= PLAIN_DATA, sorted(ALLOWED_TYPES - found - PLAIN_DATA)
    assert not [t for t in ALLOWED_TYPES if t.endswith(".") or "*" in t]  # names, never prefixes


def _network_model():
    import tempfile

    from churnlab.features.network import FEATURES, network_snapshots
    from churnlab.io.network import read_network
    from churnlab.models.network_risk import NetworkRiskModel
    from churnlab.synthetic.network import generate_network, write_network

    with tempfile.TemporaryDirectory() as folder:
        write_network(generate_network(150, seed=1, months=12), folder, layouts=("plain",))
        X, y = network_snapshots(read_network(folder))
    assert set(FEATURES) <= set(X)
    return NetworkRiskModel(max_iter=5).fit(X, y)


def _gadgets(marker) -> dict[str, object]:
    """Objects whose loading or use would run code or touch files (each would create ``marker``)."""
    import numpy.testing._private.utils as np_utils

    payload = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        "runstring": Pipeline(
            [
                ("fill", FunctionTransformer(np.full_like, kw_args={"fill_value": payload, "dtype": object})),
                ("str", FunctionTransformer(np.str_)),
                ("run", FunctionTransformer(np_utils.runstring, kw_args={"dict": {}})),
            ]
        ),
        "eval": FunctionTransformer(eval),
        "exec": FunctionTransformer(exec),
        "os.system": FunctionTransformer(functools.partial(os.system, f"touch {marker}")),
        "attrgetter": FunctionTransformer(operator.attrgetter("__class__")),
        "numpy.save": FunctionTransformer(functools.partial(np.save, str(marker))),
        "numpy.load": FunctionTransformer(np.load),
    }


@pytest.mark.parametrize(
    "gadget", ["runstring", "eval", "exec", "os.system", "attrgetter", "numpy.save", "numpy.load"]
)
def test_gadget_folders_are_refused_and_run_nothing(model_dir, tmp_path, gadget):
    marker = tmp_path / "ran"
    obj = _gadgets(marker)[gadget]
    try:
        data = sio.dumps(obj)
    except Exception as exc:  # noqa: BLE001 - skops cannot even write it: nothing to load
        pytest.skip(f"skops cannot serialise {gadget}: {exc}")
    _plant(model_dir, FILES["risk"], data)
    with pytest.raises(ModelFileError, match="refuses to load types churnlab does not save"):
        load_model(model_dir)
    sample = os.path.join(os.path.dirname(__file__), "..", "data", "sample")
    result = runner.invoke(
        app, ["score", sample, "--model", str(model_dir), "--out", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 2 and "refuses to load types" in result.stderr
    result = runner.invoke(app, ["serve", "--model", str(model_dir), "--port", "1"])
    assert result.exit_code == 2 and "refuses to load types" in result.stderr
    assert not marker.exists()


def test_a_foreign_type_inside_an_allowed_estimator_is_refused(model_dir):
    risk = load_model(model_dir).risk
    risk.pipeline_.steps.insert(0, ("x", FunctionTransformer(np.asarray)))
    _plant(model_dir, FILES["risk"], sio.dumps(risk))
    with pytest.raises(ModelFileError, match=r"FunctionTransformer.*numpy\.asarray|numpy\.asarray"):
        load_model(model_dir)


def test_a_file_that_is_not_skops_is_refused(model_dir):
    _plant(model_dir, FILES["tagger"], b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFileError, match="not a skops model file"):
        load_model(model_dir)


def test_the_card_must_list_exactly_the_model_files(model_dir):
    card = json.loads((model_dir / CARD).read_text(encoding="utf-8"))
    del card["files"][FILES["tagger"]]
    (model_dir / CARD).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="must list exactly the model files"):
        load_model(model_dir)
    card["files"][FILES["tagger"]] = "0" * 64
    card["files"]["extra.skops"] = "0" * 64
    (model_dir / CARD).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="must list exactly the model files"):
        load_model(model_dir)


def test_the_cards_economics_must_be_the_models(model_dir):
    card = json.loads((model_dir / CARD).read_text(encoding="utf-8"))
    card["economics"]["dentist_value"] = 1.0
    (model_dir / CARD).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelFileError, match="economics differ"):
        load_model(model_dir)


def test_foreign_folders_are_refused(tmp_path):
    with pytest.raises(ModelFileError, match="not a churnlab model folder"):
        load_model(tmp_path)
    (tmp_path / CARD).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError, match="unreadable model card"):
        load_model(tmp_path)
    (tmp_path / CARD).write_text('{"files": {}}', encoding="utf-8")
    with pytest.raises(ModelFileError, match="must list exactly the model files"):
        load_model(tmp_path)


def test_signed_folders(model_dir, tmp_path, monkeypatch):
    model = load_model(model_dir)
    signed = tmp_path / "signed"
    monkeypatch.setenv("CHURNLAB_MODEL_KEY", "s3cret")
    save_model(model, signed)
    assert (signed / SIGNATURE).is_file()
    assert load_model(signed).card["trained_at"] == model.card["trained_at"]
    # Unsigned, or signed with another key: refused while a key is set.
    with pytest.raises(ModelFileError, match="unsigned model folder"):
        load_model(model_dir)
    monkeypatch.setenv("CHURNLAB_MODEL_KEY", "other")
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_model(signed)
    # A key file works like the variable.
    monkeypatch.delenv("CHURNLAB_MODEL_KEY")
    (tmp_path / "key").write_text("s3cret\n")
    monkeypatch.setenv("CHURNLAB_MODEL_KEY_FILE", str(tmp_path / "key"))
    load_model(signed)


@pytest.mark.parametrize("target", [CARD, FILES["risk"], FILES["tagger"]])
def test_one_changed_byte_in_a_signed_folder_is_refused(model_dir, tmp_path, monkeypatch, target):
    signed = tmp_path / "signed"
    model = load_model(model_dir)
    monkeypatch.setenv("CHURNLAB_MODEL_KEY", "s3cret")
    save_model(model, signed)
    load_model(signed)
    data = bytearray((signed / target).read_bytes())
    data[len(data) // 2] ^= 0x01
    if target == CARD:
        (signed / target).write_bytes(bytes(data))
    else:
        _plant(signed, target, bytes(data))  # the attacker rewrites the hash; the signature says no
    with pytest.raises(ModelFileError):
        load_model(signed)


def test_no_personal_data_in_the_model_folder(tmp_path, monkeypatch):
    """Train on forms full of CPFs, phones and names, some broken so errors quote values; grep it all."""
    from churnlab.io.brazil import format_date_br, format_int_br
    from churnlab.synthetic.writer import write_dataset

    monkeypatch.delenv("CHURNLAB_MODEL_KEY", raising=False)
    data = generate(160, seed=9)
    folder = write_dataset(data, tmp_path / "data", seed=9)
    case = next(c for c in data.cases if c.lives and c.lives >= 1000 and c.contacts)
    form = next((folder / "forms").glob(f"{case.source}*")).read_text(encoding="utf-8")
    lives, contact = format_int_br(case.lives), format_date_br(case.contacts[0].date)
    assert lives in form and contact in form
    (folder / "forms" / "broken_lives.txt").write_text(form.replace(lives, "MARIA (71) 98888-7777", 1))
    (folder / "forms" / "broken_date.txt").write_text(form.replace(contact, "(71) 97874-8578 JOAO", 1))
    result = runner.invoke(app, ["train", str(folder), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.stderr
    card = json.loads((tmp_path / "m" / CARD).read_text(encoding="utf-8"))
    failed = card["data"]["forms_failed"]
    assert [f.split(":")[0] for f in failed] == ["broken_date.txt", "broken_lives.txt"], failed

    secrets = {"98888-7777", "MARIA", "97874-8578", "JOAO"}
    for case in data.cases:
        secrets |= {v for v in (case.cpf, case.cnpj) if v}
        if case.dentist_name:
            secrets |= {case.dentist_name, case.dentist_name.upper()}
        for note in [c.note for c in case.contacts if c.note]:
            secrets |= set(re.findall(r"\(?\d{2}\)?\s?9?\d{4}-\d{4}", note))
    blobs = {}
    for path in (tmp_path / "m").iterdir():
        if path.suffix == ".skops":
            with zipfile.ZipFile(path) as archive:
                blobs.update({f"{path.name}:{n}": archive.read(n) for n in archive.namelist()})
        else:
            blobs[path.name] = path.read_bytes()
    leaks = [
        (name, s)
        for name, blob in blobs.items()
        for s in secrets
        if s.encode("utf-8") in blob or s.encode("utf-8") in blob.replace(b"\\u00", b"")
    ]
    assert not leaks, leaks[:5]


def test_stop_words_are_not_kept_in_the_tagger(model_dir):
    words = load_model(model_dir).tagger.pipeline_.named_steps["words"]
    assert getattr(words, "stop_words_", None) is None


def test_pandas_types_are_refused_too(model_dir):
    _plant(model_dir, FILES["risk"], sio.dumps({"payload": pd.Timestamp("2024-01-01")}))
    with pytest.raises(ModelFileError, match="pandas"):
        load_model(model_dir)
