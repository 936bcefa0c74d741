"""The generator: synthetic forms, glosas and networks whose true probabilities are known.

Only two real case records exist, so models are trained and judged on
generated data too; every assumption is stated in the generator's modules and
none was estimated from real data. Public (``from churnlab.synthetic import ...``):

- retention cases: :func:`generate` simulates them, :func:`write_dataset`
  writes a data folder ('Batch CLI' in the docs,
  docs/concepts/contracts/batch-cli.md) with ``truth.csv`` beside it;
- a network: :func:`generate_network` simulates dentists month by month,
  :func:`write_network` writes its files ('Network files',
  docs/concepts/contracts/network-files.md) with ``network_truth.csv``;
  :func:`generate_hazard_network` simulates another network on a different
  mechanism (a hidden Markov engagement, shocks, a late export), written by
  the same :func:`write_network`.

The modules inside this package are internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from churnlab._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "generate": "churnlab.synthetic.generator",
    "write_dataset": "churnlab.synthetic.writer",
    "generate_network": "churnlab.synthetic.network",
    "write_network": "churnlab.synthetic.network",
    "generate_hazard_network": "churnlab.synthetic.network_hazard",
}

__all__ = ["generate", "generate_hazard_network", "generate_network", "write_dataset", "write_network"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from churnlab.synthetic.generator import generate
    from churnlab.synthetic.network import generate_network, write_network
    from churnlab.synthetic.network_hazard import generate_hazard_network
    from churnlab.synthetic.writer import write_dataset
