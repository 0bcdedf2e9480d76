"""The book's files in a few lines: the download the chapter folders' copies carry.

``fetch(name)`` stores each file of asset ``name`` (see ``catalog``) in the
cache once: the body goes to a temporary sibling, its SHA-256 is checked, and
only then is it renamed into place (``fileio.atomic_write``); of a zip archive
only the member the book reads is kept. ``read_text`` and ``gpt2_tokenizer``
build on it. The package's ``assets`` module adds what a reader on a bad
connection needs (resumed downloads, retries, advice for each failure); the
``previous_chapters.py`` copies carry this short version instead, so that a
notebook runs from its folder alone. Both share the cache and the helpers here.
"""

import hashlib
import os
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import tiktoken

from .catalog import ASSETS, USER_AGENT, local_path, tiktoken_cache_dir
from .errors import UserError, one_line
from .fileio import atomic_write, write_bytes, write_text


class DownloadError(UserError):
    """A file could not be downloaded or failed verification.

    The message is one line that says what went wrong and what to do. ``url``,
    ``reason`` (what went wrong, without advice) and ``advice`` are kept as
    attributes where they are known, so that callers can reword the message.
    """

    def __init__(self, message, *, url=None, reason=None, advice=None):
        super().__init__(message)
        self.url, self.reason, self.advice = url, reason, advice


def sha256_of(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def by_hand_hint(url, dest, sha256=None, zip_member=None):
    """How to place a file by hand: the exact URL, member and path."""
    what = f"download {url}" + (f", extract {zip_member} from the zip," if zip_member else "")
    hint = f"To work offline, {what} on a machine with internet and place it at {dest}"
    return hint + (f" (SHA-256 {sha256})" if sha256 else "")


def download_file(url, dest, sha256=None, *, progress=False, desc=None):
    """Download ``url`` to ``dest`` in one go and return ``dest`` as a ``Path``.

    The final name only ever holds a complete file that matches ``sha256``
    (when given). ``progress`` and ``desc`` are accepted for the package's
    signature; this short version shows no bar and does not resume.
    """
    dest = Path(dest)

    def write(tmp):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=60) as response, open(tmp, "wb") as f:
            shutil.copyfileobj(response, f, 1 << 20)
        if sha256 is not None and sha256_of(tmp) != sha256:
            raise OSError(f"the file arrived with another SHA-256 than {sha256}")

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(dest, write)
    except (OSError, ValueError) as err:  # URLError is an OSError; ValueError: a bad URL
        reason = one_line(getattr(err, "reason", None) or err)
        raise DownloadError(f"could not download {url} ({reason}). Check the internet "
                            f"connection and run again. {by_hand_hint(url, dest, sha256)}.",
                            url=url, reason=reason) from err


def cached_file(remote):
    """``remote``'s path if it is stored and intact, None if it is not stored yet."""
    dest = local_path(remote)
    if not dest.exists():
        return None
    if remote.sha256 is not None and sha256_of(dest) != remote.sha256:
        raise DownloadError(f"{dest} exists but its SHA-256 is not {remote.sha256}; delete it "
                            "and run again to download a fresh copy")
    return dest


def extract_member(archive, member, dest, sha256):
    """Store ``member`` of the zip file ``archive`` at ``dest``, checking its SHA-256."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == member]
            if not names:
                raise DownloadError(f"{archive} has no member {member}; the archive changed "
                                    "upstream. Please report this.")
            data = zf.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise DownloadError(f"the download {archive} is not a readable zip archive "
                            f"({one_line(err)}); it was deleted, run the command again",
                            reason="the download is not a readable zip archive",
                            advice="Run the command again.") from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DownloadError(f"{member} in {archive} has an unexpected SHA-256; the file "
                            "changed upstream or the download is corrupt. The archive was "
                            "deleted; run the command again.",
                            reason=f"{member} in the archive has an unexpected SHA-256",
                            advice="Run the command again.")
    write_bytes(dest, data)


def fetch(name, progress=False):
    """Make sure asset ``name`` is in the cache; return the path of its first file."""
    paths = []
    for remote in ASSETS[name].files:
        dest = cached_file(remote)
        if dest is None and remote.zip_member is None:
            dest = download_file(remote.url, local_path(remote), remote.sha256)
        elif dest is None:
            dest = local_path(remote)
            archive = download_file(remote.url, dest.with_name(dest.name + ".zip"))
            try:
                extract_member(archive, remote.zip_member, dest, remote.sha256)
            finally:
                archive.unlink(missing_ok=True)
        paths.append(dest)
    return paths[0]


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


def text_of(remote, path):
    """The text stored at ``path`` for ``remote``: Aozora files decoded and cleaned once."""
    if "aozora.gr.jp" not in remote.url:
        return path.read_text(encoding="utf-8")
    cleaned = path.with_name(path.stem + ".utf8.txt")
    if not cleaned.exists():
        write_text(cleaned, clean_aozora(path.read_bytes().decode("cp932")))
    return cleaned.read_text(encoding="utf-8")


def read_text(name):
    """The text of a data asset as ``str`` (Aozora texts decoded and cleaned)."""
    return text_of(ASSETS[name].files[0], fetch(name))


def gpt2_tokenizer():
    """tiktoken's GPT-2 encoding, its files fetched into the book's cache first."""
    fetch("gpt2-tokenizer")
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(tiktoken_cache_dir()))
    return tiktoken.get_encoding("gpt2")
