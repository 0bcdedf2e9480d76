"""A byte-level BPE tokenizer trained on the reader's text, through Hugging Face ``tokenizers``.

Why this library: a Japanese tokenizer of the seed's small size (about 1,000
tokens) must start from bytes, since 吾輩は猫である alone has some 3,000
distinct characters. Hugging Face's byte-level BPE starts from the 256 bytes
with GPT-2's pre-tokenization, as the book's ``bpe`` does, trains fast, and
writes one ``tokenizer.json``. SentencePiece refuses a vocabulary smaller than
its characters unless byte fallback is on; it only reads rinna's tokenizers
(``sp_tokenizer``). Token 0 is ``<|endoftext|>``, then the 256 bytes, then one
token per merge; ``BPETokenizer`` has tiktoken's interface.
"""

import hashlib
from pathlib import Path

from . import fileio
from .bpe import gpt2_byte_order
from .errors import UserError
from .i18n import _

EOT = "<|endoftext|>"
TOKENIZER_FILE = "tokenizer.json"


class TokenizerFileError(UserError):
    """A tokenizer file that cannot be used (a ``ValueError``); the message says why."""


def _char_to_byte():
    """GPT-2's printable stand-in character of each byte, reversed: char -> byte."""
    printable = set(gpt2_byte_order()[:188])
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[chr(byte)] = byte
        else:
            table[chr(256 + extra)] = byte
            extra += 1
    return table


_CHAR_TO_BYTE = _char_to_byte()


class BPETokenizer:
    """A trained byte-level BPE (a ``tokenizers.Tokenizer``) with tiktoken's interface."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.tokenizer.encode_special_tokens = True  # "<|endoftext|>" in a text is text
        self.n_vocab = tokenizer.get_vocab_size()
        self.eot_token = tokenizer.token_to_id(EOT)
        self._bytes = [self._token_bytes(i) for i in range(self.n_vocab)]

    def _token_bytes(self, token_id):
        if token_id == self.eot_token:
            return EOT.encode("utf-8")
        return bytes(_CHAR_TO_BYTE[c] for c in self.tokenizer.id_to_token(token_id))

    def to_str(self):
        return self.tokenizer.to_str()

    @property
    def sha256(self):
        return hashlib.sha256(self.to_str().encode("utf-8")).hexdigest()

    def encode_ordinary(self, text):
        """The IDs of ``text``; ``<|endoftext|>`` written in it is ordinary text."""
        if not isinstance(text, str):
            raise TypeError(f"the text must be a str, got {type(text).__name__}")
        return self.tokenizer.encode(text, add_special_tokens=False).ids if text else []

    def encode(self, text, allowed_special=None):
        """The IDs of ``text``; ``<|endoftext|>`` is the one token 0 if it is allowed."""
        if not allowed_special or EOT not in allowed_special:
            return self.encode_ordinary(text)
        ids = []
        for i, part in enumerate(text.split(EOT)):
            if i:
                ids.append(self.eot_token)
            ids.extend(self.encode_ordinary(part))
        return ids

    def decode_single_token_bytes(self, token):
        if not 0 <= token < self.n_vocab:
            raise KeyError(token)
        return self._bytes[token]

    def decode_bytes(self, ids):
        return b"".join(self.decode_single_token_bytes(int(i)) for i in ids)

    def decode(self, ids):
        """The text of token IDs (bytes that are no whole character become U+FFFD)."""
        try:
            return self.decode_bytes(ids).decode("utf-8", errors="replace")
        except KeyError as err:
            raise ValueError(f"token ID {err.args[0]} is outside the vocabulary "
                             f"0..{self.n_vocab - 1}") from None

    def merges(self):
        """The learned merges in order, each as a pair of byte strings."""
        import json

        model = json.loads(self.to_str())["model"]
        pairs = [m.split(" ") if isinstance(m, str) else m for m in model["merges"]]
        return [tuple(bytes(_CHAR_TO_BYTE[c] for c in part) for part in pair)
                for pair in pairs]

    def save(self, path):
        """Write the tokenizer to ``path`` (atomically); return the path."""
        path = Path(path)
        fileio.write_text(path, self.to_str())
        return path


def train_bpe_tokenizer(texts, vocab_size):
    """A byte-level BPE of ``vocab_size`` tokens (1 + 256 + merges) learned from ``texts``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    texts = [texts] if isinstance(texts, str) else list(texts)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 258:
        raise ValueError(f"a byte-level BPE needs a vocabulary of at least 258 tokens "
                         f"(<|endoftext|>, 256 bytes, one merge), got {vocab_size!r}")
    if not any(t.strip() for t in texts):
        raise ValueError("there is no text to learn a tokenizer from")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=0, special_tokens=[EOT],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    return BPETokenizer(tokenizer)


def train_bpe_tokenizer_on_files(paths, vocab_size):
    """``train_bpe_tokenizer`` on the texts of files or folders (``texts.text_files``:
    folders stand for their ``.txt`` files; Aozora Bunko's files are cleaned)."""
    from .texts import read_text_path, text_files

    return train_bpe_tokenizer([read_text_path(p) for p in text_files(paths)], vocab_size)


def load_bpe_tokenizer(path):
    """The tokenizer saved in ``path``; ``TokenizerFileError`` if it is none of ours."""
    from tokenizers import Tokenizer

    path = Path(path).expanduser()
    if not path.is_file():
        raise TokenizerFileError(_("no tokenizer file at {path}; check the path").format(path=path))
    try:
        tokenizer = Tokenizer.from_str(path.read_text(encoding="utf-8"))
    except Exception as err:  # OSError, UnicodeDecodeError or the library's own error type
        raise TokenizerFileError(_("cannot read the tokenizer {path} ({error}); is it a "
                                   "tokenizer.json of Hugging Face tokenizers?")
                                 .format(path=path, error=str(err).splitlines()[0] if str(err)
                                         else type(err).__name__)) from None
    if type(tokenizer.model).__name__ != "BPE" or tokenizer.token_to_id(EOT) is None \
            or any(tokenizer.token_to_id(c) is None for c in _CHAR_TO_BYTE):
        raise TokenizerFileError(_("{path} is not a byte-level BPE with {eot} (as "
                                   "train_bpe_tokenizer writes); train one with --tokenizer "
                                   "bpe:SIZE").format(path=path, eot=EOT))
    return BPETokenizer(tokenizer)


__all__ = ["BPETokenizer", "EOT", "TOKENIZER_FILE", "TokenizerFileError", "load_bpe_tokenizer",
           "train_bpe_tokenizer", "train_bpe_tokenizer_on_files"]
