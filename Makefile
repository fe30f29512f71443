# sosflow: `make run` starts everything on SQLite with demo users; `make test` runs the suite.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
VENDOR = api/static/vendor

.PHONY: run test install assets lint bench clean

run: install assets
	$(BIN)/sosflow run

test: install assets
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

# What the pages serve, from node_modules (never committed, nothing fetched at run time): GOV.UK Frontend and
# MOJ Frontend styles (their `/assets/` URLs pointed at our copy), fonts and images; bpmn-js styles;
# and our scripts in api/assets/ bundled by esbuild with the libraries they import.
GOVUK = node_modules/govuk-frontend/dist/govuk
MOJ = node_modules/@ministryofjustice/frontend/moj
ESBUILD = node_modules/.bin/esbuild --bundle --minify --format=esm --target=es2020 --log-level=warning

$(VENDOR)/.installed: node_modules/.installed api/assets/*.mjs api/assets/*.json tools/build_modeler.mjs
	mkdir -p $(VENDOR)/swagger-ui $(VENDOR)/assets $(VENDOR)/bpmn-js
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	   node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js $(VENDOR)/swagger-ui/
	cp -R $(GOVUK)/assets/. $(MOJ)/assets/. $(VENDOR)/assets/
	sed 's#/assets/#/static/vendor/assets/#g' $(GOVUK)/govuk-frontend.min.css > $(VENDOR)/govuk-frontend.min.css
	sed 's#/assets/#/static/vendor/assets/#g' $(MOJ)/moj-frontend.min.css > $(VENDOR)/moj-frontend.min.css
	cp -R node_modules/bpmn-js/dist/assets/. $(VENDOR)/bpmn-js/
	$(ESBUILD) api/assets/app.mjs --outfile=$(VENDOR)/app.js
	$(ESBUILD) api/assets/case.mjs --outfile=$(VENDOR)/case.js
	$(ESBUILD) api/assets/version.mjs --outfile=$(VENDOR)/version.js
	node tools/build_modeler.mjs $(VENDOR)/modeler.js
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css $(VENDOR)/
	$(ESBUILD) api/assets/dashboard.mjs --outfile=$(VENDOR)/dashboard.js
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/engine_throughput.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
