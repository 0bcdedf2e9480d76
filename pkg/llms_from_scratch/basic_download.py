"""A short download of the book's files: what the chapter folders' copies carry.

``fetch(name)`` stores each file of asset ``name`` (see ``catalog``) in the
book's cache once: the body goes to a temporary sibling, its SHA-256 is
checked, and only then is it renamed into place; of a zip archive only the
member the book reads is kept. ``read_text`` and ``gpt2_tokenizer`` build on
it. The copies (``previous_chapters.py``) carry this module so that a
notebook runs from its folder alone; the package itself downloads through
``assets``, which adds resumed downloads, retries and advice for each kind of
failure, and shares the cache, ``text_of`` and ``clean_aozora`` with this one.
"""

import errno
import hashlib
import os
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import tiktoken

from .catalog import ASSETS, USER_AGENT, local_path, tiktoken_cache_dir
from .i18n import _


def sha256_of(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _place(dest, write, sha256=None):
    """Fill a sibling of ``dest`` with ``write(tmp)``; rename it once its SHA-256 matches."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        if sha256 is not None and sha256_of(tmp) != sha256:
            raise OSError(_("{name} arrived with another SHA-256 than {sha256}")
                          .format(name=dest.name, sha256=sha256))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())  # the bytes are on disk before the final name is
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def download_file(url, dest, sha256=None, *, progress=False, desc=None):
    """Download ``url`` to ``dest`` in one go and return ``dest`` as a ``Path``.

    ``dest`` only ever holds a complete file that matches ``sha256`` (when
    given). There is no progress bar and no resume here (``progress`` and
    ``desc`` are accepted for the package's signature); ``assets`` has both.
    """
    def write(tmp):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=60) as response, open(tmp, "wb") as f:
            shutil.copyfileobj(response, f, 1 << 20)

    try:
        return _place(Path(dest), write, sha256)
    except (OSError, ValueError) as err:  # URLError is an OSError; ValueError: a bad URL
        reason = " ".join(str(getattr(err, "reason", None) or err).split())
        raise OSError(_("could not download {url} ({reason}); check the internet connection "
                        "and run again, or download it elsewhere and place it at {dest}")
                      .format(url=url, reason=reason, dest=dest)) from None


def fetch(name, progress=False):
    """Make sure asset ``name`` is in the cache; return the path of its first file."""
    for remote in ASSETS[name].files:
        path = local_path(remote)
        if path.exists():
            continue
        if remote.zip_member is None:
            download_file(remote.url, path, remote.sha256)
            continue
        archive = download_file(remote.url, path.with_name(path.name + ".zip"))
        with zipfile.ZipFile(archive) as zf:
            member = next(n for n in zf.namelist() if n.split("/")[-1] == remote.zip_member)
            _place(path, lambda tmp: tmp.write_bytes(zf.read(member)), remote.sha256)  # noqa: B023
        archive.unlink()
    return local_path(ASSETS[name].files[0])


def clean_aozora(text):
    """Plain text from an Aozora Bunko file: no header, footer, ruby or notes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Header: title, author, then a block between two dashed lines explaining
    # the markup. Footer: the bibliography from the line starting with 底本：.
    parts = re.split(r"\n-{20,}\n", text, maxsplit=2)
    if len(parts) == 3:
        text = parts[2]
    footer = re.search(r"\n底本：", text)
    if footer:
        text = text[:footer.start()]
    text = re.sub(r"※?［＃[^］]*］", "", text)  # editor's notes (※ marks a missing glyph)
    text = re.sub(r"《[^》]*》", "", text)  # ruby readings
    text = text.replace("｜", "")  # marks where a ruby's base text starts
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def text_of(remote, path, write_text=None):
    """The text of ``remote`` stored at ``path``; Aozora files are decoded and cleaned once.

    The cleaned copy is kept with ``write_text(path, text)`` (the package's
    locked writer) or ``_place``; a folder that refuses it (read-only, full)
    is no error: the text is then cleaned in memory on every call."""
    if "aozora.gr.jp" not in remote.url:
        return Path(path).read_text(encoding="utf-8")
    cleaned = Path(path).with_name(Path(path).stem + ".utf8.txt")
    if cleaned.exists():
        return cleaned.read_text(encoding="utf-8")
    text = clean_aozora(Path(path).read_bytes().decode("cp932"))
    (write_text or _keep_text)(cleaned, text)
    return text


def _keep_text(path, text):
    try:
        _place(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as err:
        if err.errno not in _REFUSALS:
            raise


_REFUSALS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", -1)}


def read_text(name):
    """The text of a data asset as ``str`` (Aozora texts decoded and cleaned)."""
    return text_of(ASSETS[name].files[0], fetch(name))


def gpt2_tokenizer():
    """tiktoken's GPT-2 encoding, its files fetched into the book's cache first."""
    fetch("gpt2-tokenizer")
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(tiktoken_cache_dir()))
    return tiktoken.get_encoding("gpt2")
