"""Training faults: a second run in the same --out-dir, a disk that fills while saving."""

import errno
import json
import os
import sys

import faultkit
import pytest
import torch

from llms_from_scratch import cli, fileio
from llms_from_scratch.ckpt import load_checkpoint
from llms_from_scratch.runlog import read_log

TINY = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--context-length", "16",
        "--batch-size", "4", "--eval-iters", "2", "--sample-tokens", "0", "--no-progress",
        "--warmup-iters", "2", "--device", "cpu"]
PREFIX = "llms-from-scratch train: error: "


@pytest.fixture
def text_file(tmp_path, verdict):
    path = tmp_path / "verdict.txt"
    path.write_text(verdict, encoding="utf-8")
    return path


def train(capsys, text_file, tmp_path, out, *extra):
    code = cli.main(["train", "--text", str(text_file), "--data-dir", str(tmp_path / "tokens"),
                     "--out-dir", str(out), *TINY, *map(str, extra)])
    captured = capsys.readouterr()
    return code, captured.err


def assert_one_line(code, err, *fragments):
    assert code == 1 and err.startswith(PREFIX) and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_second_run_in_the_same_out_dir_is_refused_and_a_killed_run_frees_it(
        capsys, text_file, tmp_path):
    out = tmp_path / "out"
    first = faultkit.python(
        "import sys\nfrom llms_from_scratch import cli\nsys.exit(cli.main(sys.argv[1:]))",
        "train", "--text", text_file, "--data-dir", tmp_path / "tokens", "--out-dir", out,
        *TINY, "--max-iters", "1000000", "--eval-interval", "1000000")
    try:
        faultkit.wait_for(lambda: (out / "ckpt.pt").exists(), timeout=120)  # step 0 saved
        code, err = train(capsys, text_file, tmp_path, out, "--resume", "--max-iters", "2")
        assert_one_line(code, err, "another training run", str(out))
        assert first.poll() is None  # the first run goes on undisturbed
    finally:
        first.kill()  # SIGKILL: no clean-up code runs
        first.wait()
    code, err = train(capsys, text_file, tmp_path, out, "--resume", "--max-iters", "2")
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["step"] == 2


def _torch_save_fails_when_full(monkeypatch):
    """Where mounting is not allowed: the second checkpoint hits a full disk."""
    real_save, calls = torch.save, []

    def save(obj, f, *args, **kwargs):
        calls.append(f)
        if len(calls) == 2:
            monkeypatch.setattr(fileio, "free_bytes", lambda folder: 0)
            raise RuntimeError("[enforce fail at inline_container.cc:626] . unexpected pos "
                               "1234 vs 1000")
        return real_save(obj, f, *args, **kwargs)
    monkeypatch.setattr(torch, "save", save)


def test_full_disk_while_saving_a_checkpoint_is_one_line_and_resume_finishes_the_run(
        capsys, text_file, tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    assert train(capsys, text_file, tmp_path, reference, "--max-iters", "0")[0] == 0
    size = (reference / "ckpt.pt").stat().st_size
    out = tmp_path / "out"
    mounted = faultkit.small_tmpfs(out, size + size // 2)  # one checkpoint, not a second
    if not mounted:
        with capsys.disabled():
            print("full disk: patched torch.save (mounting is not allowed here)",
                  file=sys.stderr)
        _torch_save_fails_when_full(monkeypatch)
    try:
        code, err = train(capsys, text_file, tmp_path, out, "--max-iters", "4",
                          "--eval-interval", "2")
        assert_one_line(code, err, "cannot write", str(out), "no space left",
                        "needs about", "--resume")
        assert load_checkpoint(out / "ckpt.pt")["step"] == 0  # intact
        train_records, _ = read_log(out)  # every line whole
        assert [r["step"] for r in train_records] == [0, 1]
        assert [p.name for p in out.iterdir() if ".tmp" in p.name] == []
        if mounted:
            assert faultkit.remount(out, "size=64m")  # space freed
        else:
            monkeypatch.undo()
        code, err = train(capsys, text_file, tmp_path, out, "--resume")
        assert code == 0, err
        assert json.loads((out / "summary.json").read_text())["step"] == 4
        assert [r["step"] for r in read_log(out)[0]] == [0, 1, 2, 3]
    finally:
        if mounted:
            faultkit.unmount(out)


def test_log_append_cut_short_by_a_full_disk_leaves_no_broken_line(tmp_path, monkeypatch):
    from llms_from_scratch.runlog import RunLog

    log = RunLog(tmp_path / "log.jsonl")
    log.write({"kind": "train", "step": 0, "loss": 1.0, "lr": 0.1})
    real_write = os.write

    def half_then_full(fd, data):
        if len(data) > 8:
            return real_write(fd, bytes(data[:8]))
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(fileio.WriteError) as err:
        log.write({"kind": "train", "step": 1, "loss": 0.9, "lr": 0.1})
    monkeypatch.undo()
    log.close()
    assert "\n" not in str(err.value) and str(tmp_path) in str(err.value)
    assert "--resume" in str(err.value)
    assert read_log(tmp_path) == ([{"kind": "train", "step": 0, "loss": 1.0, "lr": 0.1}], [])
