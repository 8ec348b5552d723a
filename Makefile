# The two commands a new user runs: `make run` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NOTEBOOKS_STAMP := $(VENV)/.notebooks-stamp
SCENARIO ?= scenarios/neighborhood.yaml
OUT      ?= runs/neighborhood
# pytest-xdist processes for `make test`; `make test WORKERS=8` on a machine with more cores.
WORKERS  ?= 2

.PHONY: install run test bench notebooks clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m twin.warmup
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/twin run $(SCENARIO) --out $(OUT)

test: install
	$(BIN)/python -m pytest -q -n $(WORKERS)

# JupyterLab on the notebooks/ (it serves on localhost and opens your browser).
$(NOTEBOOKS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,notebooks]"
	touch $(NOTEBOOKS_STAMP)

notebooks: $(NOTEBOOKS_STAMP)
	$(BIN)/jupyter lab notebooks/

bench: install
	$(BIN)/python benchmarks/bench_homes.py

clean:
	rm -rf $(VENV) runs .pytest_cache
