"""Ctrl-C (SIGINT) and SIGTERM at any instant of a command, start-up included.

A real ``python -m llms_from_scratch train`` gets the signal at several
instants from its start: while Python and torch import, while the token
files are prepared, while it trains and saves. Whatever it was doing when
the signal landed (on a loaded machine the instants shift), it must end
with exit code 130 (143 for SIGTERM), exactly one line on stderr and no
traceback, and leave no half-written file. Also here: the command line
imports torch, matplotlib and the benchmark only for the commands that need
them, and tunes the allocator only for ``train`` and ``bench``.
"""

import json
import os
import signal
import subprocess
import sys
import time

import faultkit
import pytest
from test_faults_train import TINY

from llms_from_scratch import cli, cpu_memory, data
from llms_from_scratch.ckpt import load_checkpoint
from llms_from_scratch.runlog import read_log

SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}
INSTANTS = [0.05, 0.2, 0.5, 1.0, 2.0]  # seconds after the process started


def _hold_signals():
    """In the child before exec: SIGINT and SIGTERM wait until the package takes them.

    Before the package's first line runs, Python itself starts (30-60 ms here,
    longer on a loaded machine: site imports the .pth files of the
    environment); a signal landing there meets Python's defaults, which no
    package can change. Held, it is delivered when ``interrupts.install()``
    lets it in, the first thing ``python -m llms_from_scratch`` does, so each
    instant below tests the package whatever the machine's load.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def start_train(tmp_path, text_file):
    argv = [sys.executable, "-m", "llms_from_scratch", "train", "--text", str(text_file),
            "--data-dir", str(tmp_path / "tokens"), "--out-dir", str(tmp_path / "out"),
            *TINY, "--max-iters", "1000000", "--eval-interval", "20"]
    return subprocess.Popen(argv, env=faultkit.child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_hold_signals)


def finish(child, timeout=60):
    """``(stdout, stderr)`` of a child that got its signal; it is killed if it goes on."""
    try:
        return child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise AssertionError(f"the command went on for {timeout} s after the signal") from None


def assert_nothing_half_written(tmp_path):
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith((".tmp", ".lock"))]
    assert leftovers == []
    out, tokens = tmp_path / "out", tmp_path / "tokens"
    if (out / "ckpt.pt").exists():
        load_checkpoint(out / "ckpt.pt")  # whole and verified, or it raises
    if (out / "config.json").exists():
        json.loads((out / "config.json").read_text(encoding="utf-8"))
    if (out / "log.jsonl").exists():
        read_log(out)  # every line whole, or it raises
    meta = data.read_meta(tokens)
    assert (tokens / "meta.json").exists() == (meta is not None)
    if meta is not None:
        assert data.meta_problems(meta, tokens) == []


def assert_one_line_exit(child, code, err):
    assert child.returncode == code, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("llms-from-scratch train: interrupted"), err
    if code == 143:
        assert "(SIGTERM)" in err


@pytest.fixture
def text_file(tmp_path, verdict):
    path = tmp_path / "verdict.txt"
    path.write_text(verdict * 4, encoding="utf-8")
    return path


@pytest.mark.parametrize("instant", INSTANTS)
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_at_any_instant_of_train_is_one_line_and_loses_nothing(
        tmp_path, text_file, name, instant):
    signum, code = SIGNALS[name]
    child = start_train(tmp_path, text_file)
    time.sleep(instant)
    child.send_signal(signum)
    _, err = finish(child)
    assert_one_line_exit(child, code, err)
    assert_nothing_half_written(tmp_path)


@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_while_training_and_saving_is_one_line_and_the_checkpoint_loads(
        tmp_path, text_file, name):
    signum, code = SIGNALS[name]
    child = start_train(tmp_path, text_file)
    faultkit.wait_for(lambda: (tmp_path / "out" / "ckpt.pt").exists(), timeout=120)
    time.sleep(0.3)  # some steps on, perhaps in the middle of the next save
    child.send_signal(signum)
    _, err = finish(child)
    assert_one_line_exit(child, code, err)
    assert "add --resume" in err
    assert_nothing_half_written(tmp_path)


HEAVY = ("torch", "matplotlib", "transformers")
LIST_MODULES = """
import sys
from llms_from_scratch import cli
for argv in ([], ["--help"], ["download"], ["check", "--help"], ["download", "--help"],
             ["train", "--help"], ["generate", "--help"]):
    try:
        cli.main(argv)
    except SystemExit:
        pass
    print("modules:", " ".join(sorted({m.split(".")[0] for m in sys.modules}
                          | {m for m in sys.modules if ".bench" in m})))
"""


def test_every_help_download_and_check_start_without_torch_matplotlib_or_the_benchmark():
    child = faultkit.python(LIST_MODULES)
    out, err = child.communicate(timeout=120)
    lines = [line for line in out.splitlines() if line.startswith("modules:")]
    assert len(lines) == 7, out + err
    for line in lines:
        loaded = set(line.split())
        assert not loaded & set(HEAVY), line
        assert not any(m.startswith("llms_from_scratch_bench") or ".bench" in m
                       for m in loaded), line


def test_the_allocator_is_tuned_only_for_train_and_bench(capsys, tmp_path, text_file,
                                                          monkeypatch):
    calls = []
    monkeypatch.setattr(cpu_memory, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.delenv("THP_MEM_ALLOC_ENABLE", raising=False)
    assert cli.main(["download"]) == 0
    assert cli.main(["previous-chapters", "ch04", "--out-dir", str(tmp_path / "pc")]) == 0
    assert calls == [] and "THP_MEM_ALLOC_ENABLE" not in os.environ
    assert cli.main(["train", "--text", str(text_file), "--data-dir", str(tmp_path / "tokens"),
                     "--out-dir", str(tmp_path / "out"), *TINY, "--max-iters", "0"]) == 0
    assert calls == [1] and os.environ["THP_MEM_ALLOC_ENABLE"] == "1"
    capsys.readouterr()


def test_bench_without_the_benchmark_installed_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "llms_from_scratch_bench", None)  # import fails
    assert cli.main(["bench", "--quick"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "pip install -e ./bench" in err
