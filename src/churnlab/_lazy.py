"""Public names imported on first use (PEP 562), for the package's three public namespaces.

``churnlab``, ``churnlab.evaluation`` and ``churnlab.synthetic`` each list
where their names live; this builds their module ``__getattr__`` and
``__dir__`` from that list, so ``import churnlab`` loads no pandas, no
scikit-learn and no matplotlib until a name that needs them is used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    namespace: str, exports: Mapping[str, str], computed: Mapping[str, Callable[[], Any]] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``namespace``.

    ``exports`` maps a public name to the module defining it; ``computed``
    maps a name to a function giving its value (e.g. ``__version__``). A
    value is cached in the namespace once looked up.
    """
    extra = dict(computed or {})

    def __getattr__(name: str) -> Any:
        if name in extra:
            value = extra[name]()
        elif name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
        else:
            raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
        setattr(sys.modules[namespace], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[namespace]), *exports, *extra})

    return __getattr__, __dir__
