# Generated from the package llms_from_scratch (catalog, basic_download, device, ch02, ch03, ch04, ch05).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 前の章までのコード（とデータのダウンロード、デバイスの選択）。ノートブックがこのフォルダだけで動くようにするためのものです。

from dataclasses import dataclass
from pathlib import Path
import errno
import hashlib
import itertools
import os
import re
import shutil
import urllib.request
import zipfile

from torch.utils.data import DataLoader, Dataset
import matplotlib.pyplot as plt
import numpy as np
import tiktoken
import torch
import torch.nn as nn

from checks import GPT_CONFIG_KEYS, check_generation_args, check_gpt_config, check_model_input
from checks import check_context_fits, check_head_split
from checks import check_dataset_args, check_enough_tokens, check_enough_windows, check_positive_int
from checks import check_generate_args, check_one_sequence, check_text


# ============================================================================
# llms_from_scratch.catalog: What the book downloads and where each file is kept.
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
# llms_from_scratch.basic_download: A short download of the book's files: what the chapter folders' copies carry.
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
            raise OSError(f"{dest.name} arrived with another SHA-256 than {sha256}")
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
        raise OSError(f"could not download {url} ({reason}); check the internet connection "
                      f"and run again, or download it elsewhere and place it at {dest}") from None


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
# llms_from_scratch.device: Pick the device the book's code runs on: CUDA, then Apple MPS, then CPU.
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
            f"unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps "
            f"(argument or ${DEVICE_ENV_VAR})"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {requested!r} was requested but CUDA is not "
                               "available; install a CUDA build of torch or use cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(f"device {requested!r} was requested but only "
                               f"{torch.cuda.device_count()} CUDA device(s) exist")
    elif device.type == "mps":
        if not _mps_available():
            raise RuntimeError(f"device {requested!r} was requested but MPS is not "
                               "available (it needs Apple silicon and macOS 12.3+); use cpu")
    elif device.type != "cpu":
        raise ValueError(f"unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
    return device


# ============================================================================
# llms_from_scratch.ch02: Chapter 2: working with text data.
# ============================================================================

class GPTDatasetV1(Dataset):
    """Sliding windows over a tokenised text.

    Each item is a pair ``(inputs, targets)`` of ``max_length`` token IDs,
    where ``targets`` is ``inputs`` shifted one token to the right. Windows
    start every ``stride`` tokens, so ``stride == max_length`` gives windows
    that do not overlap. ``<|endoftext|>`` written in the text becomes the one
    end-of-text token (ID 50256 in GPT-2), as documents are joined in the book.
    """

    def __init__(self, txt, tokenizer, max_length, stride):
        check_dataset_args(txt, max_length, stride)
        # 1. The whole text as one list of token IDs.
        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        check_enough_tokens(len(token_ids), max_length)

        # 2. Cut it into windows of max_length + 1 tokens that start at 0, stride,
        #    2 * stride, ... (unfold does this in one call); the extra token is
        #    the last window position's target.
        all_ids = torch.tensor(token_ids)  # (num_tokens_in_text,)
        windows = all_ids.unfold(0, max_length + 1, stride)  # (num_windows, max_length + 1)

        # 3. The input is a window without its last token, the target the same
        #    window without its first: target[i] is the token after input[i].
        self.input_ids = windows[:, :-1].contiguous()  # (num_windows, max_length)
        self.target_ids = windows[:, 1:].contiguous()  # (num_windows, max_length)

    def __getitem__(self, idx):
        # One training example: (inputs, targets), each (max_length,).
        return self.input_ids[idx], self.target_ids[idx]

    def __len__(self):
        return self.input_ids.shape[0]


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128,
                         shuffle=True, drop_last=True, num_workers=0):
    """A DataLoader of GPT-2 BPE windows over ``txt`` (see ``GPTDatasetV1``)."""
    check_positive_int("batch_size", batch_size)
    tokenizer = gpt2_tokenizer()
    dataset = GPTDatasetV1(txt, tokenizer, max_length, stride)
    check_enough_windows(len(dataset), batch_size, drop_last)
    # Each batch stacks batch_size windows: inputs and targets (batch_size, max_length).
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        num_workers=num_workers,
    )


# ============================================================================
# llms_from_scratch.ch03: Chapter 3: attention mechanisms. (only MultiHeadAttention and what it uses)
# ============================================================================

class MultiHeadAttention(nn.Module):
    """Multi-head causal self-attention with one projection per Q, K and V.

    The ``d_out`` features are split into ``num_heads`` heads of
    ``head_dim = d_out // num_heads`` features, attended in parallel and
    merged by ``out_proj``.
    """

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        check_head_split(d_out, num_heads)
        # One projection each for all heads together (created in this order:
        # query, key, value, then out_proj, which fixes the random draws).
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # mixes the heads' outputs
        self.dropout = nn.Dropout(dropout)
        future = torch.ones(context_length, context_length, dtype=torch.bool).triu(1)
        self.register_buffer("mask", future, persistent=False)
        # The d_out features are split into num_heads heads of head_dim each.
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads

    def forward(self, x):  # x: (b, num_tokens, d_in)
        b, num_tokens, _ = x.shape
        check_context_fits(num_tokens, self.mask.shape[0])

        # 1. Project every token once, for all heads at the same time.
        queries = self.W_query(x)  # (b, num_tokens, d_out)
        keys = self.W_key(x)  # (b, num_tokens, d_out)
        values = self.W_value(x)  # (b, num_tokens, d_out)

        # 2. Split the features into heads: d_out = num_heads * head_dim.
        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim)
        keys = keys.view(b, num_tokens, self.num_heads, self.head_dim)
        values = values.view(b, num_tokens, self.num_heads, self.head_dim)

        # 3. Put the head axis before the token axis, so that one batched matrix
        #    product attends every head of every text at once.
        queries = queries.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)
        keys = keys.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)
        values = values.transpose(1, 2)  # (b, num_heads, num_tokens, head_dim)

        # 4. From here on as in CausalAttention, per head: scores, causal mask,
        #    scaling by sqrt(head_dim) (each head's key width), softmax, dropout.
        scores = queries @ keys.transpose(2, 3)  # (b, num_heads, num_tokens, num_tokens)
        future = self.mask[:num_tokens, :num_tokens]  # (num_tokens, num_tokens)
        scores = scores.masked_fill(future, float("-inf"))
        weights = torch.softmax(scores / self.head_dim ** 0.5, dim=-1)
        weights = self.dropout(weights)
        context = weights @ values  # (b, num_heads, num_tokens, head_dim)

        # 5. Back to tokens before heads, then the heads side by side. After
        #    transpose the tensor is not contiguous, so reshape (not view).
        context = context.transpose(1, 2)  # (b, num_tokens, num_heads, head_dim)
        context = context.reshape(b, num_tokens, self.d_out)  # (b, num_tokens, d_out)

        # 6. Mix what the heads found.
        return self.out_proj(context)  # (b, num_tokens, d_out)


# ============================================================================
# llms_from_scratch.ch04: Chapter 4: a GPT model from scratch. (only LayerNorm, GELU, FeedForward, TransformerBlock, GPTModel, generate_text_simple and what it uses)
# ============================================================================

class LayerNorm(nn.Module):
    """Normalise each token's features to mean 0 and variance 1, then rescale.

    ``scale`` and ``shift`` are learned, so the model can undo the
    normalisation where that helps.
    """

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(emb_dim))  # gamma, starts as the identity
        self.shift = nn.Parameter(torch.zeros(emb_dim))  # beta
        self.eps = eps  # keeps the division finite for a token whose features are all equal

    def forward(self, x):  # x: (b, num_tokens, emb_dim); each token on its own
        centred = x - x.mean(dim=-1, keepdim=True)  # mean 0 over the features
        # The biased variance (divide by n), as GPT-2's TensorFlow code used.
        spread = torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=False) + self.eps)
        return self.scale * centred / spread + self.shift  # (b, num_tokens, emb_dim)


class GELU(nn.Module):
    """GELU with the tanh approximation used by GPT-2."""

    def forward(self, x):  # any shape, elementwise
        return 0.5 * x * (1.0 + torch.tanh(
            (2.0 / torch.pi) ** 0.5 * (x + 0.044715 * x ** 3)
        ))


class FeedForward(nn.Module):
    """Expand each token to 4x the width, apply GELU, project back."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        self.layers = nn.Sequential(
            nn.Linear(d, 4 * d),  # widen: room to compute features of each token
            GELU(),
            nn.Linear(4 * d, d),  # back to emb_dim, so the shortcut can add it
        )

    def forward(self, x):  # (b, num_tokens, emb_dim) -> (b, num_tokens, 4 * emb_dim) -> back
        return self.layers(x)


class TransformerBlock(nn.Module):
    """Pre-LayerNorm block: x + att(norm1(x)), then x + ff(norm2(x)).

    The same block is computed twice more, for speed: ``fast.FastTransformerBlock``
    (fused kernels) and the loop in ``kvcache.forward_cached`` (new tokens
    against cached keys and values). Change one, change all three:
    ``pkg/tests/test_block_forwards.py`` keeps them equal.
    """

    def __init__(self, cfg):
        super().__init__()
        d = cfg["emb_dim"]
        # Creation order (att, ff, norms, dropout) fixes the random draws at init.
        self.att = MultiHeadAttention(d, d, cfg["context_length"], cfg["drop_rate"],
                                      cfg["n_heads"], qkv_bias=cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(d)  # at the entrance of the attention
        self.norm2 = LayerNorm(d)  # at the entrance of the feed-forward network
        self.drop_shortcut = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):  # x: (b, num_tokens, emb_dim)
        # First half: attention, where the tokens exchange information.
        # Pre-LN: the branch normalises its own input; x itself passes unchanged.
        branch = self.norm1(x)
        branch = self.att(branch)  # (b, num_tokens, emb_dim)
        branch = self.drop_shortcut(branch)
        # The shortcut adds the branch to its input: gradients have a direct
        # path through a deep stack of blocks.
        x = x + branch

        # Second half: the feed-forward network, each token on its own.
        branch = self.norm2(x)
        branch = self.ff(branch)  # (b, num_tokens, emb_dim)
        branch = self.drop_shortcut(branch)
        x = x + branch
        return x  # (b, num_tokens, emb_dim), the shape it came in with


class GPTModel(nn.Module):
    """The GPT-2 architecture, configured by a dict (see ``GPT_CONFIG_KEYS``)."""

    def __init__(self, cfg):
        super().__init__()
        check_gpt_config(cfg)
        d, vocab = cfg["emb_dim"], cfg["vocab_size"]
        self.tok_emb = nn.Embedding(vocab, d)  # token ID -> vector
        self.pos_emb = nn.Embedding(cfg["context_length"], d)  # position -> vector
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        blocks = []
        for _ in range(cfg["n_layers"]):
            blocks.append(TransformerBlock(cfg))
        self.trf_blocks = nn.Sequential(*blocks)
        self.final_norm = LayerNorm(d)  # pre-LN blocks leave their output unnormalised
        self.out_head = nn.Linear(d, vocab, bias=False)  # vector -> a score per token ID

    def forward(self, in_idx):  # in_idx: (b, num_tokens) token IDs
        num_tokens = in_idx.shape[1]
        check_model_input(num_tokens, self.pos_emb.num_embeddings)
        # 1. Token vectors plus position vectors. The positions are the same for
        #    every text, so (num_tokens, emb_dim) broadcasts over the batch.
        positions = torch.arange(num_tokens, device=in_idx.device)  # 0, 1, ..., num_tokens - 1
        x = self.tok_emb(in_idx) + self.pos_emb(positions)  # (b, num_tokens, emb_dim)
        x = self.drop_emb(x)
        # 2. The transformer blocks, one after the other; the shape stays the same.
        x = self.trf_blocks(x)  # (b, num_tokens, emb_dim)
        # 3. A last normalisation, then one score per vocabulary entry.
        x = self.final_norm(x)
        return self.out_head(x)  # (b, num_tokens, vocab_size) logits


def generate_text_simple(model, idx, max_new_tokens, context_size):
    """Greedy decoding: append the most likely next token ``max_new_tokens`` times.

    ``idx`` is a (batch, tokens) tensor; prompts longer than ``context_size``
    are cropped to their last ``context_size`` tokens before each step.
    """
    check_generation_args(model, idx, max_new_tokens, context_size)
    for _ in range(max_new_tokens):
        window = idx[:, -context_size:]  # what the model can see: (b, <= context_size)
        with torch.no_grad():  # no training here, so no graph for backward
            logits = model(window)  # (b, num_tokens, vocab_size)
        last = logits[:, -1, :]  # only the last position predicts a new token: (b, vocab_size)
        next_id = last.argmax(dim=-1, keepdim=True)  # the highest score: (b, 1)
        idx = torch.cat((idx, next_id), dim=1)  # (b, num_tokens + 1)
    return idx


# ============================================================================
# llms_from_scratch.ch05: Chapter 5: pretraining on unlabelled data.
# ============================================================================

def text_to_token_ids(text, tokenizer):
    """Encode ``text`` into a (1, tokens) tensor of token IDs.

    ``<|endoftext|>`` written in the text is allowed and becomes GPT-2's one
    end-of-text token (ID 50256), as in the book; any other text is encoded
    as ordinary characters. An empty text gives a (1, 0) tensor, which
    ``generate`` refuses as a prompt.
    """
    check_text(text)
    encoded = tokenizer.encode(text, allowed_special={"<|endoftext|>"})  # a list of IDs
    encoded = torch.tensor(encoded, dtype=torch.long)  # (num_tokens,)
    return encoded.unsqueeze(0)  # (1, num_tokens): a batch of one, as the model expects


def token_ids_to_text(token_ids, tokenizer):
    """Decode a (1, tokens) or (tokens,) tensor back into text."""
    check_one_sequence(token_ids)
    flat = token_ids.flatten()  # (num_tokens,): drop the batch dimension
    return tokenizer.decode(flat.tolist())


def calc_loss_batch(input_batch, target_batch, model, device):
    """Mean cross-entropy of the model's next-token predictions on one batch."""
    input_batch = input_batch.to(device)  # (b, num_tokens)
    target_batch = target_batch.to(device)  # (b, num_tokens): the next token at each position
    logits = model(input_batch)  # (b, num_tokens, vocab_size)
    # cross_entropy wants one row of scores per prediction: every position of
    # every text is one prediction, so the batch and token axes are merged.
    logits = logits.flatten(0, 1)  # (b * num_tokens, vocab_size)
    targets = target_batch.flatten()  # (b * num_tokens,)
    return torch.nn.functional.cross_entropy(logits, targets)


def calc_loss_loader(data_loader, model, device, num_batches=None):
    """Average ``calc_loss_batch`` over the first ``num_batches`` batches.

    Returns ``nan`` for an empty loader; ``num_batches=None`` means all.
    """
    available = len(data_loader)
    if available == 0:
        return float("nan")  # no batch, no loss (0 would look like a perfect model)
    used = available if num_batches is None else min(num_batches, available)
    total = 0.0
    # islice stops the loader after `used` batches (evaluating on a few is quicker).
    for inputs, targets in itertools.islice(data_loader, used):
        total += calc_loss_batch(inputs, targets, model, device).item()
    return total / used


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    """Training and validation loss over ``eval_iter`` batches each, in eval mode."""
    model.eval()  # dropout off: measure the model as it will be used
    with torch.no_grad():  # only the numbers, no graph for backward
        train = calc_loss_loader(train_loader, model, device, num_batches=eval_iter)
        val = calc_loss_loader(val_loader, model, device, num_batches=eval_iter)
    model.train()  # back to training mode for the next update
    return train, val


def generate_and_print_sample(model, tokenizer, device, start_context):
    """Print a 50-token greedy continuation of ``start_context`` on one line."""
    model.eval()
    prompt = text_to_token_ids(start_context, tokenizer).to(device)  # (1, num_tokens)
    context_size = model.pos_emb.num_embeddings  # the model's context length
    with torch.no_grad():
        out = generate_text_simple(model, prompt, 50, context_size)  # (1, num_tokens + 50)
    model.train()
    text = token_ids_to_text(out, tokenizer)
    print(" ".join(text.split("\n")))  # on one line, so the training log stays readable


def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs,
                       eval_freq, eval_iter, start_context, tokenizer):
    """The chapter's training loop.

    Every ``eval_freq`` steps (from step 0, right after that step's update) it
    records the training and validation loss over ``eval_iter`` batches and the
    tokens seen so far; after each epoch it prints a sample. Returns
    ``(train_losses, val_losses, tokens_seen)``.
    """
    train_losses, val_losses, tokens_seen_log = [], [], []
    seen = 0  # tokens the model has been trained on
    step = 0  # updates so far, over all epochs
    for epoch in range(1, num_epochs + 1):
        model.train()  # dropout on
        for inputs, targets in train_loader:  # each (b, num_tokens)
            # 1. Clear the previous batch's gradients (backward adds to them).
            optimizer.zero_grad()
            # 2. How wrong the model is on this batch.
            loss = calc_loss_batch(inputs, targets, model, device)
            # 3. The gradient of the loss with respect to every weight.
            loss.backward()
            # 4. Move every weight a small step against its gradient.
            optimizer.step()
            seen += inputs.numel()

            # Every eval_freq updates (from the first one): measure and record.
            if step % eval_freq == 0:
                train, val = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train)
                val_losses.append(val)
                tokens_seen_log.append(seen)
                print(f"Ep {epoch} (Step {step:06d}): Train loss {train:.3f}, Val loss {val:.3f}")
            step += 1

        # After each epoch: a sample text shows what the numbers mean.
        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, tokens_seen_log


def plot_losses(epochs_seen, tokens_seen, train_losses, val_losses):
    """Plot training and validation loss against epochs, with tokens seen on top.

    The labels are Japanese, as in the book; importing ``matplotlib_fontja``
    registers the IPAex Gothic font that draws them. Returns the matplotlib
    ``Figure``.
    """
    import matplotlib_fontja  # noqa: F401  (registers IPAex Gothic for the labels)

    fig, ax1 = plt.subplots(figsize=(5, 3))
    ax1.plot(epochs_seen, train_losses, label="学習損失")
    ax1.plot(epochs_seen, val_losses, linestyle="-.", label="検証損失")
    ax1.set_xlabel("エポック")
    ax1.set_ylabel("損失")
    ax1.legend(loc="upper right")
    # A second x-axis that shares the curves but counts tokens instead.
    ax2 = ax1.twiny()
    ax2.plot(tokens_seen, train_losses, alpha=0)
    ax2.set_xlabel("読んだトークン数")
    fig.tight_layout()
    return fig


def _top_p_filter(logits, top_p):
    """Keep the smallest set of tokens whose probabilities add up to ``top_p``."""
    sorted_logits, sorted_idx = torch.sort(logits, descending=True, dim=-1)
    probs = torch.softmax(sorted_logits, dim=-1)
    # Mass of the tokens strictly before each position: a token stays if the
    # tokens ranked above it have not yet reached top_p (so the top one always stays).
    mass_before = torch.cumsum(probs, dim=-1) - probs
    sorted_logits = sorted_logits.masked_fill(mass_before >= top_p, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, sorted_idx, sorted_logits)


def sample_next_token(logits, temperature=0.0, top_k=None, top_p=None):
    """Pick the next token IDs (B, 1) from last-position logits (B, vocab).

    ``top_k`` first keeps the k largest logits; a positive ``temperature``
    then divides the logits, ``top_p`` keeps the nucleus, and a token is
    sampled; ``temperature=0.0`` takes the argmax instead.
    """
    # 1. top-k: every logit below the k-th largest becomes -inf (probability 0).
    if top_k is not None:
        kth_largest = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (b, 1)
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    if temperature > 0.0:
        # 2. Temperature: dividing the logits sharpens (< 1) or flattens (> 1)
        #    the distribution that the softmax makes of them.
        logits = logits / temperature
        # 3. top-p: keep the smallest set of likely tokens that holds top_p of the mass.
        if top_p is not None and top_p < 1.0:
            logits = _top_p_filter(logits, top_p)
        # 4. Draw one token per row from the probabilities.
        probs = torch.softmax(logits, dim=-1)  # (b, vocab_size)
        return torch.multinomial(probs, num_samples=1)  # (b, 1)
    # Temperature 0 is greedy: no randomness, the highest score wins.
    return torch.argmax(logits, dim=-1, keepdim=True)  # (b, 1)


def generate(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None,
             eos_id=None, top_p=None):
    """Generate up to ``max_new_tokens`` tokens after the prompt ``idx``.

    - ``temperature=0.0`` picks the most likely token (greedy); a positive
      temperature divides the logits and samples (below 1 sharper, above 1 flatter).
    - ``top_k`` keeps only the k most likely tokens before sampling.
    - ``top_p`` (nucleus sampling, off by default) keeps the smallest set of
      tokens whose probability adds up to ``top_p``.
    - ``eos_id`` stops early once every sequence in the batch produced it.

    Prompts longer than ``context_size`` are cropped to their last
    ``context_size`` tokens before each step, as in ``generate_text_simple``.
    """
    check_generate_args(model, idx, max_new_tokens, context_size, temperature, top_k,
                        top_p, eos_id)
    for _ in range(max_new_tokens):
        window = idx[:, -context_size:]  # what the model can see: (b, <= context_size)
        with torch.no_grad():
            logits = model(window)  # (b, num_tokens, vocab_size)
        last = logits[:, -1, :]  # the prediction for the next token: (b, vocab_size)
        next_id = sample_next_token(last, temperature, top_k, top_p)  # (b, 1)
        # Stop once every text in the batch has produced the end token.
        if eos_id is not None and bool((next_id == eos_id).all()):
            break
        idx = torch.cat((idx, next_id), dim=1)  # (b, num_tokens + 1)
    return idx


def assign(left, right, name=None):
    """Return ``right`` as a Parameter shaped like ``left``, or raise on a mismatch.

    ``name`` (e.g. ``"trf_blocks.0.att.W_query.weight"``) makes the error say
    which parameter did not fit.
    """
    right = torch.as_tensor(np.asarray(right) if not torch.is_tensor(right) else right)
    if tuple(left.shape) != tuple(right.shape):
        where = f" for {name}" if name else ""
        raise ValueError(
            f"shape mismatch{where}: the model expects {tuple(left.shape)}, "
            f"the checkpoint has {tuple(right.shape)}; does the model config match "
            "the checkpoint's size (emb_dim, n_layers, context_length, vocab_size)?"
        )
    # contiguous: a transposed NumPy view would otherwise keep column-major strides,
    # which sends matmuls down a different (numerically not identical) path
    right = right.detach().clone(memory_format=torch.contiguous_format)
    # A model built on the "meta" device has shapes but no memory: its weights go to the CPU.
    device = "cpu" if left.is_meta else left.device
    return torch.nn.Parameter(right.to(dtype=left.dtype, device=device))


def load_weights_into_gpt(gpt, params, free_params=False):
    """Copy OpenAI GPT-2 weights (the nested NumPy dict) into a ``GPTModel``.

    OpenAI's checkpoint stores Conv1D weights as (in, out) while ``nn.Linear``
    keeps (out, in), so matrices are transposed; the fused ``c_attn`` holds
    query, key and value side by side and is split in three. The output head
    is tied to the token embedding, as in GPT-2.

    ``free_params=True`` drops each array from ``params`` once it is copied,
    so that the arrays and the model are never held in full at once (with a
    model built on the ``meta`` device, GPT-2 1558M then needs ~6.5 GB of
    memory instead of ~13); ``params`` is unusable afterwards.
    """
    n_blocks = len(gpt.trf_blocks)
    if len(params["blocks"]) != n_blocks:
        raise ValueError(f"the checkpoint has {len(params['blocks'])} blocks, the model "
                         f"{n_blocks}; use the config of the checkpoint's size")

    gpt.pos_emb.weight = assign(gpt.pos_emb.weight, params["wpe"], "pos_emb.weight")
    gpt.tok_emb.weight = assign(gpt.tok_emb.weight, params["wte"], "tok_emb.weight")
    if free_params:
        params["wpe"] = params["wte"] = None

    for b, (block, p) in enumerate(zip(gpt.trf_blocks, params["blocks"], strict=True)):
        prefix = f"trf_blocks.{b}"
        att = block.att
        if att.W_query.bias is None:
            raise ValueError("GPT-2 checkpoints have query/key/value biases; build the "
                             "model with cfg['qkv_bias'] = True")
        q_w, k_w, v_w = np.split(np.asarray(p["attn"]["c_attn"]["w"]), 3, axis=-1)
        q_b, k_b, v_b = np.split(np.asarray(p["attn"]["c_attn"]["b"]), 3, axis=-1)
        for lin, w, bias, nm in ((att.W_query, q_w, q_b, "W_query"),
                                 (att.W_key, k_w, k_b, "W_key"),
                                 (att.W_value, v_w, v_b, "W_value")):
            lin.weight = assign(lin.weight, w.T, f"{prefix}.att.{nm}.weight")
            lin.bias = assign(lin.bias, bias, f"{prefix}.att.{nm}.bias")

        linears = ((att.out_proj, p["attn"]["c_proj"], "att.out_proj"),
                   (block.ff.layers[0], p["mlp"]["c_fc"], "ff.layers.0"),
                   (block.ff.layers[2], p["mlp"]["c_proj"], "ff.layers.2"))
        for lin, src, nm in linears:
            lin.weight = assign(lin.weight, np.asarray(src["w"]).T, f"{prefix}.{nm}.weight")
            lin.bias = assign(lin.bias, src["b"], f"{prefix}.{nm}.bias")

        for norm, src, nm in ((block.norm1, p["ln_1"], "norm1"),
                              (block.norm2, p["ln_2"], "norm2")):
            norm.scale = assign(norm.scale, src["g"], f"{prefix}.{nm}.scale")
            norm.shift = assign(norm.shift, src["b"], f"{prefix}.{nm}.shift")
        if free_params:
            params["blocks"][b] = None  # this block's arrays can go now

    gpt.final_norm.scale = assign(gpt.final_norm.scale, params["g"], "final_norm.scale")
    gpt.final_norm.shift = assign(gpt.final_norm.shift, params["b"], "final_norm.shift")
    # Weight tying: GPT-2 reuses the token embedding as the output projection,
    # so both names now refer to one Parameter.
    gpt.out_head.weight = gpt.tok_emb.weight
