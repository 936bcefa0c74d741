"""The trained models as one object, saved to and loaded from a model folder safely.

A model folder holds ``tagger.skops``, ``risk.skops``, ``recommender.skops``
(skops files), ``network.skops`` when the network model was trained, and
``card.json``: the model card (data used, metrics, date, version, features,
economics) with the SHA-256 of each model file, and optionally ``card.sig``, an HMAC-SHA256 of the card.

:func:`load_model` trusts nothing in the folder. Every object a skops file
would build, down to each function it names, must be one of
:data:`ALLOWED_TYPES` — the exact, fully qualified types churnlab itself saves,
no prefixes — so a file cannot make the loader call ``exec`` in disguise. The
card must list exactly the model files, each with its hash, and its economics
must be the ones the model uses. With ``CHURNLAB_MODEL_KEY`` (or
``CHURNLAB_MODEL_KEY_FILE``) set, saving signs the card and loading refuses a
folder that is unsigned or signed with another key; without a key, anyone who
can write the folder can rewrite its hashes, so keep model folders read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from churnlab.errors import ModelFileError
from churnlab.io.archive import ArchiveLimitError, check_members, read_member
from churnlab.models.churn_model import ChurnModel
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.reasons import ReasonTagger
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel

CARD = "card.json"
SIGNATURE = "card.sig"
FILES = {"tagger": "tagger.skops", "risk": "risk.skops", "recommender": "recommender.skops"}
NETWORK_FILE = "network.skops"
"""The network model's file, present when the model was trained with the network files."""
KEY_ENV, KEY_FILE_ENV = "CHURNLAB_MODEL_KEY", "CHURNLAB_MODEL_KEY_FILE"
DEFAULT_MODEL_DIR = Path(str(resources.files("churnlab.models").joinpath("default")))
"""The bundled model (package data): trained on ``data/sample`` by ``make model``."""

ALLOWED_TYPES: frozenset[str] = frozenset({
    # containers and plain data
    "builtins.dict", "builtins.list", "builtins.str", "builtins.tuple", "builtins.int",
    "builtins.float", "builtins.bool", "numpy.dtype", "numpy.ndarray", "numpy.float64",
    "numpy.int64", "numpy.bool_",
    # churnlab's estimators and their settings
    "churnlab.models.reasons.ReasonTagger", "churnlab.models.risk.DismissalRiskModel",
    "churnlab.models.recommender.ActionRecommender", "churnlab.models.economics.Economics",
    "churnlab.models.network_risk.NetworkRiskModel",
    # the scikit-learn parts they are made of
    "sklearn.pipeline.Pipeline", "sklearn.impute._base.SimpleImputer",
    "sklearn.impute._base.MissingIndicator", "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression", "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._ridge.RidgeCV", "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    # the gradient-boosted T-learner (t_hgb): the classifier, its trees, bins, loss and seed state
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.loss.HalfBinomialLoss", "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss.link.LogitLink", "sklearn._loss.link.Interval",
    "sklearn.preprocessing._label.LabelEncoder", "numpy.random._generator.Generator", "numpy.uint64",
    # the boosted X-learner's effect regressions (x_hgb)
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn._loss.loss.HalfSquaredError", "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn._loss.link.IdentityLink",
})  # fmt: skip
"""Every type (and function) a churnlab model file may hold, fully qualified.

To add one — a new learner's estimator, say — name it here exactly; the test
``tests/test_persistence.py::test_allow_list_is_what_churnlab_saves`` fits
every learner and fails if a saved model needs a type missing from this list,
or if the list keeps a type no model needs.
"""


MAX_SKOPS_BYTES = 2 * 2**30
"""Most bytes one model file may inflate to, all its members together (the bundled ones: under 2 MB)."""

MAX_SCHEMA_BYTES = 64 * 2**20
"""Most bytes a model file's ``schema.json`` may inflate to (the bundled ones: under 1 MB)."""


def skops_types(data: bytes, source: str | Path = "<bytes>") -> set[str]:
    """Fully qualified names of every object and function a skops file would build.

    Every member is first inflated counting bytes (:func:`~churnlab.io.archive.check_members`):
    one that inflates past :data:`MAX_SKOPS_BYTES` or past the size the archive
    declares is refused before skops reads anything.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_members(archive, MAX_SKOPS_BYTES)
            schema = json.loads(read_member(archive, "schema.json", MAX_SCHEMA_BYTES))
    except ArchiveLimitError as exc:
        raise ModelFileError(f"{source}: refused: {exc}") from None
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{source}: not a skops model file ({exc})") from None
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__module__" in node or "__class__" in node:
                found.add(f"{node.get('__module__')}.{node.get('__class__')}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _key() -> bytes | None:
    """The signing key from ``CHURNLAB_MODEL_KEY`` or the file ``CHURNLAB_MODEL_KEY_FILE`` names."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    key_file = os.environ.get(KEY_FILE_ENV)
    if key_file:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise ModelFileError(f"{KEY_FILE_ENV}={key_file}: cannot read the key ({exc.strerror})") from None
        if not key:
            raise ModelFileError(f"{KEY_FILE_ENV}={key_file}: the key file is empty")
        return key
    return None


def _signature(card_bytes: bytes, key: bytes) -> str:
    return hmac.new(key, card_bytes, hashlib.sha256).hexdigest()


def _same_digest(found: bytes, expected: str) -> bool:
    """Whether ``found`` (bytes from a file, any bytes at all) is the hex digest ``expected``.

    Compared as bytes, in constant time: ``hmac.compare_digest`` on two ``str``
    raises ``TypeError`` when one holds a non-ASCII character.
    """
    return hmac.compare_digest(found.strip(), expected.encode("ascii"))


def save_model(model: ChurnModel, path: str | os.PathLike[str]) -> Path:
    """Write the model folder: skops files, the card with their hashes, and a signature if keyed."""
    import skops.io as sio

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, filename in _files(model.network is not None).items():
        data = sio.dumps(getattr(model, name))
        refused = sorted(skops_types(data) - ALLOWED_TYPES)
        if refused:  # never write what load_model would refuse
            raise ModelFileError(f"{path / filename}: holds types outside churnlab's allow-list: {refused}")
        (path / filename).write_bytes(data)
        hashes[filename] = hashlib.sha256(data).hexdigest()
    if model.network is None and (path / NETWORK_FILE).exists():
        (path / NETWORK_FILE).unlink()  # a network model of an earlier training
    card = {**model.card, "files": hashes, "economics": model.economics.to_dict()}
    card_bytes = (json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    (path / CARD).write_bytes(card_bytes)
    key = _key()
    if key is not None:
        (path / SIGNATURE).write_text(_signature(card_bytes, key) + "\n", encoding="ascii")
    elif (path / SIGNATURE).exists():
        (path / SIGNATURE).unlink()  # a stale signature of an earlier card
    return path


def _files(with_network: bool) -> dict[str, str]:
    """Model attribute -> file name of a folder's model files."""
    return {**FILES, "network": NETWORK_FILE} if with_network else dict(FILES)


def _load_skops(path: Path, data: bytes) -> Any:
    import skops.io as sio

    refused = sorted(skops_types(data, path) - ALLOWED_TYPES)
    if refused:
        raise ModelFileError(f"{path}: refuses to load types churnlab does not save: {', '.join(refused)}")
    try:
        untrusted = sio.get_untrusted_types(data=data)
        if set(untrusted) - ALLOWED_TYPES:  # skops saw a type the schema walk did not
            raise ModelFileError(f"{path}: refuses to load types churnlab does not save: {untrusted}")
        return sio.loads(data, trusted=untrusted)
    except ModelFileError:
        raise
    except Exception as exc:  # a damaged archive that passed the type check
        raise ModelFileError(f"{path}: not a readable skops model file ({type(exc).__name__})") from None


def _read_card(path: Path) -> dict[str, Any]:
    card_path = path / CARD
    if not card_path.is_file():
        raise ModelFileError(
            f"{path}: not a churnlab model folder (no {CARD}); train one with "
            "`churnlab train DATA_DIR --out MODEL_DIR`"
        )
    card_bytes = card_path.read_bytes()
    key = _key()
    if key is not None:
        sig_path = path / SIGNATURE
        if not sig_path.is_file():
            raise ModelFileError(f"{path}: unsigned model folder, and {KEY_ENV} is set; refusing to load it")
        if not _same_digest(sig_path.read_bytes(), _signature(card_bytes, key)):
            raise ModelFileError(
                f"{sig_path}: the signature does not match the card under this key; "
                "the folder was changed or signed with another key"
            )
    try:
        card: object = json.loads(card_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{card_path}: unreadable model card ({exc})") from None
    if not isinstance(card, dict):
        card = {}  # no files listed: refused below
    hashes = card.get("files")
    if not isinstance(hashes, dict) or set(hashes) - {NETWORK_FILE} != set(FILES.values()):
        listed = sorted(hashes) if isinstance(hashes, dict) else None
        raise ModelFileError(
            f"{card_path}: the card must list exactly the model files "
            f"{sorted(FILES.values())} (and {NETWORK_FILE} when trained with the "
            f"network) with their hashes; it lists {listed}"
        )
    return card


def has_network_model(path: str | os.PathLike[str] | None = None) -> bool:
    """Whether the model folder (the bundled one when None) holds a network model, from its card alone.

    Cheap: what a caller checks before reading the network files while the
    model loads beside them (:func:`churnlab.app.network_scoring.score_network`).

    Raises
    ------
    ModelFileError
        As :func:`load_model` for a missing folder, card or signature.
    """
    return NETWORK_FILE in _read_card(Path(path) if path is not None else DEFAULT_MODEL_DIR)["files"]


def load_model(path: str | os.PathLike[str] | None = None) -> ChurnModel:
    """Load a model folder written by :meth:`ChurnModel.save` (the bundled model when None).

    Raises
    ------
    ModelFileError
        Missing folder or card; a card that does not list exactly the model
        files, or whose economics differ from the model's; a file whose hash
        differs from the card's; a file holding a type outside
        :data:`ALLOWED_TYPES`; with a key set, a missing or wrong signature.
    """
    path = Path(path) if path is not None else DEFAULT_MODEL_DIR
    card = _read_card(path)
    expected = {
        "tagger": ReasonTagger,
        "risk": DismissalRiskModel,
        "recommender": ActionRecommender,
        "network": NetworkRiskModel,
    }
    objects = {}
    for name, filename in _files(NETWORK_FILE in card["files"]).items():
        file = path / filename
        if not file.is_file():
            raise ModelFileError(f"{file}: missing model file")
        data = file.read_bytes()
        listed = str(card["files"][filename]).encode("utf-8", errors="replace")
        if not _same_digest(listed, hashlib.sha256(data).hexdigest()):
            raise ModelFileError(
                f"{file}: contents differ from the hash in {CARD}; "
                "the file was changed after training, refusing to load it"
            )
        objects[name] = _load_skops(file, data)
        if not isinstance(objects[name], expected[name]):
            raise ModelFileError(f"{file}: holds a {type(objects[name]).__name__}, not what churnlab expects")
    model = ChurnModel(
        objects["tagger"], objects["risk"], objects["recommender"], card, network=objects.get("network")
    )
    if json.loads(json.dumps(model.economics.to_dict())) != card.get("economics"):
        raise ModelFileError(
            f"{path / CARD}: the card's economics differ from the ones the model uses; "
            "the card was edited after training"
        )
    return model


def now_iso() -> str:
    """The current UTC time, for model cards."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
