"""What users read imports only the public API; one version; contracts named by their docs page.

The public API is three namespaces, each with its ``__all__``: ``churnlab``,
``churnlab.evaluation`` and ``churnlab.synthetic``. Every other module path,
and every ``_name``, is internal: the README's Python blocks and the notebooks
must not use them, or users copy imports that a refactor breaks.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import churnlab

REPO = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = ("churnlab", "churnlab.evaluation", "churnlab.synthetic")
PUBLIC = {name: set(importlib.import_module(name).__all__) for name in PUBLIC_MODULES}
PUBLIC["churnlab"].add("__version__")
SUBPACKAGES = {"evaluation", "synthetic"}


def _readme_blocks() -> list[tuple[str, str]]:
    """The README's Python blocks as one program: they run in one namespace (test_readme.py)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    return [("README.md python blocks", "\n".join(blocks))] if blocks else []


def _notebooks() -> list[tuple[str, str]]:
    return [
        (f"notebooks/{p.name}", p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "notebooks").glob("*.py"))
    ]


def non_public_uses(source: str) -> list[str]:
    """Each use of a churnlab path or name outside the public API in ``source``, with its line."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> public module it is bound to
    found = []

    def check(module: str, name: str, line: int) -> None:
        if name in PUBLIC[module] or (module == "churnlab" and name in SUBPACKAGES):
            return
        found.append(f"line {line}: {module}.{name} is not public")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "churnlab":
                    continue
                if alias.name not in PUBLIC_MODULES:
                    found.append(f"line {node.lineno}: import {alias.name} is not public")
                elif alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases["churnlab"] = "churnlab"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "churnlab":
            if node.module not in PUBLIC_MODULES:
                found.append(f"line {node.lineno}: from {node.module} import ... is not public")
                continue
            for alias in node.names:
                check(node.module, alias.name, node.lineno)
                if node.module == "churnlab" and alias.name in SUBPACKAGES:
                    aliases[alias.asname or alias.name] = f"churnlab.{alias.name}"
    for node in ast.walk(tree):  # attribute uses: cl.name, churnlab.evaluation.name
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            module = aliases[node.value.id]
            check(module, node.attr, node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and aliases.get(node.value.value.id) == "churnlab"
            and node.value.attr in SUBPACKAGES
        ):
            check(f"churnlab.{node.value.attr}", node.attr, node.lineno)
    return found


@pytest.mark.parametrize(
    ("where", "source"), [pytest.param(*item, id=item[0]) for item in _readme_blocks() + _notebooks()]
)
def test_readme_and_notebooks_use_only_the_public_api(where, source):
    try:
        uses = non_public_uses(source)
    except SyntaxError as error:
        pytest.fail(f"{where} is not valid Python: {error}")
    assert uses == [], f"{where}: {uses}"


@pytest.mark.parametrize(
    "source",
    [
        "from churnlab.app.scoring import rank",
        "import churnlab.io.forms",
        "from churnlab import _EXPORTS",
        "from churnlab.evaluation import _axes",
        "import churnlab as cl\ncl.app.scoring.rank",
        "import churnlab as cl\ncl.evaluation.plots.roc_plot",
        "import churnlab.evaluation as ev\nev._EXPORTS",
        "from churnlab import synthetic\nsynthetic.render_plain",
    ],
)
def test_the_check_catches_internal_paths_and_names(source):
    assert non_public_uses(source)


def test_the_check_passes_public_uses():
    source = (
        "import churnlab as cl\nimport churnlab.evaluation as ev\nfrom churnlab import synthetic\n"
        "from churnlab.synthetic import generate\ncl.score, cl.__version__, ev.roc_plot, "
        "synthetic.write_dataset, cl.evaluation.backtest"
    )
    assert non_public_uses(source) == []


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_names_resolve_and_are_listed_once(module):
    namespace = importlib.import_module(module)
    assert len(set(namespace.__all__)) == len(namespace.__all__)
    assert not [name for name in namespace.__all__ if name.startswith("_")]
    for name in namespace.__all__:
        assert getattr(namespace, name) is not None, f"{module}.{name}"
    with pytest.raises(AttributeError, match="no attribute"):
        _ = namespace.not_a_name


def test_importing_a_public_subpackage_loads_no_plotting_library():
    code = (
        f"import sys; sys.path.insert(0, {str(REPO / 'src')!r}); "
        "import churnlab.evaluation, churnlab.synthetic, churnlab.evaluation.off_policy; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- one version: pyproject.toml's, through the installed metadata --------------------


def _pyproject_version() -> str:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project.get("dynamic", []), "pyproject.toml states the version itself"
    return project["version"]


def test_version_is_the_installed_metadata():
    """``__version__`` is what installing recorded (the editable install may predate pyproject's)."""
    assert churnlab.__version__ == metadata.version("churnlab")


def test_version_follows_pyproject(tmp_path):
    """Metadata saying pyproject's version (as installing this tree writes it) is what churnlab reports.

    The shared editable install's metadata may be older than this tree's
    pyproject.toml, so a distribution carrying pyproject's version is put first
    on the path; the wheel test in test_layout.py checks a real install.
    """
    version = _pyproject_version()
    dist = tmp_path / f"churnlab-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: churnlab\nVersion: {version}\n")
    code = (
        f"import sys; sys.path[:0] = [{str(tmp_path)!r}, {str(REPO / 'src')!r}]; "
        "import churnlab; print(churnlab.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == version


def test_version_when_not_installed():
    code = (
        f"import sys; sys.path.insert(0, {str(REPO / 'src')!r})\n"
        "from importlib import metadata\n"
        "def missing(name): raise metadata.PackageNotFoundError(name)\n"
        "metadata.version = missing\n"
        "import churnlab; print(churnlab.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0+unknown"


def test_no_version_literal_in_the_package():
    """pyproject.toml is the one place a version is written."""
    pattern = re.compile(r"""__version__\s*=\s*["']\d+\.\d+""")
    assert [p.name for p in (REPO / "src" / "churnlab").rglob("*.py") if pattern.search(p.read_text())] == []


# --- data contracts are named by the docs page that states them -------------------------


def test_no_contract_numbers_left():
    """Users never see the design document: 'contract 3' means nothing, 'Batch CLI' (its page) does."""
    pattern = re.compile(r"contra(ct|to)s?[- ][1-4]", re.IGNORECASE)
    files = [
        *(REPO / "src").rglob("*.py"),
        *(REPO / "notebooks").glob("*.py"),
        *(REPO / "notebooks").glob("*.ipynb"),
    ]
    hits = [
        f"{p.relative_to(REPO)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
