"""Downloading one file over HTTP(S), robustly: what ``assets`` builds on.

No maintained library does all of this for readers on a bad connection:
resume with an HTTP Range request, retries, SHA-256 verification before the
final name appears, a lock shared by processes, and failures as one line that
says what to do, naming the URL and the exact path where the file can be
placed by hand (see ``download_file``).
"""

import contextlib
import hashlib
import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

from . import fileio
from .catalog import CACHE_ENV_VAR, USER_AGENT
from .errors import DownloadError, one_line
from .i18n import _


def sha256_of(path, chunk_size=1 << 20):
    """The SHA-256 of the file at ``path``, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def by_hand_hint(url, dest, sha256, zip_member=None):
    what = _("download {url}").format(url=url)
    if zip_member:
        what += _(", extract {zip_member} from the zip,").format(zip_member=zip_member)
    hint = _("To work offline, {what} on a machine with internet and place it at {dest}").format(
        what=what, dest=dest)
    if sha256:
        hint += _(" (SHA-256 {sha256})").format(sha256=sha256)
    return hint


class _WriteError(Exception):
    """Writing the local file failed (disk full, permissions): not worth a retry."""

    def __init__(self, path, err, needed=None):
        advice = (_("free some space or choose a writable folder (${cache_env_var}), then run "
                    "again (the download resumes from the bytes kept)")
                  .format(cache_env_var=CACHE_ENV_VAR))
        super().__init__(str(fileio.refused(err, path, needed, advice)))
        self.path = path


def _open(url, offset, timeout):
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                  timeout=timeout)


def _content_length(response):
    try:
        length = int(response.headers.get("Content-Length"))
    except (TypeError, ValueError):  # absent or garbled: read until the server closes
        return None
    return length if length >= 0 else None


def _write_all(f, chunk):
    """Write all of ``chunk`` to the unbuffered ``f`` (a raw write may take only part)."""
    view = memoryview(chunk)
    while view:
        view = view[f.write(view):]


def _fetch_to_part(url, part, timeout, progress, desc):
    """One attempt: append to (or restart) ``part`` until the body is complete."""
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, offset, timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and offset:  # our partial file is unusable: restart
            part.unlink()
            response = _open(url, 0, timeout)
            offset = 0
        else:
            raise
    with response:
        if offset and response.status != 206:  # server ignored Range: restart
            offset = 0
        length = _content_length(response)
        total = offset + length if length is not None else None
        mode = "ab" if offset else "wb"
        received = offset
        try:
            f = open(part, mode, buffering=0)  # noqa: SIM115 (closed below); unbuffered:
            # a refused write fails in f.write, not later when the file is closed
        except OSError as err:
            raise _WriteError(part, err, total) from err
        with f, tqdm(total=total, initial=offset, unit="B", unit_scale=True,
                     unit_divisor=1024, desc=desc, disable=not progress, leave=False) as bar:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                try:
                    _write_all(f, chunk)
                except OSError as err:
                    raise _WriteError(part, err, total) from err
                received += len(chunk)
                bar.update(len(chunk))
        if total is not None and received < total:
            raise http.client.IncompleteRead(b"", total - received)


def describe_failure(err, url, timeout):
    """``(reason, retry)``: a one-line reason for a failed attempt, and whether to retry."""
    if isinstance(err, urllib.error.HTTPError):
        if 300 <= err.code < 400:  # urllib gave up following redirects
            return (_("the server redirects in a loop or too often (HTTP {code}); the address is "
                      "broken on the server's side")
                    .format(code=err.code), False)
        text = _("the server answered HTTP {code} {reason}").format(
            code=err.code, reason=one_line(err.reason))
        if 400 <= err.code < 500:
            return text + _(" (the file is not, or no longer, at that address)"), False
        return text, True
    reason = getattr(err, "reason", None) if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        return (_("the host name {host} cannot be resolved ({one_line}); there may be no network "
                  "connection, or the DNS does not answer")
                .format(host=host, one_line=one_line(reason)), True)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return _("the server did not answer within {timeout:g} s (timed out)").format(
            timeout=timeout), True
    if isinstance(err, http.client.IncompleteRead):
        return (_("the connection closed before the end of the file ({expected} more bytes were "
                  "expected)")
                .format(expected=err.expected), True)
    if isinstance(reason, ConnectionRefusedError):
        return _("the connection was refused (no network, or the server is down)"), True
    if isinstance(reason, str):
        return one_line(reason) or type(err).__name__, True
    return one_line(reason or err) or type(err).__name__, True


def _fetch_with_retries(url, part, timeout, retries, progress, desc, hint):
    """Fill ``part`` with the body of ``url``, retrying transient failures."""
    last_error = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
        try:
            _fetch_to_part(url, part, timeout, progress, desc)
            return
        except _WriteError as err:
            raise DownloadError(
                _("could not save {url}: {err}")
                .format(url=url, err=err), url=url, reason=str(err),
                advice=_("Free some disk space or choose a writable folder, then run again.")
            ) from err.__cause__
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            # URLError (also HTTPError), cut connections, timeouts, TLS errors.
            last_error = err
            if not describe_failure(err, url, timeout)[1]:
                break
    reason, retryable = describe_failure(last_error, url, timeout)
    if not retryable:
        part.unlink(missing_ok=True)  # nothing of such an answer is worth resuming
        advice = _("Check the URL, or update llms-from-scratch if it is the package's.")
    else:
        kept = part.stat().st_size if part.exists() else 0
        resume = (_(" (the {kept:,} bytes received so far are kept in {part} and the download "
                    "resumes from there)")
                  .format(kept=kept, part=part) if kept else "")
        advice = (_("Check the internet connection (and proxy settings) and run the command "
                    "again{resume}.")
                  .format(resume=resume))
    raise DownloadError(_("could not download {url}: {reason}. {advice} {hint}.")
                        .format(url=url, reason=reason, advice=advice, hint=hint),
                        url=url, reason=reason, advice=advice) from last_error


def download_file(url, dest, sha256=None, *, timeout=30.0, retries=3, progress=True,
                  desc=None):
    """Download ``url`` to ``dest`` atomically and return ``dest`` as a ``Path``.

    The body goes to ``dest + '.part'``, which the next attempt resumes after a
    transient failure (connection refused or cut, timeout, name lookup, 5xx),
    and so does the next call after an interruption. With ``sha256`` the
    finished file must match or it is deleted. A 4xx answer, a redirect loop,
    an invalid URL or a local write error is not retried. Failures raise a
    one-line ``DownloadError``. Of several processes with the same ``dest``,
    one downloads holding ``dest + '.lock'``; the others wait and keep its file
    (when it matches ``sha256``, or, without one, when ``dest`` appeared).
    """
    dest = Path(dest)
    hint = by_hand_hint(url, dest, sha256)
    check_target(url, dest)
    there_before = dest.exists()
    with target_lock(url, dest):
        if (sha256 is not None and _verified(dest, sha256)
                or sha256 is None and not there_before and dest.exists()):
            return dest  # another process has just finished it
        return download_locked(url, dest, sha256, timeout, retries, progress, desc, hint)


def _verified(dest, sha256):
    """Whether ``dest`` is there and (when ``sha256`` is known) holds those bytes."""
    return dest.is_file() and (sha256 is None or sha256_of(dest) == sha256)


def check_target(url, dest):
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(
            _("cannot create the folder {parent} for {url} ({one_line}); set ${cache_env_var} "
              "(or the folder argument) to a writable folder")
            .format(parent=dest.parent, url=url, one_line=one_line(err),
                    cache_env_var=CACHE_ENV_VAR),
            url=url, reason=_("cannot create the folder {parent}")
                            .format(parent=dest.parent),
            advice=_("Set ${cache_env_var} to a writable folder.")
                   .format(cache_env_var=CACHE_ENV_VAR)) from err
    try:
        urllib.request.Request(url)
    except ValueError as err:
        raise DownloadError(_("{url!r} is not a valid http(s) URL ({one_line}); check the address")
                            .format(url=url, one_line=one_line(err)),
                            url=url, reason=_("not a valid URL")) from None


@contextlib.contextmanager
def target_lock(url, dest):
    """Hold ``dest``'s lock file; a folder that refuses it is a one-line ``DownloadError``."""
    lock = fileio.file_lock(dest)
    try:
        lock.__enter__()
    except OSError as err:
        reason = fileio.refusal_reason(err, dest.parent) or one_line(err)
        raise DownloadError(
            _("cannot download {url} into {parent}: {reason}; choose a writable folder "
              "(${cache_env_var}) or place the file there by hand")
            .format(url=url, parent=dest.parent, reason=reason, cache_env_var=CACHE_ENV_VAR),
            url=url,
            reason=_("the folder {parent} cannot be written ({reason})")
                   .format(parent=dest.parent, reason=reason),
            advice=_("Choose a writable folder (${cache_env_var}).")
                   .format(cache_env_var=CACHE_ENV_VAR)) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def download_locked(url, dest, sha256, timeout, retries, progress, desc, hint):
    """The download itself; the caller holds ``dest``'s lock."""
    part = dest.with_name(dest.name + ".part")
    _fetch_with_retries(url, part, timeout, retries, progress, desc or dest.name, hint)
    if sha256 is not None:
        actual = sha256_of(part)
        if actual != sha256:
            part.unlink()
            reason = _("the file arrived with SHA-256 {actual}, expected {sha256}").format(
                actual=actual, sha256=sha256)
            advice = (_("The bad download was deleted; run the command again (if it happens "
                        "again, the file changed upstream or a proxy alters it)."))
            raise DownloadError(_("{url} arrived with SHA-256 {actual}, expected {sha256}. "
                                  "{advice} {hint}.")
                                .format(url=url, actual=actual, sha256=sha256,
                                        advice=advice, hint=hint),
                            url=url, reason=reason, advice=advice)
    try:
        fileio.fsync_file(part)
        part.replace(dest)
        fileio.fsync_dir(dest.parent)
    except OSError as err:
        raise DownloadError(_("cannot store {url} at {dest} ({one_line}); remove what is in the "
                              "way or choose another folder")
                            .format(url=url, dest=dest, one_line=one_line(err)), url=url,
                            reason=_("cannot store the file at {dest}")
                                   .format(dest=dest)) from err
    return dest
