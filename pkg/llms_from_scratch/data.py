"""Token files for pretraining: tokenise a text once, memory-map it afterwards.

``prepare_tokens`` turns a text into two flat files of token IDs,
``train.bin`` and ``val.bin`` (the first 90% and the last 10% of the text by
default), plus ``meta.json`` describing them: the tokenizer, the character
vocabulary of a char-level tokenizer, the NumPy dtype and the text's
SHA-256. The IDs are stored as ``uint16`` when the vocabulary has at most
65,535 entries (a char-level vocabulary, GPT-2's 50,257 BPE tokens) and as
``uint32`` otherwise. ``load_split`` opens a file as a read-only
``numpy.memmap``, so a training run touches only the windows it samples.
``tokenmeta`` checks every field of ``meta.json`` against the files and the
text; a folder that fails is prepared again.

Tokenizers:

- ``"char"``: one token per Unicode character, the vocabulary being the
  sorted set of characters of the text (``CharTokenizer``);
- ``"gpt2"``: OpenAI's GPT-2 byte-pair encoding through tiktoken;
- a tokenizer object kept as a file in the run's folder
  (``tokenizer_choice``: a byte-level BPE learned from the text, or a
  SentencePiece model); ``meta.json`` then records its kind and SHA-256.

``--text`` may name several files or folders (``read_texts``).

For the ``train`` command, ``prepare_data(cfg, dist)`` reads the configured
text, prepares its token files (rank 0 only in a distributed run), checks
``meta.json``, and ``load_splits`` maps both splits and checks their IDs;
``get_batch`` draws random training windows from a split.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from . import fileio
from .config import TOKENIZERS, TrainError
from .errors import UserError
from .i18n import _
from .tokenmeta import (
    FILE_TOKENIZERS,
    FORMAT_VERSION,
    META_NAME,
    SPLIT_FILES,
    meta_problems,
    read_meta,
    reused_meta,
    text_problems,
    token_dtype,
)


class UnknownCharacterError(UserError):
    """A text holds a character outside a char-level vocabulary (a ``ValueError``)."""


class CharTokenizer:
    """A character-level tokenizer: token ``i`` is the character ``chars[i]``.

    It offers the parts of tiktoken's interface that the package uses
    (``encode``, ``decode``, ``decode_single_token_bytes``, ``n_vocab``,
    ``eot_token``); it has no end-of-text token, so ``eot_token`` is None.
    """

    def __init__(self, chars):
        if not isinstance(chars, str) or not chars:
            raise ValueError("a char-level vocabulary must be a non-empty string")
        if len(set(chars)) != len(chars):
            raise ValueError("a char-level vocabulary must not repeat characters")
        self.chars = chars
        self._ids = {ch: i for i, ch in enumerate(chars)}
        self.n_vocab = len(chars)
        self.eot_token = None

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every distinct character in ``text``, sorted."""
        if not isinstance(text, str):
            raise TypeError(f"the text must be a str, got {type(text).__name__}")
        if not text:
            raise ValueError("the text is empty; there is nothing to build a vocabulary from")
        return cls("".join(sorted(set(text))))

    def encode(self, text, allowed_special=None):  # noqa: ARG002 (tiktoken's signature)
        """One ID per character; ``UnknownCharacterError`` names one outside the vocabulary.

        ``allowed_special`` is accepted for tiktoken's signature and ignored:
        there are no special tokens, so ``<|endoftext|>`` is 13 characters.
        """
        if not isinstance(text, str):
            raise TypeError(f"the text must be a str, got {type(text).__name__}")
        try:
            return [self._ids[ch] for ch in text]
        except KeyError as err:
            raise UnknownCharacterError(_("the character {value1!r} is not in the model's "
                                          "vocabulary of {n_vocab} characters; remove or replace "
                                          "it, or train on a text that contains it")
                                        .format(value1=err.args[0], n_vocab=self.n_vocab)
                                        ) from None

    def decode(self, ids):
        """The text of token IDs in ``0..n_vocab - 1``; ``ValueError`` for any other ID."""
        ids = [int(i) for i in ids]
        bad = [i for i in ids if not 0 <= i < self.n_vocab]
        if bad:
            raise ValueError(f"token ID {bad[0]} is outside the vocabulary 0..{self.n_vocab - 1}; "
                             "decode only IDs of this tokenizer (or of a model trained with it)")
        return "".join(self.chars[i] for i in ids)

    def decode_single_token_bytes(self, token):
        if not 0 <= token < self.n_vocab:
            raise KeyError(token)
        return self.chars[token].encode("utf-8")

    def spec(self):
        """What a checkpoint stores to rebuild this tokenizer."""
        return {"kind": "char", "chars": self.chars}


def tokenizer_from_spec(spec, folder=None):
    """A tokenizer from a checkpoint's ``{"kind": ..., ...}`` entry.

    A ``bpe`` or ``sentencepiece`` entry names its file, looked for in
    ``folder`` (the checkpoint's) unless the path is absolute.
    """
    if isinstance(spec, dict) and spec.get("kind") in FILE_TOKENIZERS:
        from .tokenizer_choice import tokenizer_from_spec as from_file

        return from_file(spec, folder)
    if not isinstance(spec, dict) or spec.get("kind") not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer entry {spec!r}; expected "
                         '{"kind": "char", "chars": ...} or {"kind": "gpt2"}')
    if spec["kind"] == "char":
        return CharTokenizer(spec.get("chars"))
    from .assets import gpt2_tokenizer

    return gpt2_tokenizer()


def read_text_file(path):
    """The contents of a UTF-8 text file; ``ValueError`` if it is not UTF-8 or empty."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no text file at {path}")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text (invalid byte 0x{data[err.start]:02x} at "
                         f"offset {err.start}); convert it first, e.g. iconv -f SHIFT_JIS "
                         "-t UTF-8") from None
    if not text.strip():
        raise ValueError(f"{path} is empty or holds only whitespace; give a file with text")
    return text


def text_digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare_tokens(text, tokenizer, data_dir, val_fraction=0.1, source=""):
    """Tokenise ``text`` into ``data_dir`` (once) and return its metadata dict.

    If ``data_dir`` already holds the tokens of the same text, tokenizer and
    split, nothing is done. Each file is written to a temporary name and
    renamed, ``meta.json`` last, so an interrupted (even killed) run leaves no
    half-written data that looks complete. Prepared tokens are only read (a
    read-only folder serves them); otherwise one process tokenises while
    holding ``meta.json.lock`` and the others wait for it and keep its files.
    """
    if isinstance(tokenizer, str) and tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; use {' or '.join(TOKENIZERS)}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"the validation fraction must be in (0, 1), got {val_fraction!r}")
    data_dir = Path(data_dir)
    digest = text_digest(text)
    kind, tokenizer_digest = _tokenizer_identity(tokenizer)
    wanted = {"sha256": digest, "tokenizer": kind, "tokenizer_sha256": tokenizer_digest,
              "val_fraction": val_fraction}
    meta = reused_meta(data_dir, wanted, lambda meta: text_problems(meta, text))
    if meta is not None:  # only read: a read-only folder of prepared tokens serves
        return meta
    data_dir.mkdir(parents=True, exist_ok=True)
    with fileio.file_lock(data_dir / META_NAME):  # one process tokenises, the others wait
        meta = reused_meta(data_dir, wanted, lambda meta: text_problems(meta, text), say=True)
        if meta is None:
            meta = _write_tokens(text, tokenizer, data_dir, val_fraction, source, digest)
    return meta


def _tokenizer_identity(tokenizer):
    """``(kind, SHA-256 of its file or None)`` as ``meta.json`` records a tokenizer."""
    if isinstance(tokenizer, str):
        return tokenizer, None
    return tokenizer_spec(tokenizer)["kind"], tokenizer.sha256


def _write_tokens(text, tokenizer, data_dir, val_fraction, source, digest):
    kind, tokenizer_digest = _tokenizer_identity(tokenizer)
    if not isinstance(tokenizer, str):
        tok = tokenizer
        ids = tok.encode_ordinary(text)
    elif tokenizer == "char":
        tok = CharTokenizer.from_text(text)
        ids = tok.encode(text)
    else:
        from .assets import gpt2_tokenizer

        tok = gpt2_tokenizer()
        ids = tok.encode_ordinary(text)
    vocab_size = tok.n_vocab
    dtype = token_dtype(vocab_size)
    ids = np.asarray(ids, dtype=dtype)
    n_train = int(len(ids) * (1.0 - val_fraction))
    (data_dir / META_NAME).unlink(missing_ok=True)  # no old meta.json over new token files
    fileio.write_bytes(data_dir / SPLIT_FILES["train"], ids[:n_train].tobytes())
    fileio.write_bytes(data_dir / SPLIT_FILES["val"], ids[n_train:].tobytes())
    meta = {
        "format": FORMAT_VERSION,
        "source": source,
        "sha256": digest,
        "tokenizer": kind,
        "vocab_size": int(vocab_size),
        "dtype": dtype.name,
        "val_fraction": val_fraction,
        "characters": len(text),
        "train_tokens": int(n_train),
        "val_tokens": int(len(ids) - n_train),
    }
    if tokenizer == "char":
        meta["chars"] = tok.chars
    if tokenizer_digest is not None:
        meta["tokenizer_sha256"] = tokenizer_digest
    fileio.write_text(data_dir / META_NAME, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return meta


def load_split(data_dir, meta, split):
    """The token IDs of ``split`` ("train" or "val") as a read-only memmap."""
    path = Path(data_dir) / SPLIT_FILES[split]
    dtype = np.dtype(meta["dtype"])
    expected = meta[f"{split}_tokens"]
    if not path.is_file() or path.stat().st_size != expected * dtype.itemsize:
        raise ValueError(f"{path} does not hold the {expected} tokens that {META_NAME} "
                         "announces; delete the folder to prepare the data again")
    return np.memmap(path, dtype=dtype, mode="r")


def tokenizer_from_meta(meta):
    if meta["tokenizer"] == "char":
        return CharTokenizer(meta["chars"])
    if meta["tokenizer"] in FILE_TOKENIZERS:
        raise TrainError(_("these tokens were made by a {kind} tokenizer file (SHA-256 "
                           "{sha256}); it is kept in the run's --out-dir: give that file with "
                           "--tokenizer")
                         .format(kind=meta["tokenizer"], sha256=meta.get("tokenizer_sha256")))
    return tokenizer_from_spec({"kind": "gpt2"})


def get_batch(tokens, batch_size, context_length, generator):
    """``batch_size`` random windows of ``tokens`` and the same shifted by one token."""
    starts = torch.randint(len(tokens) - context_length, (batch_size,), generator=generator)
    rows = [np.asarray(tokens[i:i + context_length + 1], dtype=np.int64)
            for i in starts.tolist()]
    block = torch.from_numpy(np.stack(rows))
    return block[:, :-1], block[:, 1:]


# -- the train command's data --------------------------------------------------------------


def _default_data_dir(cfg, digest, tokenizer=None):
    from .assets import cache_dir

    if cfg["text"] is not None:
        first = cfg["text"] if isinstance(cfg["text"], str) else cfg["text"][0]
        stem = Path(first).stem or "text"
        name = f"{stem}-{digest[:12]}"
    elif cfg["documents"] is not None:
        stem = Path(cfg["documents"]).stem or "documents"
        name = f"{stem}-docs-{digest[:12]}"
    else:
        name = cfg["dataset"]
    if tokenizer is not None:  # a tokenizer file: its kind and digest name the tokens
        kind, tokenizer_digest = _tokenizer_identity(tokenizer)
        return cache_dir() / "tokens" / f"{name}-{kind}-{tokenizer_digest[:12]}"
    return cache_dir() / "tokens" / f"{name}-{cfg['tokenizer']}"


def _read_source(cfg):
    """(text, source label) of ``--text`` or ``--dataset``."""
    if cfg["text"] is not None:
        from .texts import read_texts

        paths = [cfg["text"]] if isinstance(cfg["text"], str) else cfg["text"]
        try:
            return read_texts(paths), ", ".join(str(p) for p in paths)
        except FileNotFoundError as err:
            raise TrainError(_("{err}; check the path given to --text")
                             .format(err=err)) from None
        except OSError as err:
            raise TrainError(_("cannot read --text {text} ({strerror}); check the path and its "
                               "permissions")
                             .format(text=cfg['text'], strerror=err.strerror or err)) from None
        except ValueError as err:  # not UTF-8, or empty
            raise TrainError(str(err)) from None
    from . import assets

    try:
        return assets.read_text(cfg["dataset"]), cfg["dataset"]
    except assets.DownloadError as err:
        raise TrainError(str(err)) from None


def _read_documents(cfg):
    """The documents of ``--documents`` (``TrainError`` naming the flag if unreadable)."""
    from .documents import read_documents

    try:
        return read_documents(cfg["documents"])
    except FileNotFoundError as err:
        raise TrainError(_("{err}; check the path given to --documents")
                         .format(err=err)) from None
    except OSError as err:
        raise TrainError(_("cannot read --documents {documents} ({strerror}); check the path and "
                           "its permissions")
                         .format(documents=cfg['documents'],
                                 strerror=err.strerror or err)) from None
    except ValueError as err:  # DocumentsError, a file that is not UTF-8 or empty
        raise TrainError(str(err)) from None


def _prepare_on_main(text, source, cfg, data_dir, tokenizer=None):
    """Token files of a text, or of a list of documents (separator placed by code)."""
    from .assets import DownloadError
    from .documents import prepare_documents

    try:
        if isinstance(text, list):
            return prepare_documents(text, tokenizer or cfg["tokenizer"], data_dir,
                                     cfg["val_fraction"], source=source)
        return prepare_tokens(text, tokenizer or cfg["tokenizer"], data_dir,
                              cfg["val_fraction"], source=source)
    except DownloadError as err:  # GPT-2's tokenizer files
        raise TrainError(str(err)) from None
    except OSError as err:
        raise TrainError(_("cannot write the token files to {data_dir} ({strerror}); choose "
                           "another --data-dir")
                         .format(data_dir=data_dir, strerror=err.strerror or err)) from None


def prepare_data(cfg, dist=None):
    """Tokenise the configured text once; return ``(data_dir, meta)``.

    In a distributed run (``dist``, a ``distributed.Dist``) rank 0 prepares
    the files while the others wait.
    """
    return prepare_run_data(cfg, dist)[:2]


def _run_tokenizer(cfg, text, is_main):
    """The tokenizer object of a ``--tokenizer`` kept as a file, else None."""
    from .tokenizer_choice import run_tokenizer

    if cfg["tokenizer"] in ("char", "gpt2"):
        return None
    if isinstance(text, list):  # documents: learn from the training documents only
        from .documents import split_point

        training_split = "\n".join(text[:split_point(len(text), cfg["val_fraction"])])
    else:
        training_split = text[:int(len(text) * (1.0 - cfg["val_fraction"]))]
    return run_tokenizer(cfg, training_split, is_main)[0]


def prepare_run_data(cfg, dist=None):
    """``(data_dir, meta, tokenizer)``: ``prepare_data``'s result and the tokenizer object of
    a ``--tokenizer`` kept as a file in ``--out-dir`` (None for char and gpt2)."""
    if cfg["documents"] is not None:
        from .documents import documents_digest

        text, source = _read_documents(cfg), str(cfg["documents"])
        digest = documents_digest(text)
    else:
        text, source = _read_source(cfg)
        digest = text_digest(text)
    is_main = dist is None or dist.is_main
    tokenizer = _run_tokenizer(cfg, text, is_main)
    data_dir = Path(cfg["data_dir"]).expanduser() if cfg["data_dir"] else \
        _default_data_dir(cfg, digest, tokenizer)
    if is_main:
        meta = _prepare_on_main(text, source, cfg, data_dir, tokenizer)
    if dist is not None:
        dist.barrier()
    if not is_main:
        meta = read_meta(data_dir)
        if meta is None or meta.get("sha256") != digest or (
                tokenizer is not None and meta.get("tokenizer_sha256") != tokenizer.sha256):
            raise TrainError(_("rank 0 did not prepare {data_dir}; is the folder shared?")
                             .format(data_dir=data_dir))
    check_meta(meta, data_dir)
    for split in ("train", "val"):
        if meta[f"{split}_tokens"] <= cfg["context_length"]:
            raise TrainError(
                _("the {split} split has only {n_tokens} tokens, not more than the context "
                  "length {context_length}; use a longer text or a shorter --context-length")
                .format(split=split, n_tokens=meta[f"{split}_tokens"],
                        context_length=cfg["context_length"]))
    return data_dir, meta, tokenizer


def check_meta(meta, data_dir):
    """``meta.json`` must describe the token files fully, or training would crash later."""
    problems = meta_problems(meta, data_dir)
    if problems:
        raise TrainError(_("{meta_file} does not match the token files ({problems}); delete "
                           "the folder {data_dir} to prepare the data again")
                         .format(meta_file=data_dir / META_NAME, problems="; ".join(problems),
                                 data_dir=data_dir))


def _check_token_ids(data_dir, meta, split, tokens, chunk=1 << 22):
    """Every token ID must be in the vocabulary: catches token files damaged in place."""
    vocab_size = meta["vocab_size"]
    for start in range(0, len(tokens), chunk):
        block = tokens[start:start + chunk]
        if len(block) and int(block.max()) >= vocab_size:
            raise TrainError(
                _("{data_dir} holds token ID {max} but the vocabulary has {vocab_size} tokens; "
                  "the file is corrupt: delete the folder {data_dir2} to prepare the data again")
                .format(data_dir=data_dir / SPLIT_FILES[split], max=int(block.max()),
                        vocab_size=vocab_size, data_dir2=data_dir))


def load_splits(data_dir, meta):
    """``(train_tokens, val_tokens)``, memory-mapped and checked against the vocabulary."""
    splits = []
    for split in ("train", "val"):
        try:
            tokens = load_split(data_dir, meta, split)
        except ValueError as err:
            raise TrainError(str(err)) from None
        _check_token_ids(data_dir, meta, split, tokens)
        splits.append(tokens)
    return tuple(splits)


def tokenizer_for_training(meta):
    """The tokenizer of prepared data (``TrainError`` if GPT-2's files cannot be had)."""
    from .assets import DownloadError

    try:
        return tokenizer_from_meta(meta)
    except DownloadError as err:
        raise TrainError(str(err)) from None


def tokenizer_spec(tokenizer):
    """What a checkpoint stores to rebuild ``tokenizer``."""
    if isinstance(tokenizer, CharTokenizer):
        return tokenizer.spec()
    if hasattr(tokenizer, "sha256"):  # kept as a file in the run's folder
        from .tokenizer_choice import tokenizer_spec as file_spec

        return file_spec(tokenizer)
    return {"kind": "gpt2"}


__all__ = ["CharTokenizer", "FORMAT_VERSION", "TOKENIZERS", "UnknownCharacterError",
           "check_meta", "get_batch", "meta_problems", "reused_meta",
           "load_split", "load_splits", "prepare_data", "prepare_run_data", "prepare_tokens",
           "read_meta",
           "read_text_file", "text_digest", "token_dtype", "tokenizer_for_training",
           "tokenizer_from_meta", "tokenizer_from_spec", "tokenizer_spec"]
