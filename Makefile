# Two commands do all the set-up:  `make lab` opens the book, `make test` checks it.
# Both create (or refresh, when requirements change) the virtual environment .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UNAME  := $(shell uname -s)

# torch is installed first, on its own, so that the right build comes in
# (tools/install_torch.py asks the index once and falls back to PyPI when it does not answer):
# Linux without an NVIDIA GPU (no nvidia-smi) gets the CPU build from PyTorch's
# CPU index (a few hundred MB instead of several GB of CUDA wheels); Linux with
# nvidia-smi, Windows and macOS (MPS) get the default wheel from the package index.
# Override either, e.g. `make lab TORCH_INDEX=https://download.pytorch.org/whl/cu126`
# or `make lab TORCH_INDEX= TORCH_SPEC=torch==2.13.0` (a wheel pip finds locally).
TORCH_SPEC  ?= torch>=2.6
TORCH_INDEX ?= $(if $(and $(filter Linux,$(UNAME)),$(if $(shell command -v nvidia-smi),,none)),https://download.pytorch.org/whl/cpu)

# JupyterLab refuses to start as root without --allow-root (containers, cloud VMs);
# with no display on Linux there is no browser to open, so it only prints the URL.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root) \
            $(if $(and $(filter Linux,$(UNAME)),$(if $(DISPLAY)$(WAYLAND_DISPLAY),,none)),--no-browser)

# The start message in the reader's language (the package's rule: LANGUAGE, LC_ALL,
# LC_MESSAGES, LANG; the first one set decides).
LOCALE := $(firstword $(LANGUAGE) $(LC_ALL) $(LC_MESSAGES) $(LANG))
LAB_MESSAGE := $(if $(filter ja%,$(LOCALE)),\
  JupyterLab を起動します。表示される ?token= 付きの URL を開いてください（Ctrl-C で止まります）。目次は index.ipynb、ターミナルでは llms-from-scratch コマンドが使えます。,\
  Starting JupyterLab: open the URL with ?token= that it prints (Ctrl-C stops it). The book starts at index.ipynb; its terminals have the llms-from-scratch command.)

# JupyterLab's terminals: bash with setup/lab-terminal.bashrc (the reader's ~/.bashrc, then
# .venv activated), not the login shell that JupyterLab starts when its output is not a
# terminal (/etc/profile would reset PATH). Without bash, JupyterLab's own choice.
TERMINAL_SETTINGS := '{"shell_command": ["bash", "--rcfile", "$(abspath setup/lab-terminal.bashrc)"]}'
LAB_TERMINAL := $(if $(shell command -v bash),--ServerApp.terminado_settings=$(TERMINAL_SETTINGS))

# JupyterLab opens on the book's table of contents: the URL it prints (and the browser it
# starts) is /lab/tree/index.ipynb, also without a browser (a file argument would not show there).
OPEN_TOC := --LabApp.default_url=/lab/tree/index.ipynb

COLAB_SIM := .colab-sim

.PHONY: lab test nbval-portable lint previous-chapters colab-cells dist-check colab-sim colab-sim-prepare gpu-check gpu-check-prepare clean

$(STAMP): requirements.txt pkg/pyproject.toml bench/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python tools/install_torch.py "$(TORCH_INDEX)" "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -r requirements.txt -e "./pkg[test]" -e ./bench
	touch $(STAMP)

lab: $(STAMP)
	@echo "$(strip $(LAB_MESSAGE))"
	PATH="$(abspath $(BIN)):$$PATH" LLMS_FROM_SCRATCH_VENV="$(abspath $(VENV))" $(BIN)/jupyter lab $(strip $(LAB_ARGS)) $(LAB_TERMINAL) $(OPEN_TOC)

test: $(STAMP)
	$(BIN)/python tools/gen_previous_chapters.py --check
	$(BIN)/python tools/colab_cells.py --check
	$(BIN)/ruff check pkg tools bench
	$(BIN)/python -m pytest --nbval

# The stored outputs must not depend on the CPU that made them. This repeats the
# notebooks' check on other kernels: ATen without vector instructions, oneMKL
# limited to SSE4.2, one thread. Run it after re-executing a notebook; it takes
# longer than the notebooks in `make test` (52 min on a 2-core machine, ch05's
# training cell alone 33 min, past nbval's default 2000 s cell limit on a slower
# one), so it is not part of it.
nbval-portable: $(STAMP)
	ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=SSE4_2 OMP_NUM_THREADS=1 \
		$(BIN)/python -m pytest --nbval --nbval-cell-timeout=7200 ch01 ch02 ch03 ch04 ch05 appendix-D

lint: $(STAMP)
	$(BIN)/ruff check pkg tools bench

previous-chapters: $(STAMP)
	$(BIN)/python tools/gen_previous_chapters.py

# Rewrites the Colab cell and the "Open in Colab" links from pkg/pyproject.toml.
colab-cells: $(STAMP)
	$(BIN)/python tools/colab_cells.py

dist-check: $(STAMP)
	$(BIN)/python tools/check_dist.py

# The Colab simulation (tools/colab_sim.py). `prepare` needs the package index
# once; the run itself is offline and executes every notebook alone in an empty folder.
colab-sim-prepare: $(STAMP)
	$(BIN)/python tools/colab_sim.py prepare --dir $(COLAB_SIM)

colab-sim: colab-sim-prepare
	$(BIN)/python tools/colab_sim.py run --dir $(COLAB_SIM) --all

# The book on one NVIDIA GPU in one command of at most 8 minutes (docs/gpu-check.md):
# the train recipe beside nanoGPT's train.py, bench, and the notebooks that train.
# `gpu-check-prepare` copies nanoGPT and the offline data into .gpu-check/ first
# (the GPU machine has no internet; carry that folder along). On the GPU machine,
# with its preinstalled torch (no .venv there, so python3 runs it):
# `python3 -m pip install --no-deps -e ./pkg -e ./bench`, then `make gpu-check`.
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
gpu-check:
	$(GPU_PYTHON) tools/gpu_check.py run

gpu-check-prepare:
	$(PYTHON) tools/gpu_check.py prepare

clean:
	rm -rf $(VENV) $(COLAB_SIM) pkg/build pkg/dist pkg/*.egg-info
