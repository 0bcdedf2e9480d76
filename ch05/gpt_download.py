# Generated from the package llms_from_scratch (assets, gpt2).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes a fresh copy.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# ノートブックがこのフォルダだけで動くように、前の章までのコードをまとめたものです。

from dataclasses import dataclass
from pathlib import Path
import contextlib
import hashlib
import http.client
import importlib.util
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from tqdm import tqdm
import numpy as np
import tiktoken


# ============================================================================
# llms_from_scratch.assets: Every file the book downloads, in one place.
# ============================================================================

CACHE_ENV_VAR = "LLMS_FROM_SCRATCH_CACHE"
USER_AGENT = "llms-from-scratch (+https://pypi.org/project/llms-from-scratch/)"


class DownloadError(RuntimeError):
    """A file could not be downloaded or failed verification.

    The message is one line that says what went wrong and what to do. ``url``,
    ``reason`` (what went wrong, without advice) and ``advice`` are kept as
    attributes where they are known, so that callers can reword the message.
    """

    def __init__(self, message, *, url=None, reason=None, advice=None):
        super().__init__(message)
        self.url = url
        self.reason = reason
        self.advice = advice


@dataclass(frozen=True)
class RemoteFile:
    url: str
    relpath: str  # where it lives under the cache folder (tiktoken/... see above)
    sha256: str = None  # of the file as stored (for a zip member: of the member)
    zip_member: str = None  # the archive at url holds this member; store only it
    size: int = None  # informational, for listings


@dataclass(frozen=True)
class Asset:
    name: str
    description: str
    files: tuple
    large: bool = False  # gigabyte-class model weights: fetched only when named


def _tiktoken_file(url, sha256, size):
    return RemoteFile(url, "tiktoken/" + hashlib.sha1(url.encode()).hexdigest(), sha256,
                      size=size)


ASSETS = {
    "the-verdict": Asset(
        "the-verdict",
        "Edith Wharton, The Verdict (1908): the short story of chapters 2 and 5",
        (RemoteFile(
            "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch02/"
            "01_main-chapter-code/the-verdict.txt",
            "data/the-verdict.txt",
            "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f",
            size=20479),),
    ),
    "tinyshakespeare": Asset(
        "tinyshakespeare",
        "Tiny Shakespeare: 1.1 MB of plays, the char-level data set of nanoGPT",
        (RemoteFile(
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
            "tinyshakespeare/input.txt",
            "data/tinyshakespeare.txt",
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            size=1115394),),
    ),
    "wagahaiwa-nekodearu": Asset(
        "wagahaiwa-nekodearu",
        "夏目漱石『吾輩は猫である』 from Aozora Bunko (Shift_JIS; cleaned to UTF-8 on use)",
        (RemoteFile(
            "https://www.aozora.gr.jp/cards/000148/files/789_ruby_5639.zip",
            "data/wagahaiwa_nekodearu.txt",
            "f8c511ab3e69e3a1ccfea475783c2e4d64917a2cdedfb67441ea27655aca5f75",
            zip_member="wagahaiwa_nekodearu.txt",
            size=749051),),
    ),
    "gpt2-tokenizer": Asset(
        "gpt2-tokenizer",
        "GPT-2 BPE files (vocab.bpe, encoder.json) in tiktoken's cache layout",
        (_tiktoken_file(
            "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/vocab.bpe",
            "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5", 456318),
         _tiktoken_file(
            "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/encoder.json",
            "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783", 1042301)),
    ),
}

# OpenAI's GPT-2 checkpoints (TensorFlow), one asset per size, stored as
# gpt2/<size>/<file> in the cache. OpenAI publishes no digests for them.
GPT2_MODELS_URL = "https://openaipublic.blob.core.windows.net/gpt-2/models"
GPT2_MODEL_FILES = ("checkpoint", "encoder.json", "hparams.json",
                    "model.ckpt.data-00000-of-00001", "model.ckpt.index",
                    "model.ckpt.meta", "vocab.bpe")
for _size, _mb in (("124M", 500), ("355M", 1400), ("774M", 3100), ("1558M", 6200)):
    ASSETS[f"gpt2-{_size}"] = Asset(
        f"gpt2-{_size}",
        f"OpenAI's GPT-2 {_size} weights as a TensorFlow checkpoint (about {_mb} MB)",
        tuple(RemoteFile(f"{GPT2_MODELS_URL}/{_size}/{_file}", f"gpt2/{_size}/{_file}")
              for _file in GPT2_MODEL_FILES),
        large=True,
    )
del _size, _mb


def cache_dir():
    """The folder all downloads go to (created on demand)."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "llms-from-scratch"


def tiktoken_cache_dir():
    env = os.environ.get("TIKTOKEN_CACHE_DIR")
    return Path(env).expanduser() if env else cache_dir() / "tiktoken"


def local_path(remote):
    """Where ``remote`` (a ``RemoteFile``) is stored on this machine."""
    if remote.relpath.startswith("tiktoken/"):
        return tiktoken_cache_dir() / remote.relpath[len("tiktoken/"):]
    return cache_dir() / remote.relpath


def sha256_of(path, chunk_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _by_hand_hint(url, dest, sha256, zip_member=None):
    what = f"download {url}"
    if zip_member:
        what += f", extract {zip_member} from the zip,"
    hint = f"To work offline, {what} on a machine with internet and place it at {dest}"
    if sha256:
        hint += f" (SHA-256 {sha256})"
    return hint


def _one_line(text):
    return " ".join(str(text).split())


class _WriteError(Exception):
    """Writing the local file failed (disk full, permissions): not worth a retry."""

    def __init__(self, path, err):
        super().__init__(f"cannot write {path}: {err.strerror or err}")
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
            f = open(part, mode)  # noqa: SIM115 (closed below)
        except OSError as err:
            raise _WriteError(part, err) from err
        with f, tqdm(total=total, initial=offset, unit="B", unit_scale=True,
                     unit_divisor=1024, desc=desc, disable=not progress, leave=False) as bar:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                try:
                    f.write(chunk)
                except OSError as err:
                    raise _WriteError(part, err) from err
                received += len(chunk)
                bar.update(len(chunk))
        if total is not None and received < total:
            raise http.client.IncompleteRead(b"", total - received)


def _describe_failure(err, url, timeout):
    """``(reason, retry)``: a one-line reason for a failed attempt, and whether to retry."""
    if isinstance(err, urllib.error.HTTPError):
        if 300 <= err.code < 400:  # urllib gave up following redirects
            return (f"the server redirects in a loop or too often (HTTP {err.code}); the "
                    "address is broken on the server's side", False)
        text = f"the server answered HTTP {err.code} {_one_line(err.reason)}"
        if 400 <= err.code < 500:
            return text + " (the file is not, or no longer, at that address)", False
        return text, True
    reason = getattr(err, "reason", None) if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        return (f"the host name {host} cannot be resolved ({_one_line(reason)}); there may "
                "be no network connection, or the DNS does not answer", True)
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"the server did not answer within {timeout:g} s (timed out)", True
    if isinstance(err, http.client.IncompleteRead):
        return (f"the connection closed before the end of the file ({err.expected} more bytes "
                "were expected)", True)
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused (no network, or the server is down)", True
    if isinstance(reason, str):
        return _one_line(reason) or type(err).__name__, True
    return _one_line(reason or err) or type(err).__name__, True


def download_file(url, dest, sha256=None, *, timeout=30.0, retries=3, progress=True,
                  desc=None):
    """Download ``url`` to ``dest`` atomically and return ``dest`` as a ``Path``.

    The body goes to ``dest + '.part'``; after a transient failure (connection
    refused or cut, timeout, name lookup, 5xx) the next attempt resumes it, and
    so does the next call after an interruption (Ctrl-C). With ``sha256`` the
    finished file must match or it is deleted. A 4xx answer, a redirect loop,
    an invalid URL or a local write error is not retried. Every failure raises
    ``DownloadError`` with a one-line message that says what to do; the final
    name never holds a partial or unverified file.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    hint = _by_hand_hint(url, dest, sha256)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(
            f"cannot create the folder {dest.parent} for {url} ({_one_line(err)}); set "
            f"${CACHE_ENV_VAR} (or the folder argument) to a writable folder",
            url=url, reason=f"cannot create the folder {dest.parent}",
            advice=f"Set ${CACHE_ENV_VAR} to a writable folder.") from err
    try:
        urllib.request.Request(url)
    except ValueError as err:
        raise DownloadError(f"{url!r} is not a valid http(s) URL ({_one_line(err)}); check "
                            "the address", url=url, reason="not a valid URL") from None
    last_error = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)))
        try:
            _fetch_to_part(url, part, timeout, progress, desc or dest.name)
            last_error = None
            break
        except _WriteError as err:
            raise DownloadError(
                f"could not save {url}: {err}; free some disk space or choose a writable "
                f"folder (${CACHE_ENV_VAR}), then run again", url=url, reason=str(err),
                advice="Free some disk space or choose a writable folder, then run again."
            ) from err.__cause__
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            # URLError (also HTTPError), cut connections, timeouts, TLS errors.
            last_error = err
            if not _describe_failure(err, url, timeout)[1]:
                break
    if last_error is not None:
        reason, retryable = _describe_failure(last_error, url, timeout)
        if not retryable:
            part.unlink(missing_ok=True)  # nothing of such an answer is worth resuming
            advice = "Check the URL, or update llms-from-scratch if it is the package's."
        else:
            kept = part.stat().st_size if part.exists() else 0
            resume = (f" (the {kept:,} bytes received so far are kept in {part} and the "
                      "download resumes from there)" if kept else "")
            advice = (f"Check the internet connection (and proxy settings) and run the "
                      f"command again{resume}.")
        raise DownloadError(f"could not download {url}: {reason}. {advice} {hint}.",
                            url=url, reason=reason, advice=advice) from last_error

    if sha256 is not None:
        actual = sha256_of(part)
        if actual != sha256:
            part.unlink()
            reason = f"the file arrived with SHA-256 {actual}, expected {sha256}"
            advice = ("The bad download was deleted; run the command again (if it happens "
                      "again, the file changed upstream or a proxy alters it).")
            raise DownloadError(f"{url} arrived with SHA-256 {actual}, expected {sha256}. "
                                f"{advice} {hint}.", url=url, reason=reason, advice=advice)
    try:
        os.replace(part, dest)
    except OSError as err:
        raise DownloadError(f"cannot store {url} at {dest} ({_one_line(err)}); remove what is "
                            "in the way or choose another folder", url=url,
                            reason=f"cannot store the file at {dest}") from err
    return dest


def _extract_member(archive, member, dest, sha256):
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == member]
            if not names:
                raise DownloadError(f"{archive} has no member {member}; the archive changed "
                                    "upstream. Please report this.")
            data = zf.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise DownloadError(f"the download {archive} is not a readable zip archive "
                            f"({_one_line(err)}); it was deleted, run the command again",
                            reason="the download is not a readable zip archive",
                            advice="Run the command again.") from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DownloadError(f"{member} in {archive} has an unexpected SHA-256; the file "
                            "changed upstream or the download is corrupt. The archive was "
                            "deleted; run the command again.",
                            reason=f"{member} in the archive has an unexpected SHA-256",
                            advice="Run the command again.")
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, dest)


def _ensure_file(remote, progress=True):
    dest = local_path(remote)
    if dest.exists():
        if remote.sha256 is not None and sha256_of(dest) != remote.sha256:
            raise DownloadError(
                f"{dest} exists but its SHA-256 is not {remote.sha256}; delete it and "
                "run again to download a fresh copy"
            )
        return dest
    if remote.zip_member is None:
        return download_file(remote.url, dest, remote.sha256, progress=progress)
    archive = dest.with_name(remote.url.rsplit("/", 1)[-1])
    try:
        download_file(remote.url, archive, None, progress=progress)
    except DownloadError as err:
        if err.reason is None:
            raise
        # Point the reader at the extracted member, which is what we keep.
        hint = _by_hand_hint(remote.url, dest, remote.sha256, remote.zip_member)
        advice = f"{err.advice} " if err.advice else ""
        raise DownloadError(f"could not download {remote.url}: {err.reason}. {advice}{hint}.",
                            url=remote.url, reason=err.reason, advice=err.advice) from err
    try:
        _extract_member(archive, remote.zip_member, dest, remote.sha256)
    except DownloadError as err:
        hint = _by_hand_hint(remote.url, dest, remote.sha256, remote.zip_member)
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
    """Make sure asset ``name`` is in the cache; return the path of its first file."""
    paths = [_ensure_file(remote, progress) for remote in _asset(name).files]
    return paths[0]


def is_cached(name):
    return all(local_path(remote).exists() for remote in _asset(name).files)


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


def read_text(name):
    """The text of a data asset as ``str`` (Aozora texts decoded and cleaned)."""
    path = fetch(name)
    if name == "wagahaiwa-nekodearu":
        cleaned = path.with_name(path.stem + ".utf8.txt")
        if not cleaned.exists():
            text = clean_aozora(path.read_bytes().decode("cp932"))
            tmp = cleaned.with_name(cleaned.name + ".part")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, cleaned)
        return cleaned.read_text(encoding="utf-8")
    return path.read_text(encoding="utf-8")


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


# ============================================================================
# llms_from_scratch.gpt2: GPT-2's published weights: download them and read them into NumPy arrays.
# ============================================================================

GPT2_SIZES = ("124M", "355M", "774M", "1558M")

_GPT2_SHAPES = {  # size: (emb_dim, n_layers, n_heads)
    "124M": (768, 12, 12),
    "355M": (1024, 24, 16),
    "774M": (1280, 36, 20),
    "1558M": (1600, 48, 25),
}

GPT2_CONFIGS = {
    size: {
        "vocab_size": 50257,
        "context_length": 1024,
        "emb_dim": emb_dim,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "drop_rate": 0.0,
        "qkv_bias": True,
    }
    for size, (emb_dim, n_layers, n_heads) in _GPT2_SHAPES.items()
}

# Hugging Face's copies of the same weights, one repository per size.
GPT2_HF_REPOS = {
    "124M": "openai-community/gpt2",
    "355M": "openai-community/gpt2-medium",
    "774M": "openai-community/gpt2-large",
    "1558M": "openai-community/gpt2-xl",
}
GPT2_HF_URL = "https://huggingface.co/{repo}/resolve/main/model.safetensors"

_TF_INSTALL_HINT = (
    'reading OpenAI\'s TensorFlow checkpoints needs TensorFlow: pip install '
    '"llms-from-scratch[tensorflow]" (or pip install tensorflow). Without TensorFlow, '
    "use the safetensors route: download_gpt2_safetensors() and "
    "load_gpt2_params_from_safetensors()"
)


def normalize_gpt2_size(model_size):
    """``"124M"``, ``"gpt2-124M"`` or ``"124m"`` -> ``"124M"``; ValueError otherwise."""
    text = str(model_size).strip()
    if text.lower().startswith("gpt2-"):
        text = text[len("gpt2-"):]
    text = text.upper()
    if text not in GPT2_SIZES:
        raise ValueError(f"unknown GPT-2 size {model_size!r}; valid sizes: "
                         f"{', '.join(GPT2_SIZES)}")
    return text


def gpt2_config(model_size, **overrides):
    """A fresh ``GPTModel`` config for a GPT-2 size, with ``overrides`` applied.

    ``gpt2_config("124M", context_length=256)`` shortens the context, for example.
    """
    cfg = dict(GPT2_CONFIGS[normalize_gpt2_size(model_size)])
    unknown = sorted(set(overrides) - set(cfg))
    if unknown:
        raise ValueError(f"unknown config keys {', '.join(unknown)}; a GPT config has "
                         f"{', '.join(cfg)}")
    cfg.update(overrides)
    return cfg


def config_from_settings(settings):
    """A ``GPTModel`` config from OpenAI's ``hparams.json`` settings."""
    missing = [k for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")
               if k not in settings]
    if missing:
        raise ValueError(f"the GPT-2 settings lack {', '.join(missing)}; hparams.json "
                         "needs n_vocab, n_ctx, n_embd, n_head and n_layer")
    return {
        "vocab_size": int(settings["n_vocab"]),
        "context_length": int(settings["n_ctx"]),
        "emb_dim": int(settings["n_embd"]),
        "n_layers": int(settings["n_layer"]),
        "n_heads": int(settings["n_head"]),
        "drop_rate": 0.0,
        "qkv_bias": True,
    }


def settings_from_params(params, n_head=None):
    """OpenAI-style settings inferred from the array shapes of ``params``.

    The number of heads is not visible in the shapes; it is taken from the
    GPT-2 size with the same width unless ``n_head`` is given.
    """
    n_vocab, n_embd = np.shape(params["wte"])
    if n_head is None:
        by_width = {emb: heads for emb, _, heads in _GPT2_SHAPES.values()}
        if n_embd not in by_width:
            raise ValueError(f"cannot tell the number of heads of a model {n_embd} wide "
                             "(not a GPT-2 size); give n_head explicitly")
        n_head = by_width[n_embd]
    return {"n_vocab": int(n_vocab), "n_ctx": int(np.shape(params["wpe"])[0]),
            "n_embd": int(n_embd), "n_head": int(n_head), "n_layer": len(params["blocks"])}


# -- OpenAI's TensorFlow checkpoints -------------------------------------------------------


def _tensorflow_installed():
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["tensorflow"] is None
        return False


@contextlib.contextmanager
def _tensorflow():
    """Import TensorFlow (lazily: it is big and optional) and keep it quiet.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences most of TensorFlow's C++ logging, but
    recent versions still write start-up lines (oneDNN, CUDA drivers) straight
    to file descriptor 2, which notebooks would show in their outputs. While
    TensorFlow works here, that descriptor points at the null device, unless
    the user set ``TF_CPP_MIN_LOG_LEVEL`` below 3 to see the logs. Python
    exceptions are unaffected.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    quiet = os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    saved = None
    if quiet:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:  # no usable descriptor 2 (some embedded interpreters)
            saved = None
    try:
        try:
            import tensorflow as tf
        except ImportError as err:
            raise ImportError(_TF_INSTALL_HINT) from err
        yield tf
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def download_gpt2_files(model_size, models_dir=None, base_url=None, progress=True):
    """Fetch OpenAI's files of one GPT-2 size into ``models_dir/<size>/``.

    Files already present are kept. ``models_dir`` defaults to the ``gpt2``
    folder of the package's cache (where ``llms-from-scratch download
    gpt2-124M`` puts them). Returns the folder.
    """
    size = normalize_gpt2_size(model_size)
    base_url = (base_url or GPT2_MODELS_URL).rstrip("/")
    model_dir = Path(models_dir if models_dir is not None else cache_dir() / "gpt2") / size
    for name in GPT2_MODEL_FILES:
        dest = model_dir / name
        if not dest.exists():
            download_file(f"{base_url}/{size}/{name}", dest, progress=progress,
                          desc=f"{size}/{name}")
    return model_dir


def read_hparams(model_dir):
    """The settings in ``model_dir/hparams.json`` as a dict."""
    path = Path(model_dir) / "hparams.json"
    if not path.is_file():
        raise FileNotFoundError(f"no hparams.json in {model_dir}; the checkpoint folder is "
                                "incomplete: download it again (llms-from-scratch download "
                                "gpt2-124M, or the size you use)")
    try:
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON ({_first_line(err)}); delete it and "
                         "download again") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{path} must hold a JSON object of settings (n_vocab, n_ctx, "
                         "n_embd, n_head, n_layer); delete it and download again")
    return settings


def _first_line(err):
    return (str(err).strip() or type(err).__name__).splitlines()[0]


def _checkpoint_prefix(path, tf):
    """The ``model.ckpt`` prefix of a checkpoint given as folder or prefix."""
    path = Path(path)
    if path.is_dir():
        latest = tf.train.latest_checkpoint(str(path))
        if latest is None:
            latest = str(path / "model.ckpt")
        path = Path(latest)
    if not Path(str(path) + ".index").exists():
        raise FileNotFoundError(f"no TensorFlow checkpoint at {path} (expected "
                                f"{path}.index and {path}.data-*); download it again")
    return str(path)


def download_and_load_gpt2(model_size, models_dir=None, base_url=None, progress=True):
    """Download (if needed) and read OpenAI's GPT-2 checkpoint of ``model_size``.

    Returns ``(settings, params)``: the ``hparams.json`` dict and the nested
    NumPy dict described in this module's docstring. Needs TensorFlow.
    """
    size = normalize_gpt2_size(model_size)
    if not _tensorflow_installed():  # say so before downloading hundreds of megabytes
        raise ImportError(_TF_INSTALL_HINT)
    model_dir = download_gpt2_files(size, models_dir, base_url, progress)
    settings = read_hparams(model_dir)
    params = load_gpt2_params_from_tf_ckpt(model_dir, settings)
    return settings, params


def _set_nested(tree, keys, value):
    for key in keys[:-1]:
        tree = tree.setdefault(key, {})
    tree[keys[-1]] = value


_EXPECTED_BLOCK_KEYS = ("attn/c_attn/w", "attn/c_attn/b", "attn/c_proj/w", "attn/c_proj/b",
                        "mlp/c_fc/w", "mlp/c_fc/b", "mlp/c_proj/w", "mlp/c_proj/b",
                        "ln_1/g", "ln_1/b", "ln_2/g", "ln_2/b")


def _check_complete(params, n_layer, where):
    missing = [k for k in ("wte", "wpe", "g", "b") if k not in params]
    for i, block in enumerate(params["blocks"]):
        for key in _EXPECTED_BLOCK_KEYS:
            node = block
            for part in key.split("/"):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                missing.append(f"h{i}/{key}")
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"{where} lacks {len(missing)} GPT-2 weights ({shown}); it is "
                         "incomplete or not a GPT-2 checkpoint: download it again")
    if n_layer is not None and len(params["blocks"]) != n_layer:
        raise ValueError(f"{where} has {len(params['blocks'])} blocks but the settings "
                         f"say n_layer = {n_layer}")


def load_gpt2_params_from_tf_ckpt(ckpt_path, settings):
    """Read an OpenAI GPT-2 TensorFlow checkpoint into the nested NumPy dict.

    ``ckpt_path`` is the checkpoint prefix (``.../model.ckpt``) or its folder.
    Conv1D weights, stored as (1, in, out), come back as (in, out).
    """
    try:
        n_layer = int(settings["n_layer"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("the settings need an integer n_layer (from hparams.json); "
                         "read them with read_hparams(folder)") from None
    with _tensorflow() as tf:
        prefix = _checkpoint_prefix(ckpt_path, tf)
        try:
            reader = tf.train.load_checkpoint(prefix)
            # Other variables (e.g. optimizer state of a training checkpoint) are skipped.
            arrays = {name: reader.get_tensor(name)
                      for name, _shape in tf.train.list_variables(prefix)
                      if name.startswith("model/")}
        except (tf.errors.OpError, IndexError, RuntimeError, ValueError, OSError) as err:
            # A short data file surfaces as IndexError, a damaged index as an OpError.
            raise ValueError(f"cannot read the TensorFlow checkpoint {prefix} "
                             f"({_first_line(err)}); it is truncated or corrupt: delete it "
                             "and download again") from None
    params = {"blocks": [{} for _ in range(n_layer)]}
    for name, array in arrays.items():
        parts = name.split("/")[1:]  # "model/h0/attn/c_attn/w" -> ["h0", "attn", ...]
        if parts[-1] == "w" and array.ndim == 3 and array.shape[0] == 1:
            array = array[0]  # Conv1D weight (1, in, out) -> (in, out)
        block = re.fullmatch(r"h(\d+)", parts[0])
        if block:
            index = int(block.group(1))
            if index >= n_layer:
                raise ValueError(f"{prefix} has block {name} but the settings say "
                                 f"n_layer = {n_layer}; hparams.json does not match")
            _set_nested(params["blocks"][index], parts[1:], array)
        elif parts == ["ln_f", "g"] or parts == ["ln_f", "b"]:
            params[parts[1]] = array
        else:
            _set_nested(params, parts, array)
    _check_complete(params, n_layer, prefix)
    return params


def list_tf_checkpoint_variables(ckpt_path):
    """``[(name, shape), ...]`` of a TensorFlow checkpoint (prefix or folder), sorted."""
    with _tensorflow() as tf:
        prefix = _checkpoint_prefix(ckpt_path, tf)
        return [(name, tuple(shape)) for name, shape in tf.train.list_variables(prefix)]


def save_gpt2_tf_checkpoint(params, settings, out_dir):
    """Write ``params`` as a TensorFlow checkpoint with OpenAI's variable names.

    ``out_dir`` gets ``model.ckpt.{index,data-00000-of-00001,meta}``, a
    ``checkpoint`` file and ``hparams.json``, like OpenAI's downloads (minus
    the tokenizer files). Returns the checkpoint prefix. Needs TensorFlow.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_layer = int(settings["n_layer"])
    _check_complete(params, n_layer, "params")

    arrays = {"model/wte": params["wte"], "model/wpe": params["wpe"],
              "model/ln_f/g": params["g"], "model/ln_f/b": params["b"]}
    for i, block in enumerate(params["blocks"]):
        for key in _EXPECTED_BLOCK_KEYS:
            node = block
            for part in key.split("/"):
                node = node[part]
            array = np.asarray(node, dtype=np.float32)
            if key.endswith("/w"):
                array = array[np.newaxis]  # (in, out) -> (1, in, out), as OpenAI stores it
            arrays[f"model/h{i}/{key}"] = array

    # Graph mode with the v1 Saver keeps the variable names exactly as given
    # (tf.train.Checkpoint would store object paths instead). Values are fed
    # through placeholders so the .meta graph does not embed the weights.
    with _tensorflow() as tf:
        graph = tf.Graph()
        with graph.as_default():
            variables, feeds, assigns = {}, {}, []
            for name, array in arrays.items():
                array = np.asarray(array, dtype=np.float32)
                var = tf.compat.v1.get_variable(name, shape=array.shape, dtype=tf.float32,
                                                initializer=tf.compat.v1.zeros_initializer())
                holder = tf.compat.v1.placeholder(tf.float32, shape=array.shape)
                assigns.append(var.assign(holder))
                variables[name] = var
                feeds[holder] = array
            saver = tf.compat.v1.train.Saver(var_list=variables)
            with tf.compat.v1.Session(graph=graph) as session:
                session.run(assigns, feed_dict=feeds)
                prefix = saver.save(session, str(out_dir / "model.ckpt"),
                                    write_meta_graph=True, write_state=False)
    # A relative path, as in OpenAI's files, so the folder can be moved.
    (out_dir / "checkpoint").write_text(
        'model_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n',
        encoding="utf-8")
    hparams = {k: int(settings[k]) for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")}
    (out_dir / "hparams.json").write_text(json.dumps(hparams, indent=2) + "\n",
                                          encoding="utf-8")
    return prefix


# -- Hugging Face's safetensors files (no TensorFlow needed) -------------------------------


def download_gpt2_safetensors(model_size, models_dir=None, url=None, progress=True):
    """Fetch Hugging Face's ``model.safetensors`` of a GPT-2 size.

    It is stored as ``models_dir/<size>/model.safetensors`` (``models_dir``
    defaults to the cache's ``gpt2`` folder); an existing file is kept.
    Returns its path.
    """
    size = normalize_gpt2_size(model_size)
    model_dir = Path(models_dir if models_dir is not None else cache_dir() / "gpt2") / size
    dest = model_dir / "model.safetensors"
    if not dest.exists():
        url = url or GPT2_HF_URL.format(repo=GPT2_HF_REPOS[size])
        download_file(url, dest, progress=progress, desc=f"{size}/model.safetensors")
    return dest


_HF_NAMES = {"weight": "w", "bias": "b"}
_HF_NORM_NAMES = {"weight": "g", "bias": "b"}


def load_gpt2_params_from_safetensors(path):
    """Read a Hugging Face GPT-2 ``model.safetensors`` into the nested NumPy dict.

    Keys such as ``h.0.attn.c_attn.weight`` (optionally prefixed with
    ``transformer.``) are mapped to OpenAI's layout; Hugging Face's Conv1D
    already stores weights as (in, out). The attention-mask buffers and the
    (tied) ``lm_head.weight`` are ignored. Arrays come back as float32.
    """
    try:
        from safetensors import safe_open
    except ImportError as err:
        raise ImportError("reading .safetensors files needs the safetensors package: "
                          "pip install safetensors") from err
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no safetensors file at {path}; check the path, or download "
                                "the weights again (download_gpt2_safetensors)")
    params = {"blocks": []}
    blocks = {}
    try:
        handle = safe_open(str(path), framework="pt")
    except Exception as err:  # the library raises its own error types for bad headers
        what = "empty" if path.stat().st_size == 0 else "not a readable safetensors file"
        raise ValueError(f"{path} is {what} ({_first_line(err)}); it is truncated or "
                         "corrupt: delete it and download it again") from None
    with handle as f:
        for key in f.keys():  # noqa: SIM118 (safe_open is not a dict)
            name = key[len("transformer."):] if key.startswith("transformer.") else key
            parts = name.split(".")
            if parts[-1] == "masked_bias" or parts[-2:] == ["attn", "bias"]:
                continue  # causal-mask buffers, not weights
            if parts[0] == "lm_head":
                continue  # tied to wte in GPT-2
            try:
                array = f.get_tensor(key).float().numpy()
            except Exception as err:  # safetensors' own error type for truncated data
                raise ValueError(f"cannot read {key!r} from {path} ({_first_line(err)}); the "
                                 "file is truncated or corrupt: delete it and download it "
                                 "again") from None
            if parts[0] in ("wte", "wpe") and parts[1:] == ["weight"]:
                params[parts[0]] = array
            elif parts[0] == "ln_f" and len(parts) == 2:
                params[_HF_NORM_NAMES[parts[1]]] = array
            elif parts[0] == "h" and len(parts) >= 4:
                block = blocks.setdefault(int(parts[1]), {})
                inner = parts[2:-1]
                leaf = (_HF_NORM_NAMES if inner[0].startswith("ln_") else _HF_NAMES).get(
                    parts[-1])
                if leaf is None:
                    raise ValueError(f"{path} has an unexpected tensor {key!r}; is it a "
                                     "GPT-2 model?")
                _set_nested(block, [*inner, leaf], array)
            else:
                raise ValueError(f"{path} has an unexpected tensor {key!r}; is it a "
                                 "GPT-2 model?")
    if blocks and sorted(blocks) != list(range(len(blocks))):
        raise ValueError(f"{path} has blocks {sorted(blocks)}; expected 0..{len(blocks) - 1}")
    params["blocks"] = [blocks[i] for i in range(len(blocks))]
    _check_complete(params, None, str(path))
    return params
