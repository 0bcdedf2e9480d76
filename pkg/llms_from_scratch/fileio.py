"""Writing files so that a crash never leaves a half-written file in place.

``atomic_write`` fills a temporary sibling, flushes it to disk, renames it
over the target and flushes the folder, so that after a crash or a power cut
the file holds either the old bytes or all of the new ones. Every file the
package writes for keeps goes through it; ``file_lock`` lets several
processes share a folder.
"""

import contextlib
import errno
import os
import shutil
import time
import uuid
from pathlib import Path

from .errors import UserError, one_line
from .i18n import N_, _


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


def atomic_write(path, write, durable=True, needed=None, what_to_do=None, check=None):
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it into place.

    ``durable=False`` skips the ``fsync`` calls (for scratch files). ``check(tmp)``
    may read the file back and raise; ``path`` is replaced only after it passed,
    and is untouched if anything fails. A folder that refuses the write (full,
    quota, read-only) raises ``WriteError`` naming the folder, ``needed`` bytes
    and ``what_to_do``; other failures propagate unchanged.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        if durable:
            fsync_file(tmp)
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as err:
        if refusal_reason(err, path.parent) is None:
            raise
        raise refused(err, path, needed, what_to_do) from err
    finally:
        tmp.unlink(missing_ok=True)
    if durable:
        fsync_dir(path.parent)
    return path


def write_bytes(path, data, durable=True, what_to_do=None):
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), durable, len(data),
                        what_to_do)


def write_text(path, text, durable=True, what_to_do=None):
    return write_bytes(path, text.encode("utf-8"), durable, what_to_do)


# --- several processes, and file systems that refuse writes -------------------------------

# What an OSError's errno means, in the words shown to the reader (os_reason translates them;
# the operating system's own strerror is English whatever the locale).
OS_REASONS = {errno.ENOSPC: N_("no space left on the device"),
              getattr(errno, "EDQUOT", -1): N_("the disk quota is exhausted"),
              errno.EROFS: N_("the file system is read-only"),
              errno.EACCES: N_("permission denied"),
              errno.EPERM: N_("the operation is not permitted"),
              errno.ENOENT: N_("no such file or folder"),
              errno.EISDIR: N_("it is a folder, not a file"),
              errno.ENOTDIR: N_("a part of the path is not a folder"),
              errno.EEXIST: N_("it exists already"),
              errno.ENAMETOOLONG: N_("the name is too long"),
              errno.EIO: N_("an input/output error of the device"),
              errno.EMFILE: N_("too many open files")}
# The errors that mean the folder refuses a file (as opposed to a bug or a missing path).
_REFUSALS = (errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EROFS, errno.EACCES, errno.EPERM)


def os_reason(err):
    """Why the operating system refused, in the reader's language (``err.strerror`` where
    the errno has no entry in ``OS_REASONS``)."""
    text = OS_REASONS.get(getattr(err, "errno", None))
    if text is not None:
        return _(text)
    return getattr(err, "strerror", None) or one_line(err)


class WriteError(UserError):
    """A folder that would not take a file (full, over quota, read-only, not ours)."""

    def __init__(self, message, path=None, needed=None):
        super().__init__(message)
        self.path = path
        self.needed = needed


def _size(n):
    return f"{n / 1e6:,.1f} MB" if n >= 1e5 else f"{n:,} bytes"


def free_bytes(folder):
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def refusal_reason(err, folder):
    """Why ``err`` (raised while writing into ``folder``) is a refusal, or None if it is not.

    ``torch.save`` on a full disk raises a ``RuntimeError`` from C++ rather than
    an ``OSError``; that counts as a refusal when the folder has (almost) no
    space left.
    """
    if isinstance(err, OSError) and err.errno in _REFUSALS:
        return os_reason(err)
    if isinstance(err, RuntimeError):
        free = free_bytes(folder)
        if free is not None and free < (1 << 20):
            return _(OS_REASONS[errno.ENOSPC])
    return None


def refused(err, path, needed=None, what_to_do=None):
    """A ``WriteError`` that names the folder, the space the write needed and what to do."""
    path = Path(path)
    reason = refusal_reason(err, path.parent) or _("the write failed")
    free = free_bytes(path.parent)
    space = ""
    if needed is not None:
        space = _("; the file needs about {size}").format(size=_size(needed))
        if free is not None:
            space += _(", {size} are free there").format(size=_size(free))
    advice = (_(what_to_do) if what_to_do
              else _("free some space (or choose a writable folder) and run the command again"))
    return WriteError(_("cannot write {name} into {parent}: {reason}{space}; {advice}")
                      .format(name=path.name, parent=path.parent, reason=reason,
                              space=space, advice=advice),
                        path=path, needed=needed)


class LockHeldError(UserError):
    """Another process holds the lock that ``file_lock(..., blocking=False)`` asked for."""


def lock_path(path):
    path = Path(path)
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def file_lock(path, timeout=None, blocking=True):
    """Hold ``<path>.lock`` while making ``path``, so that one process makes it and the rest wait.

    A waiter waits for ever or ``timeout`` seconds (then ``TimeoutError``) and
    should then look whether ``path`` is there; ``blocking=False`` raises
    ``LockHeldError`` at once. The OS releases the lock when its process dies,
    even by SIGKILL. The lock file is removed while still held and a process
    that then locked a removed file tries again, so no lock file is left behind
    and no two processes hold the lock together. A folder that refuses the
    lock file raises the ``OSError`` (check ``refusal_reason``).
    """
    try:
        import fcntl
    except ImportError:  # Windows: filelock's msvcrt locks (their lock files stay)
        yield from _filelock(path, timeout, blocking)
        return
    lock = lock_path(path)
    fd = _acquire(fcntl, lock, timeout, blocking)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)  # releases the flock


def _acquire(fcntl, lock, timeout, blocking):
    """An open descriptor of ``lock`` that holds its flock, the file still being in place."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not blocking:
                        raise LockHeldError(_("{lock} is held by another process")
                                            .format(lock=lock)) from None
                    if deadline is not None and time.monotonic() > deadline:
                        raise TimeoutError(_("{lock} is still held after {timeout:g} s")
                                           .format(lock=lock, timeout=timeout)) from None
                    time.sleep(0.05)
            if _same_file(fd, lock):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed that file when it let go: lock the new one


def _same_file(fd, path):
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _filelock(path, timeout, blocking):
    from filelock import FileLock, Timeout

    try:
        with FileLock(str(lock_path(path)), timeout=(0 if not blocking else
                                                     -1 if timeout is None else timeout)):
            yield
    except Timeout:
        if not blocking:
            raise LockHeldError(_("{lock_path} is held by another process")
                                .format(lock_path=lock_path(path))) from None
        raise TimeoutError(_("{lock} is still held after {timeout:g} s")
                           .format(lock=lock_path(path), timeout=timeout)) from None
