# Two commands do all the set-up:  `make lab` opens the book, `make test` checks it.
# Both create (or refresh, when requirements change) the virtual environment .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test lint previous-chapters dist-check clean

$(STAMP): requirements.txt pkg/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt -e "./pkg[test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab

test: $(STAMP)
	$(BIN)/python tools/gen_previous_chapters.py --check
	$(BIN)/ruff check pkg tools
	$(BIN)/python -m pytest --nbval

lint: $(STAMP)
	$(BIN)/ruff check pkg tools

previous-chapters: $(STAMP)
	$(BIN)/python tools/gen_previous_chapters.py

dist-check: $(STAMP)
	$(BIN)/python tools/check_dist.py

clean:
	rm -rf $(VENV) pkg/build pkg/dist pkg/*.egg-info
