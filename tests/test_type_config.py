"""mypy's configuration (pyproject.toml) follows the public API; `make lint` runs mypy itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

from churnlab import _EXPORTS

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _overrides(flag: str) -> set[str]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["mypy"]
    return {module for section in config["overrides"] if section.get(flag)
            for module in ([section["module"]] if isinstance(section["module"], str) else section["module"])}


def test_the_strict_modules_are_those_of_the_public_api():
    """A name added to ``churnlab.__all__`` from a new module brings that module under the strict flags."""
    assert _overrides("disallow_untyped_defs") == set(_EXPORTS.values())

