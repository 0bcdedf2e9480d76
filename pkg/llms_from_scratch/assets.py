"""The package's download layer: every file the book downloads, fetched robustly.

This module fetches the assets of ``catalog`` into the cache through
``http_download``, extracting zip members. Several processes can share one
cache: a file's download holds ``<name>.lock`` and a process that waited
keeps what the other one finished; a complete cache is only read, so it may
be read-only. Hugging Face's files go through ``hub`` instead.
"""

import hashlib
import os
import sys
import zipfile

import tiktoken

from . import fileio
from .catalog import (
    ASSETS,
    CACHE_ENV_VAR,
    GPT2_MODEL_FILES,
    GPT2_MODELS_URL,
    Asset,
    RemoteFile,
    cache_dir,
    local_path,
    tiktoken_cache_dir,
)
from .errors import DownloadError, one_line
from .http_download import (
    by_hand_hint,
    check_target,
    download_file,
    download_locked,
    sha256_of,
    target_lock,
)
from .i18n import _
from .texts import clean_aozora


def _extract_member(archive, member, dest, sha256):
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == member]
            if not names:
                raise DownloadError(_("{archive} has no member {member}; the archive changed "
                                      "upstream. Please report this.")
                                    .format(archive=archive, member=member))
            data = zf.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise DownloadError(_("the download {archive} is not a readable zip archive "
                              "({one_line}); it was deleted, run the command again")
                            .format(archive=archive, one_line=one_line(err)),
                            reason=_("the download is not a readable zip archive"),
                            advice=_("Run the command again.")) from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DownloadError(_("{member} in {archive} has an unexpected SHA-256; the file changed "
                              "upstream or the download is corrupt. The archive was deleted; run "
                              "the command again.")
                            .format(member=member, archive=archive),
                            reason=_("{member} in the archive has an unexpected SHA-256")
                                   .format(member=member),
                            advice=_("Run the command again."))
    fileio.write_bytes(dest, data)


def _ensure_file(remote, progress=True):
    """``remote``'s path in the cache, downloaded first unless a verified copy is there."""
    dest = local_path(remote)
    if dest.exists():
        return _checked(remote, dest)
    check_target(remote.url, dest)
    with target_lock(remote.url, dest):
        if dest.exists():  # another process has just finished it
            return _checked(remote, dest)
        return _make_file(remote, dest, progress)


def _checked(remote, dest):
    if remote.sha256 is not None and sha256_of(dest) != remote.sha256:
        raise DownloadError(
            _("{dest} exists but its SHA-256 is not {sha256}; delete it and run again to "
              "download a fresh copy")
            .format(dest=dest, sha256=remote.sha256)
        )
    return dest


def _make_file(remote, dest, progress):
    """Download (and for a zip member, extract) ``remote`` to ``dest``; the lock is held."""
    if remote.zip_member is None:
        hint = by_hand_hint(remote.url, dest, remote.sha256)
        return download_locked(remote.url, dest, remote.sha256, 30.0, 3, progress, None,
                                  hint)
    archive = dest.with_name(remote.url.rsplit("/", 1)[-1])
    # Errors name the extracted member's path: that is what a reader places by hand.
    hint = by_hand_hint(remote.url, dest, remote.sha256, remote.zip_member)
    try:
        download_file(remote.url, archive, None, progress=progress)
    except DownloadError as err:
        if err.reason is None:
            raise
        advice = f"{err.advice} " if err.advice else ""
        raise DownloadError(_("could not download {url}: {reason}. {advice}{hint}.")
                            .format(url=remote.url, reason=err.reason, advice=advice,
                                    hint=hint),
                            url=remote.url, reason=err.reason, advice=err.advice) from err
    try:
        _extract_member(archive, remote.zip_member, dest, remote.sha256)
    except DownloadError as err:
        raise DownloadError(f"{err} {hint}.", url=remote.url, reason=err.reason,
                            advice=err.advice) from None
    finally:
        archive.unlink(missing_ok=True)
    return dest


def _asset(name):
    try:
        return ASSETS[name]
    except KeyError:
        raise ValueError(f"unknown asset {name!r}; known: {', '.join(ASSETS)}") from None


def fetch(name, progress=True):
    """Make sure asset ``name`` is in the cache; return the path of its first file.

    When a file of an asset with several files fails, the error lists every
    file still missing and where it goes, so that all of them can be placed
    by hand for offline work (GPT-2's TensorFlow checkpoint has seven).
    """
    asset = _asset(name)
    paths = []
    for remote in asset.files:
        try:
            paths.append(_ensure_file(remote, progress))
        except DownloadError as err:
            if len(asset.files) == 1:
                raise
            raise _with_missing_files(err, name, asset) from err
    return paths[0]


def _with_missing_files(err, name, asset):
    """``err`` with the list of ``asset``'s files that are not in the cache yet."""
    missing = [remote for remote in asset.files if not local_path(remote).exists()]
    listing = "; ".join(f"{remote.url} -> {local_path(remote)}" for remote in missing)
    message = _("{err} {name} needs all of its {total} files; missing ({count}, URL -> where "
                "it goes): {listing}").format(err=err, name=name, total=len(asset.files),
                                             count=len(missing), listing=listing)
    return DownloadError(message, url=err.url, reason=err.reason, advice=err.advice)


def is_cached(name):
    return all(local_path(remote).exists() for remote in _asset(name).files)


def read_text(name):
    """The text of a data asset as ``str`` (Aozora texts decoded and cleaned)."""
    return _text_of(_asset(name).files[0], fetch(name))


def _text_of(remote, path):
    """The text of ``remote`` stored at ``path``; Aozora files are decoded and cleaned once
    (the cleaned copy is kept beside the file when its folder allows)."""
    if "aozora.gr.jp" not in remote.url:
        return path.read_text(encoding="utf-8")
    cleaned = path.with_name(path.stem + ".utf8.txt")
    if cleaned.exists():
        return cleaned.read_text(encoding="utf-8")
    text = clean_aozora(path.read_bytes().decode("cp932"))
    _keep_cleaned_text(cleaned, text)
    return text


def _keep_cleaned_text(path, text):
    """Store a cleaned text once (one process writes it); a refusing folder keeps none."""
    try:
        with fileio.file_lock(path):
            if not path.exists():
                fileio.write_text(path, text)
    except fileio.WriteError:
        pass  # full or read-only: read_text cleans the text in memory each time
    except OSError as err:  # the lock file itself was refused
        if fileio.refusal_reason(err, path.parent) is None:
            raise


def gpt2_tokenizer():
    """tiktoken's GPT-2 encoding, its files fetched through this module first."""
    fetch("gpt2-tokenizer", progress=sys.stderr.isatty())
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(tiktoken_cache_dir()))
    return tiktoken.get_encoding("gpt2")


def describe_cache():
    """One line per asset: name, cached or not, where, what."""
    lines = []
    for asset in ASSETS.values():
        state = "cached " if is_cached(asset.name) else "missing"
        lines.append(f"{asset.name:22} {state}  {local_path(asset.files[0])}\n"
                     f"{'':22}          {asset.description}")
    return "\n".join(lines)


__all__ = ["ASSETS", "CACHE_ENV_VAR", "GPT2_MODELS_URL", "GPT2_MODEL_FILES", "Asset",
           "DownloadError", "RemoteFile", "cache_dir", "clean_aozora", "describe_cache",
           "download_file", "fetch", "gpt2_tokenizer", "is_cached", "local_path", "read_text",
           "sha256_of", "tiktoken_cache_dir"]
