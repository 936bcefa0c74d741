# The two set-up commands of the README: `make demo` (main job on the bundled data) and `make test`.
# Python: the active virtualenv's; else the README's .venv when it exists (no need to activate it);
# else python3 on PATH. `make demo PYTHON=/path/to/python` picks another. The CLI always runs as
# `$(PYTHON) -m churnlab`, so no `churnlab` script needs to be on PATH.
PYTHON ?= $(if $(VIRTUAL_ENV),python3,$(if $(wildcard .venv/bin/python),.venv/bin/python,python3))

.PHONY: install install-runtime demo model test bench docs lint

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[dev]"

install-runtime:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e .

demo: install-runtime
	mkdir -p out
	$(PYTHON) -m churnlab score data/sample --out out/scores.csv
	$(PYTHON) -m churnlab worklist data/sample --out out/worklist.html
	$(PYTHON) -m churnlab network data/sample --as-of 2024-06-30 --out out/network_scores.csv

model: install
	$(PYTHON) -m churnlab train data/sample --out src/churnlab/models/default --seed 0

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) benchmarks/bench_parse.py
	$(PYTHON) benchmarks/bench_synth.py
	$(PYTHON) benchmarks/bench_models.py --speed
	$(PYTHON) benchmarks/bench_service.py
	$(PYTHON) benchmarks/bench_network.py

# The docs site into build/site, warnings as errors. Installs the `docs` extra's packages (by name,
# from pyproject.toml) only when missing; churnlab itself is read from src/, never reinstalled.
# CHURNLAB_DOCS_EXECUTE=false renders the notebooks without running them (a quick preview).
docs:
	$(PYTHON) -c "import mkdocs, material, mkdocstrings_handlers.python, mkdocs_jupyter" 2>/dev/null || \
	  $(PYTHON) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['docs'], sep='\\n')" \
	  | $(PYTHON) -m pip install --quiet --disable-pip-version-check -r /dev/stdin
	PYTHONPATH="$(CURDIR)/src$${PYTHONPATH:+:$$PYTHONPATH}" NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict

# The static checks (after `make install`): lint, formatting, types (mypy reads [tool.mypy] in
# pyproject.toml) and the layers contract. Every check runs even when one fails, so one run shows
# everything to fix; the target fails if any did.
LINT_PATHS = src tests benchmarks notebooks

lint:
	@status=0; \
	$(PYTHON) -m ruff check $(LINT_PATHS) || status=1; \
	$(PYTHON) -m ruff format --check $(LINT_PATHS) || status=1; \
	$(PYTHON) -m mypy || status=1; \
	$(PYTHON) -c "from importlinter.cli import lint_imports_command; lint_imports_command()" || status=1; \
	exit $$status
