"""What the book downloads and where each file is kept.

Each asset is one or more ``RemoteFile``: a public URL, a path in the cache
folder and, where known, a SHA-256 digest. The cache folder is
``$LLMS_FROM_SCRATCH_CACHE`` if set, else ``$XDG_CACHE_HOME/llms-from-scratch``
(``~/.cache/llms-from-scratch``); tiktoken's GPT-2 files go to
``$TIKTOKEN_CACHE_DIR`` if set, else to the ``tiktoken`` folder of the cache.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

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
