import os

import pytest

from llms_from_scratch import fileio
from llms_from_scratch.errors import UserError, one_line


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    fileio.write_text(target, "old")
    fileio.write_text(target, "新しい")
    assert target.read_text(encoding="utf-8") == "新しい"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_failed_write_keeps_previous_file_and_removes_temporary(tmp_path):
    target = tmp_path / "ckpt.bin"
    fileio.write_bytes(target, b"previous")

    def half_then_fail(tmp):
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise OSError(5, "Input/output error")  # not a refusal: propagates as it is

    with pytest.raises(OSError):
        fileio.atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.bin"]


def test_temporary_names_differ_between_calls(tmp_path):
    names = {fileio.temporary_name(tmp_path / "x").name for _ in range(50)}
    assert len(names) == 50
    assert all(str(os.getpid()) in n for n in names)


def test_durable_write_flushes_file_and_folder(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    fileio.write_bytes(tmp_path / "f", b"x")
    assert len(synced) == 2
    synced.clear()
    fileio.write_bytes(tmp_path / "g", b"x", durable=False)
    assert synced == []


def test_user_error_is_value_error_and_one_line_joins_lines():
    assert issubclass(UserError, ValueError)
    assert one_line(UserError("first\n  second")) == "first second"
    assert one_line(RuntimeError()) == "RuntimeError"


def test_full_disk_is_one_line_naming_folder_and_size_and_keeps_old_file(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "summary.json"
    fileio.write_text(target, "old")

    def full(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(fileio.WriteError) as info:
        fileio.atomic_write(target, full, needed=3_000_000)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message
    assert "no space left" in message and "3.0 MB" in message
    assert target.read_text() == "old"


def test_torch_save_runtime_error_on_full_disk_counts_as_refusal(tmp_path, monkeypatch):
    monkeypatch.setattr(fileio, "free_bytes", lambda folder: 0)

    def torch_like(tmp):
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 64")

    with pytest.raises(fileio.WriteError, match="no space left"):
        fileio.atomic_write(tmp_path / "ckpt.pt", torch_like)


def test_runtime_error_with_space_left_is_a_bug_and_propagates(tmp_path):
    def buggy(tmp):
        raise RuntimeError("a real bug")

    with pytest.raises(RuntimeError, match="a real bug"):
        fileio.atomic_write(tmp_path / "x", buggy)


def test_file_lock_lets_one_process_make_the_file(tmp_path):
    import multiprocessing as mp

    target = tmp_path / "made.txt"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_make_once, args=(str(target),)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert target.read_text() == "made"
    assert (tmp_path / "made.txt.count").read_text() == "x"  # made once, by one process


def _make_once(target):
    import time
    from pathlib import Path

    from llms_from_scratch import fileio

    target = Path(target)
    with fileio.file_lock(target):
        if target.exists():
            return
        time.sleep(0.2)
        with open(target.with_name(target.name + ".count"), "a") as f:
            f.write("x")
        fileio.write_text(target, "made")
