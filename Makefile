# Two commands for a new machine: `make run` and `make test`. Everything they need is
# installed here (a venv under the repo, npm ci, and the Debian packages), once;
# a second run reuses it and starts in seconds.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
TONGGUAN := $(VENV)/bin/tongguan
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
APT_STAMP := $(VENV)/.debian-packages
MANIFEST := static/dist/.vite/manifest.json
MO := tongguan/translations/en/LC_MESSAGES/messages.mo
DEBIAN_PACKAGES := chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install assets translations system-deps i18n-extract clean

run: install
	@$(TONGGUAN) db upgrade
	@$(TONGGUAN) demo seed
	@echo ""
	@echo "  Tongguan: open http://$(HOST):$(PORT)  --  demo login: admin / tongguan2026"
	@echo "  (also catalog, data, author, dispatch, handler, street, leader with the same password)"
	@echo ""
	@$(TONGGUAN) serve --host $(HOST) --port $(PORT)

test: install
	@$(PY) -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',5432)))" \
	  || echo "make test: PostgreSQL does not answer on 127.0.0.1:5432; its half of the suite is skipped (fails if TONGGUAN_REQUIRE_SERVICES=1)"
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(PY_STAMP) $(APT_STAMP) $(MANIFEST) $(MO)

$(PY):
	python3 -m venv $(VENV)

$(PY_STAMP): setup.cfg pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,celery]'
	@touch $@

# Chromium drives the browser tests; the CJK font renders Chinese in PDFs and charts;
# poppler-utils reads PDFs back; WeasyPrint lays out PDFs with Pango and subsets fonts with
# HarfBuzz. Only what is missing is installed.
$(APT_STAMP): | $(PY)
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	for lib in libpango-1.0-0:libpango-1.0.so.0 libpangoft2-1.0-0:libpangoft2-1.0.so.0 \
	           libharfbuzz-subset0:libharfbuzz-subset.so.0; do \
	  /sbin/ldconfig -p 2>/dev/null | grep -q "$${lib#*:}" || missing="$$missing $${lib%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(MANIFEST): $(NPM_STAMP) vite.config.ts scripts/copy-vendor.mjs $(shell find static/src -type f 2>/dev/null)
	npm run --silent build

assets: $(MANIFEST)

$(MO): tongguan/translations/en/LC_MESSAGES/messages.po | $(PY_STAMP)
	$(VENV)/bin/pybabel -q compile -d tongguan/translations

translations: $(MO)

# Developers: refresh the catalog after adding strings (then translate the new entries).
i18n-extract: $(PY_STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o tongguan/translations/messages.pot tongguan catalog builder components templates_lib report_engine runtime
	$(VENV)/bin/pybabel update -i tongguan/translations/messages.pot -d tongguan/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules static/dist static/vendor $(MO)
