"""The trained models as one object, saved to and loaded from a model folder safely.

A model folder holds ``tagger.skops``, ``risk.skops``, ``recommender.skops``
(skops files: loading them cannot run code) and ``card.json``: the model card
(data used, metrics, date, version, features, economics) with the SHA-256 of
each model file. :func:`load_model` refuses a folder whose files do not match
their recorded hashes, or that asks for any type outside scikit-learn, NumPy,
SciPy and churnlab, with a :class:`~churnlab.errors.ModelFileError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from importlib import resources
from pathlib import Path

from churnlab.errors import ModelFileError
from churnlab.models.churn_model import ChurnModel
from churnlab.models.reasons import ReasonTagger
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel

CARD = "card.json"
FILES = {"tagger": "tagger.skops", "risk": "risk.skops", "recommender": "recommender.skops"}
_TRUSTED_PREFIXES = ("churnlab.", "sklearn.", "numpy.", "scipy.sparse.")
DEFAULT_MODEL_DIR = Path(str(resources.files("churnlab.models").joinpath("default")))
"""The bundled model (package data): trained on ``data/sample`` by ``make model``."""



def save_model(model: ChurnModel, path: str | os.PathLike[str]) -> Path:
    """Write the model folder (skops files and card with their hashes)."""
    import skops.io as sio

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, filename in FILES.items():
        obj = getattr(model, name)
        if obj is None:
            continue
        sio.dump(obj, path / filename)
        hashes[filename] = _sha256(path / filename)
    card = {**model.card, "files": hashes, "economics": model.economics.to_dict()}
    (path / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n",
                             encoding="utf-8")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_skops(path: Path):
    import skops.io as sio

    data = path.read_bytes()
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # a file that is not a skops archive
        raise ModelFileError(f"{path}: not a skops model file ({exc})") from None
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelFileError(f"{path}: refuses to load types outside scikit-learn/NumPy/churnlab: {refused}")
    return sio.loads(data, trusted=untrusted)


def load_model(path: str | os.PathLike[str] | None = None) -> ChurnModel:
    """Load a model folder written by :meth:`ChurnModel.save` (``models/default`` when None).

    Raises
    ------
    ModelFileError
        Missing folder or card, a file whose hash differs from the card's
        (tampered or replaced), or a file that asks for untrusted types.
    """
    path = Path(path) if path is not None else DEFAULT_MODEL_DIR
    card_path = path / CARD
    if not card_path.is_file():
        raise ModelFileError(f"{path}: not a churnlab model folder (no {CARD}); train one with "
                             "`churnlab train DATA_DIR --out MODEL_DIR`")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{card_path}: unreadable model card ({exc})") from None
    hashes = card.get("files")
    if not isinstance(hashes, dict) or FILES["risk"] not in hashes or FILES["recommender"] not in hashes:
        raise ModelFileError(f"{card_path}: the card lists no model files; was it written by churnlab?")
    objects = {}
    for name, filename in FILES.items():
        file = path / filename
        if filename not in hashes:
            objects[name] = None
            continue
        if not file.is_file():
            raise ModelFileError(f"{file}: missing model file")
        if _sha256(file) != hashes[filename]:
            raise ModelFileError(f"{file}: contents differ from the hash in {CARD}; "
                                 "the file was changed after training, refusing to load it")
        objects[name] = _load_skops(file)
    expected = {"tagger": (ReasonTagger, type(None)), "risk": DismissalRiskModel,
                "recommender": ActionRecommender}
    for name, kinds in expected.items():
        if not isinstance(objects[name], kinds):
            raise ModelFileError(f"{path / FILES[name]}: holds a {type(objects[name]).__name__}, "
                                 f"not what churnlab expects")
    return ChurnModel(objects["tagger"], objects["risk"], objects["recommender"], card)


def now_iso() -> str:
    """The current UTC time, for model cards."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
