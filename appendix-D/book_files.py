# Generated from the package llms_from_scratch (i18n, catalog, basic_download, device).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 本のデータのダウンロードとデバイスの選択（このフォルダで使うものだけ）。ノートブックがこのフォルダだけで動くようにするためのものです。

import errno
import hashlib
import os
import re
import shutil
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import tiktoken
import torch


# ============================================================================
# llms_from_scratch.i18n: the messages of this file in the reader's language
# ============================================================================

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language():
    """``"ja"`` when the environment's locale is Japanese, else ``"en"``."""
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if value:
            first = value.split(":")[0]  # LANGUAGE may list several: ja:en
            return "ja" if first.lower().startswith("ja") else "en"
    return "en"


# The Japanese texts of this file's messages, from the package's catalog.
_JA = {
    '{name} arrived with another SHA-256 than {sha256}':
        'ダウンロードした {name} の SHA-256 が {sha256} と一致しません',
    'could not download {url} ({reason}); check the internet connection and run again, or download it elsewhere and place it at {dest}':
        '{url} をダウンロードできませんでした（{reason}）。インターネット接続を確かめてもう一度実行するか、ほかの場所でダウンロードして {dest} に置いてください',
    'unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps (argument or ${env_var})':
        'デバイス {requested!r} は使えません。auto、cpu、cuda、cuda:N、mps のどれかを指定してください（引数または ${env_var}）',
    'device {requested!r} was requested but CUDA is not available; install a CUDA build of torch or use cpu':
        'デバイス {requested!r} が指定されましたが、CUDA が使えません。CUDA 版の torch を入れるか、cpu を使ってください',
    'device {requested!r} was requested but only {count} CUDA device(s) exist':
        'デバイス {requested!r} が指定されましたが、CUDA デバイスは {count} 個しかありません',
    'device {requested!r} was requested but MPS is not available (it needs Apple silicon and macOS 12.3+); use cpu':
        'デバイス {requested!r} が指定されましたが、MPS が使えません（Apple シリコンと macOS 12.3 以降が必要です）。cpu を使ってください',
    'unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps':
        'デバイス {requested!r} には対応していません。auto、cpu、cuda、cuda:N、mps のどれかを指定してください',
}


def _(message):
    """``message`` in Japanese when the locale is Japanese, else as it is."""
    return _JA.get(message, message) if language() == "ja" else message


# ============================================================================
# llms_from_scratch.catalog: What the book downloads and where each file is kept. (only ASSETS, USER_AGENT, local_path, tiktoken_cache_dir and what it uses)
# ============================================================================

CACHE_ENV_VAR = "LLMS_FROM_SCRATCH_CACHE"
USER_AGENT = "llms-from-scratch (+https://pypi.org/project/llms-from-scratch/)"


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


_BOOK_REPO = "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main"
_GPT2_BPE = "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main"

ASSETS = {
    "the-verdict": Asset(
        "the-verdict",
        "Edith Wharton, The Verdict (1908): the short story of chapters 2 and 5",
        (RemoteFile(f"{_BOOK_REPO}/ch02/01_main-chapter-code/the-verdict.txt",
                    "data/the-verdict.txt",
                    "b41e41a68f0398a3154ae69e2e4c0e2694e17fe0d66730536837f1b01935b31f",
                    size=20479),)),
    "tinyshakespeare": Asset(
        "tinyshakespeare",
        "Tiny Shakespeare: 1.1 MB of plays, the char-level data set of nanoGPT",
        (RemoteFile("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                    "tinyshakespeare/input.txt", "data/tinyshakespeare.txt",
                    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                    size=1115394),)),
    "wagahaiwa-nekodearu": Asset(
        "wagahaiwa-nekodearu",
        "夏目漱石『吾輩は猫である』 from Aozora Bunko (Shift_JIS; cleaned to UTF-8 on use)",
        (RemoteFile("https://www.aozora.gr.jp/cards/000148/files/789_ruby_5639.zip",
                    "data/wagahaiwa_nekodearu.txt",
                    "f8c511ab3e69e3a1ccfea475783c2e4d64917a2cdedfb67441ea27655aca5f75",
                    zip_member="wagahaiwa_nekodearu.txt", size=749051),)),
    "gpt2-tokenizer": Asset(
        "gpt2-tokenizer",
        "GPT-2 BPE files (vocab.bpe, encoder.json) in tiktoken's cache layout",
        (_tiktoken_file(f"{_GPT2_BPE}/vocab.bpe",
                        "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
                        456318),
         _tiktoken_file(f"{_GPT2_BPE}/encoder.json",
                        "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
                        1042301))),
}

# OpenAI's GPT-2 checkpoints (TensorFlow), one asset per size, stored as
# gpt2/<size>/<file> in the cache. OpenAI publishes no digests for them.
GPT2_MODELS_URL = "https://openaipublic.blob.core.windows.net/gpt-2/models"
GPT2_MODEL_FILES = ("checkpoint", "encoder.json", "hparams.json",
                    "model.ckpt.data-00000-of-00001", "model.ckpt.index",
                    "model.ckpt.meta", "vocab.bpe")
ASSETS.update({
    f"gpt2-{size}": Asset(
        f"gpt2-{size}",
        f"OpenAI's GPT-2 {size} weights as a TensorFlow checkpoint (about {mb} MB)",
        tuple(RemoteFile(f"{GPT2_MODELS_URL}/{size}/{name}", f"gpt2/{size}/{name}")
              for name in GPT2_MODEL_FILES),
        large=True)
    for size, mb in (("124M", 500), ("355M", 1400), ("774M", 3100), ("1558M", 6200))})


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


# ============================================================================
# llms_from_scratch.basic_download: A short download of the book's files: what the chapter folders' copies carry. (only gpt2_tokenizer, read_text and what it uses)
# ============================================================================

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


# ============================================================================
# llms_from_scratch.device: Pick the device the book's code runs on: CUDA, then Apple MPS, then CPU. (only get_device and what it uses)
# ============================================================================

DEVICE_ENV_VAR = "LLMS_FROM_SCRATCH_DEVICE"


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def get_device(override=None):
    """Return a ``torch.device``: ``override``, else the env var, else the best available.

    An explicit request for a device that is not available raises
    ``RuntimeError`` instead of silently falling back.
    """
    requested = override if override is not None else os.environ.get(DEVICE_ENV_VAR, "")
    requested = str(requested).strip().lower()
    if requested in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    try:
        device = torch.device(requested)
    except RuntimeError:
        raise ValueError(
            _("unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps "
              "(argument or ${env_var})").format(requested=requested, env_var=DEVICE_ENV_VAR)
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(_("device {requested!r} was requested but CUDA is not "
                                 "available; install a CUDA build of torch or use cpu")
                               .format(requested=requested))
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(_("device {requested!r} was requested but only {count} CUDA "
                                 "device(s) exist")
                               .format(requested=requested, count=torch.cuda.device_count()))
    elif device.type == "mps":
        if not _mps_available():
            raise RuntimeError(_("device {requested!r} was requested but MPS is not "
                                 "available (it needs Apple silicon and macOS 12.3+); use cpu")
                               .format(requested=requested))
    elif device.type != "cpu":
        raise ValueError(_("unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
                         .format(requested=requested))
    return device
