"""The documentation's structure, cheaply: the site itself is built by `make docs` in `.ci/run`.

Every public name has a reference entry, every page of the fixed layout is in the navigation, the
tutorials are the five notebooks, and the quick start is the same in the README and the docs.
"""

from __future__ import annotations

import re

import pytest

import churnlab
from conftest import REPO

yaml = pytest.importorskip("yaml")
DOCS = REPO / "docs"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml's tags (``!ENV``) read as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


NAV = _nav_pages(yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"])


def test_every_public_name_is_in_the_api_reference():
    import churnlab.evaluation
    import churnlab.synthetic

    namespaces = (churnlab, churnlab.evaluation, churnlab.synthetic)
    public = {f"{namespace.__name__}.{name}" for namespace in namespaces for name in namespace.__all__}
    documented = set()
    for page in (DOCS / "reference").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        documented |= set(re.findall(r"^::: (churnlab(?:\.\w+)+)\s*$", text, re.M))
    assert public - documented == set(), "add them to a page of docs/reference/"
    assert documented - public == set(), "the reference documents only public names"


def test_every_page_is_in_the_navigation_and_exists():
    layout = [
        "index.md",
        "getting-started.md",
        "benchmarks.md",
        "changelog.md",
        "concepts/security-limits.md",
        *[
            f"how-to/{n}.md"
            for n in (
                "train-on-your-forms",
                "serve",
                "worklist-and-desk",
                "case-store",
                "anonymise",
                "big-exports",
            )
        ],
        *[
            f"concepts/contracts/{n}.md"
            for n in ("parsed-record", "python-api", "batch-cli", "network-files")
        ],
        *[
            f"concepts/{n}.md"
            for n in ("no-leakage", "economics", "recommender", "network-model", "security")
        ],
    ]
    assert set(layout) <= set(NAV)
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "tutorials" not in p.parts}
    assert pages == {p for p in NAV if p.endswith(".md")}, "every page is in mkdocs.yml's nav, once"
    assert all((DOCS / page).exists() for page in NAV)


def test_the_tutorials_are_the_five_notebooks():
    assert (DOCS / "tutorials").resolve() == (REPO / "notebooks").resolve()
    notebooks = sorted(f"tutorials/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 5 and [p for p in NAV if p.startswith("tutorials/")] == notebooks


def test_the_quick_start_is_the_same_in_the_readme_and_the_docs():
    def quick_start(path):
        return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)

    assert quick_start(REPO / "README.md") == quick_start(DOCS / "getting-started.md")


def test_the_python_api_tour_runs(monkeypatch):
    """The Python API page's tour runs from the repository root, as the page says."""
    page = (DOCS / "concepts" / "contracts" / "python-api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    tour = next(block for block in blocks if "rec.fit(" in block and "path_or_text" not in block)
    monkeypatch.chdir(REPO)
    namespace: dict = {}
    exec(compile(tour, "python-api.md", "exec"), namespace)  # noqa: S102 - our own docs
    assert set(namespace["effects"].columns) == set(churnlab.ACTION_LABELS)
    assert len(namespace["best"]) == len(namespace["batch"]) == 469
