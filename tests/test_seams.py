"""The package's seams: no import cycles, no private names across modules, one door to sklearn privates.

These read the source with :mod:`ast`, so they see every import, also the ones
inside functions that import-linter's layer contract and a plain ``import``
at test time do not follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "churnlab"

COMPAT = "churnlab.models._sklearn_compat"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, tuple[Path, ast.Module]]:
    return {
        _module_name(p): (p, ast.parse(p.read_text(encoding="utf-8"), str(p)))
        for p in sorted(PACKAGE.rglob("*.py"))
    }


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Every Import / ImportFrom node at any depth, except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, path: Path, node) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for each alias of an import node."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    source = _absolute(module, path, node)
    out = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        out.append((submodule, None) if submodule in MODULES else (source, alias.name))
    return out


def import_graph() -> dict[str, set[str]]:
    """churnlab module -> churnlab modules it imports, at any depth (TYPE_CHECKING aside)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, (path, tree) in MODULES.items():
        for node in _imports(tree):
            for target, _ in _targets(module, path, node):
                while target and target not in MODULES:  # `import churnlab.a.b` names a module
                    target = target.rpartition(".")[0]
                if target.startswith("churnlab") and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def private_uses() -> set[tuple[str, str]]:
    """(module, "other.module._name"): underscore names one churnlab module takes from another.

    Catches ``from churnlab.x import _y``, ``from . import _y`` and ``x._y`` on a
    module imported as ``import churnlab.x as x`` / ``from churnlab import x``.
    Dunder names (``__version__``) are public.
    """
    found = set()
    for module, (path, tree) in MODULES.items():
        aliases: dict[str, str] = {}  # local name -> churnlab module
        for node in _imports(tree):
            for alias, (target, name) in zip(node.names, _targets(module, path, node), strict=True):
                if not target.startswith("churnlab"):
                    continue
                if name is None:
                    if isinstance(node, ast.Import) and alias.asname is None:
                        continue  # `import churnlab.x` binds `churnlab`: attribute chains below
                    aliases[alias.asname or alias.name] = target
                elif _private(name) and target != module:
                    found.add((module, f"{target}.{name}"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                owner = _dotted(node.value)
                target = aliases.get(owner) if owner else None
                if target is None and owner and owner.startswith("churnlab."):
                    target = owner if owner in MODULES else None
                if target and target != module:
                    found.add((module, f"{target}.{node.attr}"))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def test_the_checks_can_fail():
    """The detectors find what they look for (a function-level cycle, a private import)."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == [frozenset({"a", "b"})]
    tree = ast.parse(
        "def f():\n    from churnlab.models import learners\n    return learners._x\n"
        "from churnlab.io.records import _y\n"
    )
    MODULES["churnlab.fake"] = (PACKAGE / "fake.py", tree)
    try:
        assert {
            ("churnlab.fake", "churnlab.models.learners._x"),
            ("churnlab.fake", "churnlab.io.records._y"),
        } <= private_uses()
        assert "churnlab.models.learners" in import_graph()["churnlab.fake"]
    finally:
        del MODULES["churnlab.fake"]


def test_no_import_cycles():
    """No two churnlab modules import each other, even through imports inside functions."""
    assert set(cycles(import_graph())) == set(), "import cycles (break them; the dependency points one way)"


def test_no_private_names_across_modules():
    """A name another module needs is public in its module; an underscore means 'this file only'."""
    assert private_uses() == set()


TESTS = {f"tests.{p.stem}": p for p in sorted(Path(__file__).resolve().parent.glob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES) + sorted(TESTS))
def test_sklearn_privates_only_through_the_compat_module(module):
    """Private or version-dependent scikit-learn names go through ``models/_sklearn_compat.py``,
    in the package and in its tests."""
    if module == COMPAT:
        return
    if module in TESTS:
        path = TESTS[module]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    else:
        path, tree = MODULES[module]
    bad = []
    for node in _imports(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [f"{node.module}.{a.name}" for a in node.names]
            if node.module
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "sklearn" and (any(_private(p) for p in parts) or name in VERSION_DEPENDENT):
                bad.append(name)
    assert not bad, f"{path}: import these from {COMPAT}: {bad}"


SKLEARN_PRIVATE_ATTRIBUTES = {
    "_predictors",
    "_baseline_prediction",
    "_bin_mapper",
    "_raw_predict",
    "_validate_data",
    "_validate_params",
    "_get_tags",
    "_more_tags",
    "_check_n_features",
    "_check_feature_names",
}
"""Private attributes of scikit-learn objects that churnlab reads (or once read) outside the compat module."""


@pytest.mark.parametrize("module", sorted(MODULES))
def test_sklearn_private_attributes_only_through_the_compat_module(module):
    """``model._predictors`` and the like: reading a scikit-learn object's private state goes
    through ``models/_sklearn_compat.py`` too."""
    if module == COMPAT:
        return
    path, tree = MODULES[module]
    bad = sorted(
        {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr in SKLEARN_PRIVATE_ATTRIBUTES
        }
    )
    assert not bad, f"{path}: read these through {COMPAT}: {bad}"


VERSION_DEPENDENT = {
    "sklearn.utils.validation.validate_data",
    "sklearn.utils.validation.check_is_fitted",
    "sklearn.utils.estimator_checks.parametrize_with_checks",
    "sklearn.utils.estimator_checks.check_param_validation",
}
"""Public scikit-learn names whose signature or place changed between versions."""
