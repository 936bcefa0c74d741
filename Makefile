# The two set-up commands of the README: `make demo` (main job on the bundled data) and `make test`.
PYTHON ?= python3

.PHONY: install install-runtime demo model test bench lint

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"

install-runtime:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .

demo: install-runtime
	mkdir -p out
	churnlab score data/sample --out out/scores.csv
	churnlab worklist data/sample --out out/worklist.html
	churnlab network data/sample --as-of 2024-06-30 --out out/network_scores.csv

model: install
	churnlab train data/sample --out src/churnlab/models/default --seed 0

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/bench_parse.py
	$(PYTHON) benchmarks/bench_synth.py
	$(PYTHON) benchmarks/bench_models.py --speed
	$(PYTHON) benchmarks/bench_service.py
	$(PYTHON) benchmarks/bench_network.py

# The static checks (after `make install`): lint, formatting, types (mypy reads [tool.mypy] in
# pyproject.toml) and the layers contract. Every check runs even when one fails, so one run shows
# everything to fix; the target fails if any did.
LINT_PATHS = src tests benchmarks notebooks

lint:
	@status=0; \
	$(PYTHON) -m ruff check $(LINT_PATHS) || status=1; \
	$(PYTHON) -m ruff format --check $(LINT_PATHS) || status=1; \
	$(PYTHON) -m mypy || status=1; \
	lint-imports || status=1; \
	exit $$status
