"""Writing a synthetic data folder: forms in every layout, glosas.csv, truth.csv.

The folder is the one described in 'Batch CLI' (docs/concepts/contracts/batch-cli.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from churnlab.io.csv_writer import write_csv
from churnlab.io.glosas import COLUMNS as GLOSA_FRAME_COLUMNS
from churnlab.synthetic.generator import SyntheticData

# --- writing a data folder -------------------------------------------------------------

_EXTENSIONS = {"plain": ".txt", "markdown": ".md", "docx": ".docx"}


def write_dataset(
    data: SyntheticData,
    out_dir: str | Path,
    *,
    layouts: tuple[str, ...] = ("plain", "markdown", "docx"),
    seed: int = 0,
    docx_share: float = 0.03,
) -> Path:
    """Write a data folder ('Batch CLI' in the docs): ``forms/``, ``glosas.csv`` and ``truth.csv``.

    Each form is rendered in a layout drawn from ``layouts`` (``docx`` for
    about ``docx_share`` of them, each with one of Word's box controls or a mix
    of them, the text layouts evenly otherwise) with
    random noise (shifted CPF/CNPJ, misspelt labels, CRLF line ends, extra
    spaces in the markdown layout) that never changes a value. File names are
    the case's ``source`` plus the layout's extension (``case_00001.txt``,
    ``.md``, ``.docx``); ``truth.csv`` names the same files.

    Parameters
    ----------
    data : SyntheticData
        From :func:`generate`.
    out_dir : str or Path
        Folder to create or fill.
    layouts : tuple of str
        Any of ``"plain"``, ``"markdown"``, ``"docx"``.
    seed : int
        Seed of the layout and noise draws.
    docx_share : float
        Share of ``.docx`` forms when ``"docx"`` is in ``layouts``.

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> from churnlab.synthetic.generator import generate
    >>> data = generate(5, seed=3)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_dataset(data, folder, layouts=("plain",), seed=3)
    ...     sorted(p.name for p in out.iterdir())
    ['forms', 'glosas.csv', 'truth.csv']
    """
    from churnlab.io.glosas import write_glosa_csv
    from churnlab.synthetic.render import render_docx, render_markdown, render_plain
    from churnlab.synthetic.word_boxes import BOX_KINDS

    unknown = set(layouts) - set(_EXTENSIONS)
    if unknown or not layouts:
        raise ValueError(f"layouts must be among {sorted(_EXTENSIONS)}, got {layouts!r}")
    rng = np.random.default_rng(seed)
    # Word's box controls drawn from their own stream, so the text forms stay as before.
    box_rng = rng.spawn(1)[0]
    out = Path(out_dir)
    forms = out / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    text_layouts = [lay for lay in layouts if lay != "docx"]
    names = []
    for case in data.cases:
        if "docx" in layouts and (not text_layouts or rng.random() < docx_share):
            layout = "docx"
        else:
            layout = text_layouts[int(rng.integers(0, len(text_layouts)))]
        name = Path(case.source).stem + _EXTENSIONS[layout]
        names.append(name)
        noise: dict[str, Any] = {
            "shift_documents": bool(rng.random() < 0.2),
            "misspell": [None, True, False][int(rng.integers(0, 3))],
        }
        if layout == "docx":
            mixed = {"status": "legacy", "actions": "content_control", "other": "symbol"}
            kinds: list[str | dict[str, str]] = [*BOX_KINDS, mixed]
            render_docx(case, forms / name, boxes=kinds[int(box_rng.integers(0, len(kinds)))], **noise)
            continue
        noise["crlf"] = bool(rng.random() < 0.1)
        noise["extra_spaces"] = bool(rng.random() < 0.1)
        render = render_plain if layout == "plain" else render_markdown
        text = render(case, **noise)
        (forms / name).write_bytes(text.encode("utf-8"))
    glosas = data.glosas[list(GLOSA_FRAME_COLUMNS)]
    write_glosa_csv(glosas, out / "glosas.csv")
    truth = data.truth.copy()
    truth["source"] = names
    write_csv(truth, out / "truth.csv")
    return out
