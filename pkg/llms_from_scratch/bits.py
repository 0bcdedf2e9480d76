"""Bits per character and per UTF-8 byte: a loss that compares models with different tokenizers.

A loss in nats per token cannot be compared across tokenizers (a token is one
character for one, several for another); the information of a whole text can.
If the validation split has ``tokens`` tokens that decode to ``chars``
characters (``bytes`` bytes in UTF-8), a mean loss of ``L`` nats per token gives

    bits per character = L * tokens / chars / ln 2
    bits per byte      = L * tokens / bytes / ln 2

``text_units`` counts exactly. For a byte-level tokenizer (characters, GPT-2's
BPE, ``bpe_tokenizer``) it adds up the tokens' bytes, and a character counts
where its first byte is (not 0x80..0xBF), so a character cut between two
tokens counts once. A SentencePiece tokenizer normalises the text (rinna's lower-cases it),
so its IDs are decoded and the decoded text counted.
"""

import math

import numpy as np

LN2 = math.log(2.0)


def _byte_counts(tokenizer, token):
    """``(bytes, characters started)`` of one token."""
    data = tokenizer.decode_single_token_bytes(int(token))
    return len(data), sum(1 for b in data if not 0x80 <= b <= 0xBF)


def text_units(tokenizer, ids):
    """``(characters, bytes)`` that the token IDs ``ids`` decode to (see the module)."""
    ids = np.asarray(ids)
    if not getattr(tokenizer, "byte_exact", True):
        text = tokenizer.decode(ids.tolist())
        return len(text), len(text.encode("utf-8"))
    counts = np.bincount(ids.astype(np.int64))
    chars = n_bytes = 0
    for token in np.nonzero(counts)[0]:
        size, starts = _byte_counts(tokenizer, token)
        n_bytes += size * int(counts[token])
        chars += starts * int(counts[token])
    return chars, n_bytes


def bits_per_unit(loss, tokens, units):
    """``loss`` (mean nats per token over ``tokens`` tokens) in bits per character or byte."""
    if units <= 0:
        raise ValueError(f"the text must have at least one character or byte, got {units}")
    return loss * tokens / units / LN2


def val_bits(loss, units):
    """``{"val_bpc", "val_bpb"}`` of a validation loss; ``units`` = (tokens, chars, bytes)."""
    tokens, chars, n_bytes = units
    return {"val_bpc": bits_per_unit(loss, tokens, chars),
            "val_bpb": bits_per_unit(loss, tokens, n_bytes)}


__all__ = ["LN2", "bits_per_unit", "text_units", "val_bits"]
