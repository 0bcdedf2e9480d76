"""Helpers of the fault-injection tests: a slow local HTTP server, mounts, child processes.

``slow_server`` serves ``BODY`` from 127.0.0.1 in small pieces with pauses,
so that several processes are downloading at the same time and a SIGKILL
lands in the middle of a transfer; it counts the requests and the bytes sent
per path. ``small_tmpfs`` and ``read_only`` mount a size-limited tmpfs or
remount one read-only where the machine allows mounting (root, also inside
``unshare -n``); elsewhere they return None and the tests fall back to
patching the writes to raise ``ENOSPC``/``EROFS``
(``LLMS_FAULTS_NO_MOUNT=1`` takes the fallbacks even where mounting works).
"""

import errno
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BODY = bytes(range(251)) * 2000  # 502,000 bytes
DIGEST = hashlib.sha256(BODY).hexdigest()
PIECE = 16_384
PKG = Path(__file__).resolve().parents[1]


class _SlowHandler(BaseHTTPRequestHandler):
    hits = Counter()
    sent = Counter()
    pause = 0.01

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        type(self).hits[self.path] += 1
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(BODY) - start))
        self.end_headers()
        try:
            for i in range(start, len(BODY), PIECE):
                self.wfile.write(BODY[i:i + PIECE])
                type(self).sent[self.path] += len(BODY[i:i + PIECE])
                time.sleep(self.pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed


class SlowServer:
    def __init__(self):
        _SlowHandler.hits, _SlowHandler.sent = Counter(), Counter()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.hits, self.sent = _SlowHandler.hits, _SlowHandler.sent

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# -- mounting --------------------------------------------------------------------------------

def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True).returncode == 0


def small_tmpfs(folder, size):
    """Mount a tmpfs of ``size`` bytes on ``folder``; False where mounting is not allowed."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    if os.environ.get("LLMS_FAULTS_NO_MOUNT"):  # to run the fallbacks on purpose
        return False
    return os.geteuid() == 0 and _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                        str(folder))


def remount(folder, options):
    return _mount("-o", f"remount,{options}", str(folder))


def unmount(folder):
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def refuse_writes_under(monkeypatch, folder, code=errno.EROFS):
    """Without mounting: every open for writing, rename or mkdir under ``folder`` fails."""
    import builtins
    import io

    folder = str(Path(folder).resolve())

    def under(path):
        try:
            return str(Path(os.fspath(path)).resolve()).startswith(folder)
        except TypeError:
            return False  # a file descriptor

    def fail(path):
        raise OSError(code, os.strerror(code), str(path))

    real_open, real_os_open = io.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and under(file):
            fail(file)
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and under(path):
            fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guard(real):
        def guarded(src, *args, **kwargs):
            if under(src):
                fail(src)
            return real(src, *args, **kwargs)
        return guarded

    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in ("replace", "rename", "mkdir", "unlink"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


# -- child processes -------------------------------------------------------------------------

def child_env(**extra):
    env = dict(os.environ, PYTHONPATH=str(PKG), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def python(code, *args, **env):
    """A child ``python -c code args...`` with the package of this checkout importable."""
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=child_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the child process")
        time.sleep(0.02)


# -- damage inside files ---------------------------------------------------------------------

def record_span(path):
    """``(start, size, name)`` of the bytes of the largest tensor in a ``torch.save`` file.

    ``torch.save`` writes each tensor's storage as a zip record ``<archive>/data/<key>``
    (stored, not compressed), next to the pickle ``data.pkl``; a bit flipped in that
    span changes one number and leaves the zip and the pickle readable.
    """
    import struct
    import zipfile

    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if "/data/" in i.filename]
    info = max(infos, key=lambda i: i.file_size)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        name_len, extra_len = struct.unpack("<HH", f.read(30)[26:30])
    return info.header_offset + 30 + name_len + extra_len, info.file_size, info.filename


def flip_bit(path, position, bit):
    """Flip one bit of the byte at ``position``: the file keeps its size and structure."""
    with open(path, "r+b") as f:
        f.seek(position)
        byte = f.read(1)[0]
        f.seek(position)
        f.write(bytes([byte ^ (1 << bit)]))
