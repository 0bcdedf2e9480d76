"""``log.jsonl``: one JSON record per line, appended by a training run.

A write that the folder refuses (full disk, quota, read-only) is undone: the
file is cut back to its last complete line and a one-line ``fileio.WriteError``
says what to do, so the log never ends in a broken line. ``out_dir_lock``
keeps a second run out of the same ``--out-dir``.
"""

import contextlib
import json
import os
from pathlib import Path

from . import fileio
from .config import TrainError
from .i18n import N_, _

LOG_NAME = "log.jsonl"
RESUME_ADVICE = N_("free some space (or choose a writable --out-dir) and continue with "
                   "--resume; the last checkpoint is intact")


class RunLog:
    """An append-only ``log.jsonl``; ``write(record)`` adds one line."""

    def __init__(self, path):
        self.path = Path(path)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record):
        data = (json.dumps(record) + "\n").encode("utf-8")
        end = os.fstat(self.fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as err:
            with contextlib.suppress(OSError):  # no half line for a resumed run to trip on
                os.ftruncate(self.fd, end)
            if fileio.refusal_reason(err, self.path.parent) is None:
                raise
            raise fileio.refused(err, self.path, len(data), RESUME_ADVICE) from None

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def restart_log(path, step):
    """Keep the log's records up to ``step`` (a resumed run rewrites what follows)."""
    kept = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was stopped
            if record.get("kind") == "train" and record.get("step", step) < step \
                    or record.get("kind") == "eval" and record.get("step", step + 1) <= step:
                kept.append(line + "\n")
    fileio.write_text(path, "".join(kept), what_to_do=RESUME_ADVICE)


def read_log(out_dir):
    """The records of ``log.jsonl``: ``(train_records, eval_records)``."""
    train_records, eval_records = [], []
    path = Path(out_dir) / LOG_NAME
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        (train_records if record["kind"] == "train" else eval_records).append(record)
    return train_records, eval_records


def out_dir_lock(out_dir, is_main=True):
    """Hold ``out_dir/train.lock`` for the whole run (rank 0); refuse a second run at once.

    The lock goes when the process ends, however it ends (the OS drops it).
    """
    if not is_main:
        return contextlib.nullcontext()
    lock = fileio.file_lock(out_dir / "train", blocking=False)
    return _refusing(lock, out_dir)


@contextlib.contextmanager
def _refusing(lock, out_dir):
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        lock.__enter__()
    except fileio.LockHeldError:
        raise TrainError(_("another training run is using --out-dir {out_dir} (it holds "
                           "{lock_path}); wait for it to end or choose another --out-dir")
                         .format(out_dir=out_dir,
                                 lock_path=fileio.lock_path(out_dir / 'train'))) from None
    except OSError as err:
        raise TrainError(_("cannot create --out-dir {out_dir} ({strerror}); choose a folder you "
                           "can write to")
                         .format(out_dir=out_dir, strerror=fileio.os_reason(err))) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)
