"""Progress bars for long reads and scoring: on a terminal only, never into a pipe or a log."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

_T = TypeVar("_T")


def progress_bar(
    items: Iterable[_T],
    path: str | os.PathLike[str],
    progress: bool,
    total: int | None = None,
    doing: str = "reading",
    unit: str = "block",
) -> Iterator[_T]:
    """A bar over the blocks of ``path`` when ``progress`` and stderr is a terminal; nothing on a pipe.

    ``total`` is the number of blocks when known (a cluster plans them first);
    ``doing`` and ``unit`` name other work (``scoring``, ``partition``).
    """
    if not progress:
        return iter(items)
    from tqdm.auto import tqdm

    name = os.path.basename(path)
    return iter(tqdm(items, desc=f"{doing} {name}", unit=unit, total=total, leave=False, disable=None))
