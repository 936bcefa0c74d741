# The two set-up commands of the README: `make demo` (main job on the bundled data) and `make test`.
PYTHON ?= python3

.PHONY: install demo test bench

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"

demo: install
	churnlab parse data/case_records

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/bench_parse.py
