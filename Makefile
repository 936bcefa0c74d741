# The two set-up commands of the README: `make demo` (main job on the bundled data) and `make test`.
PYTHON ?= python3

.PHONY: install install-runtime demo model test bench

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
