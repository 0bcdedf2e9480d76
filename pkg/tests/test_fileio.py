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
        raise OSError(28, "No space left on device")

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
