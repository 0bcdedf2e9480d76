"""Writing files so that a crash never leaves a half-written file in place.

``atomic_write(path, write)`` lets ``write(tmp_path)`` fill a temporary file
in the same folder (a name unique to this process and call), flushes it to
disk, renames it over ``path`` and flushes the folder, so that after a crash
or a power cut ``path`` holds either the old bytes or all of the new ones.
Every file the package writes for keeps goes through it.
"""

import os
import uuid
from pathlib import Path


def temporary_name(path):
    """A sibling of ``path`` that no other process or call uses."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder):
    """Flush a folder's entries (a rename) to disk, where the OS allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, durable=True):
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it into place.

    ``durable=False`` skips the two ``fsync`` calls (for scratch files).
    The temporary file is removed if anything fails; ``path`` is untouched then.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        if durable:
            fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if durable:
        fsync_dir(path.parent)
    return path


def write_bytes(path, data, durable=True):
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), durable)


def write_text(path, text, durable=True):
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), durable)
