# sosflow: `make run` starts everything on SQLite with demo users; `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
VENDOR = api/static/vendor

.PHONY: run test install assets lint bench clean

run: install assets
	$(BIN)/sosflow run

test: install node_modules/.installed
	$(BIN)/pytest -q

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

assets: $(VENDOR)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

$(VENDOR)/.installed: node_modules/.installed
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js $(VENDOR)/swagger-ui/
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/engine_throughput.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
