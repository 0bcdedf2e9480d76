"""Files from the Hugging Face Hub, through its own client ``huggingface_hub``.

The client resumes downloads, locks files, keeps the reader's Hugging Face
cache (``HF_HOME``) and honours ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE=1`` (also
when set after the client was imported). This module adds no request for a
file already there, no retry chatter, and failures as one line that names the
URL and where to put the file by hand.
"""

import contextlib
import logging
import os
import socket
import urllib.parse
from pathlib import Path

from .errors import DownloadError, one_line
from .i18n import _


@contextlib.contextmanager
def _quiet_hub(progress):
    """No retry warnings from the Hub's client (our error says it all), and a bar only
    when ``progress``."""
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    logger = logging.getLogger("huggingface_hub")
    level, bars_were_off = logger.level, are_progress_bars_disabled()
    logger.setLevel(logging.ERROR)
    if not progress:
        disable_progress_bars()
    try:
        yield
    finally:
        logger.setLevel(level)
        if not progress and not bars_were_off:
            enable_progress_bars()


def hub_file(repo, filename, local_dir=None, progress=True):
    """The path of ``filename`` of Hub repository ``repo`` (revision ``main``), downloaded
    if needed: into ``local_dir`` when given, else into the Hugging Face cache. A file
    already there is used without a request; failures raise a one-line ``DownloadError``."""
    from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache

    if local_dir is not None and (local_dir / filename).is_file():
        return local_dir / filename
    cached = try_to_load_from_cache(repo, filename) if local_dir is None else None
    if isinstance(cached, str):
        return Path(cached)
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    offline = constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").upper() in {
        "1", "ON", "YES", "TRUE"}
    try:
        with _quiet_hub(progress):
            return Path(hf_hub_download(repo, filename, local_dir=local_dir, endpoint=endpoint,
                                        local_files_only=offline))
    except OSError as err:  # the Hub client's errors are OSErrors
        url = f"{endpoint}/{repo}/resolve/main/{filename}"
        where = local_dir / filename if local_dir is not None else None
        raise _hub_error(err, url, where, offline) from None


def _reason(cause, url):
    """What went wrong with the connection, in words."""
    if isinstance(cause, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        return _("the host name {host} cannot be resolved ({one_line}); there may be no network "
                 "connection, or the DNS does not answer").format(host=host,
                                                                  one_line=one_line(cause))
    if isinstance(cause, ConnectionRefusedError):
        return _("the connection was refused (no network, or the server is down)")
    if isinstance(cause, TimeoutError):
        return _("the server did not answer in time (timed out)")
    return one_line(cause)


def _hub_error(err, url, where, offline):
    """A one-line ``DownloadError`` for a failed Hub download, in the reader's language."""
    if where is not None:
        by_hand = _("To work offline, {what} on a machine with internet and place it at "
                    "{dest}").format(what=_("download {url}").format(url=url), dest=where)
    else:
        by_hand = _("To work offline, download {url} elsewhere and pass its folder as "
                    "models_dir (--models-dir) with the file at <size>/model.safetensors"
                    ).format(url=url)
    if offline:
        reason = _("it is not cached and the Hub's offline mode is on (HF_HUB_OFFLINE)")
        advice = _("Unset HF_HUB_OFFLINE on a machine with internet and run again.")
    else:
        cause = err
        while cause.__cause__ is not None or cause.__context__ is not None:
            cause = cause.__cause__ or cause.__context__
        status = getattr(getattr(err, "response", None), "status_code", None)
        reason = (_("the Hub answered HTTP {status}").format(status=status) if status
                  else _reason(cause, url))
        advice = (_("Check the model name, or update llms-from-scratch.") if status and status < 500
                  else _("Check the internet connection (and proxy settings) and run the "
                         "command again{resume}.").format(resume=""))
    message = _("could not download {url}: {reason}. {advice} {hint}.").format(
        url=url, reason=reason, advice=advice, hint=by_hand)
    return DownloadError(message, url=url, reason=reason, advice=advice)
