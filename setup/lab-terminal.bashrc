# Read by the terminals of `make lab` (bash --rcfile, see the Makefile): the reader's own
# ~/.bashrc first, then the book's virtual environment, so that python, pip and
# llms-from-scratch are the book's. JupyterLab itself would start a login shell when its
# output is not a terminal (nohup, a service, a log file), and /etc/profile would then reset
# PATH and lose .venv/bin.
if [ -f "$HOME/.bashrc" ]; then
    . "$HOME/.bashrc"
fi
if [ -n "$LLMS_FROM_SCRATCH_VENV" ] && [ -f "$LLMS_FROM_SCRATCH_VENV/bin/activate" ]; then
    . "$LLMS_FROM_SCRATCH_VENV/bin/activate"
fi
