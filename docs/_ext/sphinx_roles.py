"""Griffe extension: turn the docstrings' Sphinx roles into mkdocstrings cross-references.

The docstrings are numpydoc, written for Sphinx (``:func:`score```), and mkdocstrings reads
Markdown, where a role would show as typed. A role naming an object this reference documents
(a name of ``churnlab.__all__`` or one of its members) becomes an autorefs link to it; a role
naming an internal object (``FEATURES``, ``Reason``...) or another library becomes inline code,
since the reference does not document it. Links written in Markdown (``[text][churnlab.score]``),
in the pages or in a docstring, are left alone: autorefs reports a broken one, which fails
``mkdocs build --strict``.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import griffe

NAMESPACES = ("churnlab", "churnlab.evaluation", "churnlab.synthetic")
"""The public namespaces whose ``__all__`` the reference pages document (``::: churnlab.NAME``)."""

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|attr|mod|data|obj|exc|const):`(~?)([^`<>]+?)`")


def _documented(pkg: griffe.Module) -> set[str]:
    """Canonical paths of the public names and of their public members (what the reference renders)."""
    paths: set[str] = set()
    stack: list[griffe.Object | griffe.Alias] = []
    for namespace in NAMESPACES:
        module = pkg if namespace == pkg.path else pkg.get_member(namespace.partition(".")[2])
        for name in module.exports or []:
            member = module.members.get(str(name))
            if member is not None:
                stack.append(member)
    while stack:
        obj = stack.pop()
        try:
            target = obj.final_target if obj.is_alias else obj
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        if target.path in paths:
            continue
        paths.add(target.path)
        if target.is_class:
            stack.extend(m for n, m in target.members.items() if not n.startswith("_") and not m.is_alias)
    return paths


def _parents(obj: griffe.Object) -> list[griffe.Object]:
    chain, parent = [obj], obj.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` as a link when the reference documents the target, else as code."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        documented = _documented(pkg)
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if obj.docstring is not None:
                rewrite = partial(self._rewrite, obj=obj, documented=documented)
                obj.docstring.value = ROLE.sub(rewrite, obj.docstring.value)
            stack.extend(m for m in obj.members.values() if not m.is_alias)

    @staticmethod
    def _rewrite(match: re.Match[str], obj: griffe.Object, documented: set[str]) -> str:
        tilde, target = match.group(1), match.group(2).strip().removesuffix("()")
        shown = target.rsplit(".", 1)[-1] if tilde else target
        path = None
        for scope in _parents(obj):
            head, _, rest = target.partition(".")
            found = scope.members.get(head)
            if found is None:
                continue
            try:
                found = found.final_target if found.is_alias else found
                for part in rest.split(".") if rest else ():
                    found = found.members[part]
                    found = found.final_target if found.is_alias else found
                path = found.path
            except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
                path = None
            break
        if path is None:
            path = target
        return f"[`{shown}`][{path}]" if path in documented else f"`{shown}`"
