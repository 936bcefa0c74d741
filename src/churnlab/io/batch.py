"""Reading many forms: file lists, parallel parsing, and batches that keep their failures."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from churnlab.errors import FormParseError
from churnlab.io.forms import parse_form
from churnlab.io.progress import progress_bar
from churnlab.io.records import RetentionCase

if TYPE_CHECKING:  # pandas is imported only when a frame is asked for
    import pandas as pd


def form_paths(folder_or_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand folders (recursively, sorted) and plain paths into a list of files to read.

    A broken symbolic link (dangling, or in a loop) is listed too, so that
    reading it reports it as a reject instead of skipping it silently.
    """
    items = [folder_or_paths] if isinstance(folder_or_paths, (str, os.PathLike)) else folder_or_paths
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths.extend(
                p
                for p in sorted(path.rglob("*"))
                if (p.is_file() or (p.is_symlink() and not p.exists()))
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            paths.append(path)
    return paths


def _parse_path(item: tuple[Path, str]) -> RetentionCase | FormParseError:
    path, source = item
    try:
        return parse_form(path, source=source)
    except FormParseError as exc:
        return exc


def _sources(paths: list[Path]) -> list[str]:
    """Each file's ``source``: its name, or ``folder/name`` where two files share a name."""
    counts: dict[str, int] = {}
    for path in paths:
        counts[path.name] = counts.get(path.name, 0) + 1
    return [path.name if counts[path.name] == 1 else f"{path.parent.name}/{path.name}" for path in paths]


def iter_forms(
    paths: Iterable[Path], jobs: int = 1, window: int = 2000
) -> Iterator[tuple[Path, RetentionCase | FormParseError]]:
    """Parse files in order, yielding the record or the error for each: a batch never stops.

    With ``jobs > 1``, ``jobs`` processes parse ``window`` files at a time (so
    memory stays bounded however many files there are).
    """
    paths = list(paths)
    items = list(zip(paths, _sources(paths), strict=True))
    if jobs <= 1 or len(paths) < 2 * window // 10:
        for item in items:
            yield item[0], _parse_path(item)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        for start in range(0, len(items), window):
            part = items[start : start + window]
            results = pool.map(_parse_path, part, chunksize=64)
            yield from zip([path for path, _ in part], results, strict=True)


class FormBatch(list[RetentionCase]):
    """The forms read from a batch: a list of :class:`RetentionCase`, plus ``failures``.

    ``failures`` holds one :class:`FormParseError` per file that could not be
    read, so nothing is dropped silently; :meth:`to_frame` gives one row per form.
    """

    def __init__(self, cases: Iterable[RetentionCase] = (), failures: Iterable[FormParseError] = ()):
        super().__init__(cases)
        self.failures: list[FormParseError] = list(failures)

    def to_frame(self) -> pd.DataFrame:
        """One row per parsed form, the parsed record's keys as columns."""
        import pandas as pd

        return pd.DataFrame([case.to_json_dict() for case in self])

    def __repr__(self) -> str:
        return f"FormBatch({len(self)} forms, {len(self.failures)} failures)"


def read_forms(
    folder_or_paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], progress: bool = False
) -> FormBatch:
    """Parse every form in a folder (or a list of paths), keeping going past bad files.

    Returns a :class:`FormBatch`: the parsed cases in file order and, in
    ``.failures``, an error naming each file that failed and why. ``progress``
    shows a progress bar (tqdm; silent when not on a terminal).
    """
    batch = FormBatch()
    paths = form_paths(folder_or_paths)
    results: Iterable[tuple[Path, RetentionCase | FormParseError]] = iter_forms(paths)
    for _, result in progress_bar(results, "forms", progress, total=len(paths), unit="form"):
        if isinstance(result, FormParseError):
            batch.failures.append(result)
        else:
            batch.append(result)
    return batch
