"""Token files for pretraining: tokenise a text once, memory-map it afterwards.

Layout of a prepared folder: ``train.bin`` and ``val.bin`` hold the flat token
IDs of the first 90% and the last 10% of the text (by default), as ``uint16``
when the vocabulary has at most 65,535 entries, else ``uint32``; ``meta.json``
records the tokenizer, a char-level vocabulary, the dtype and the text's
SHA-256 (``tokenmeta`` checks it). ``load_split`` memory-maps a split, so a
run touches only the windows ``get_batch`` samples. Tokenizers: ``"char"``,
``"gpt2"`` (tiktoken) or a file in the run's folder (``tokenizer_choice``).
The ``train`` command's use of this is in ``train_data``.
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
        raise FileNotFoundError(_("no text file at {path}").format(path=path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError as err:
        raise ValueError(_("{path} is not UTF-8 text (invalid byte 0x{byte:02x} at offset "
                           "{offset}); convert it first, e.g. iconv -f SHIFT_JIS -t UTF-8")
                         .format(path=path, byte=data[err.start], offset=err.start)) from None
    if not text.strip():
        raise ValueError(_("{path} is empty or holds only whitespace; give a file with text")
                         .format(path=path))
    return text


def text_digest(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare_tokens(text, tokenizer, data_dir, val_fraction=0.1, source=""):
    """Tokenise ``text`` into ``data_dir`` (once) and return its metadata dict.

    If ``data_dir`` already holds the tokens of the same text, tokenizer and
    split, they are only read (a read-only folder serves). Otherwise one
    process tokenises while holding ``meta.json.lock``; the others wait and
    keep its files.
    """
    if isinstance(tokenizer, str) and tokenizer not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {tokenizer!r}; use {' or '.join(TOKENIZERS)}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"the validation fraction must be in (0, 1), got {val_fraction!r}")
    data_dir = Path(data_dir)
    digest = text_digest(text)
    kind, tokenizer_digest = tokenizer_identity(tokenizer)
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


def tokenizer_identity(tokenizer):
    """``(kind, SHA-256 of its file or None)`` as ``meta.json`` records a tokenizer."""
    if isinstance(tokenizer, str):
        return tokenizer, None
    return tokenizer_spec(tokenizer)["kind"], tokenizer.sha256


def _write_tokens(text, tokenizer, data_dir, val_fraction, source, digest):
    kind, tokenizer_digest = tokenizer_identity(tokenizer)
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
    return write_token_files(data_dir, ids, n_train, meta)


def write_token_files(data_dir, ids, n_train, meta):
    """Write ``ids`` as ``train.bin`` (the first ``n_train``) and ``val.bin``, then ``meta``.

    Each file is written atomically, the old ``meta.json`` removed first and
    the new one written last: a killed run leaves no metadata announcing
    half-written files.
    """
    (data_dir / META_NAME).unlink(missing_ok=True)
    fileio.write_bytes(data_dir / SPLIT_FILES["train"], ids[:n_train].tobytes())
    fileio.write_bytes(data_dir / SPLIT_FILES["val"], ids[n_train:].tobytes())
    fileio.write_text(data_dir / META_NAME, json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return meta


def load_split(data_dir, meta, split):
    """The token IDs of ``split`` ("train" or "val") as a read-only memmap."""
    path = Path(data_dir) / SPLIT_FILES[split]
    dtype = np.dtype(meta["dtype"])
    expected = meta[f"{split}_tokens"]
    if not path.is_file() or path.stat().st_size != expected * dtype.itemsize:
        raise ValueError(_("{path} does not hold the {expected} tokens that {meta_name} "
                           "announces; delete the folder to prepare the data again")
                         .format(path=path, expected=expected, meta_name=META_NAME))
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


def tokenizer_spec(tokenizer):
    """What a checkpoint stores to rebuild ``tokenizer``."""
    if isinstance(tokenizer, CharTokenizer):
        return tokenizer.spec()
    if hasattr(tokenizer, "sha256"):  # kept as a file in the run's folder
        from .tokenizer_choice import tokenizer_spec as file_spec

        return file_spec(tokenizer)
    return {"kind": "gpt2"}


__all__ = ["CharTokenizer", "FORMAT_VERSION", "TOKENIZERS", "UnknownCharacterError",
           "get_batch", "load_split", "meta_problems", "prepare_tokens", "read_meta",
           "read_text_file", "reused_meta", "text_digest", "token_dtype", "tokenizer_from_meta",
           "tokenizer_from_spec", "tokenizer_identity", "tokenizer_spec", "write_token_files"]
