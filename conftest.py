"""Test set-up shared by the notebooks (nbval) and the package tests.

Tests must not depend on the network. When the project sits beside a
``shared/offline`` folder (the development and CI machines), or when
``LLMS_FROM_SCRATCH_OFFLINE_DIR`` names such a folder, the caches are pointed
at byte-exact copies of the book's downloads before anything runs. Notebook
kernels started by nbval inherit these variables. Variables already set by
the caller win.
"""

import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _offline_dir():
    env = os.environ.get("LLMS_FROM_SCRATCH_OFFLINE_DIR")
    candidate = Path(env) if env else ROOT.parent / "shared" / "offline"
    return candidate if candidate.is_dir() else None


def _point_caches_at_offline_copies():
    offline = _offline_dir()
    if offline is None:
        return
    if "TIKTOKEN_CACHE_DIR" not in os.environ and (offline / "tiktoken").is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(offline / "tiktoken")
    if "LLMS_FROM_SCRATCH_CACHE" not in os.environ and (offline / "data").is_dir():
        # A writable copy: cleaned texts and test files are written next to the data.
        cache = Path(tempfile.mkdtemp(prefix="llms-cache-")) / "cache"
        shutil.copytree(offline / "data", cache / "data")
        for path in cache.rglob("*"):
            path.chmod(0o644 if path.is_file() else 0o755)
        os.environ["LLMS_FROM_SCRATCH_CACHE"] = str(cache)


_point_caches_at_offline_copies()
