"""Characters per token on held-out text, and what each vocabulary costs in embeddings.

``chars_per_token_table(train_text, heldout_text)`` compares, on text none of
them was trained on:

- the character-level tokenizer of ``train_text`` (one token per character;
  a held-out character it never saw cannot be encoded and is counted);
- GPT-2's BPE (50,257 tokens, learned from English web text);
- byte-level BPEs learned from ``train_text`` at several sizes (``bpe_tokenizer``).

Each row gives the vocabulary, the characters per token and the parameters
of the token embedding (vocabulary x width; the output head costs as much
again unless it is tied to the embedding).
"""

import sys

from .bpe_tokenizer import train_bpe_tokenizer
from .data import CharTokenizer
from .i18n import _, ljust, rjust

DEFAULT_SIZES = (1000, 4000, 8000)


def _row(name, vocab_size, tokens, chars, emb_dim, note=""):
    return {"tokenizer": name, "vocab_size": vocab_size, "tokens": tokens,
            "chars_per_token": chars / tokens if tokens else float("nan"),
            "embedding_params": vocab_size * emb_dim, "note": note}


def chars_per_token_rows(train_text, heldout_text, sizes=DEFAULT_SIZES, emb_dim=768):
    """The table's rows as dicts (see the module)."""
    from .assets import gpt2_tokenizer

    chars = len(heldout_text)
    char_tok = CharTokenizer.from_text(train_text)
    unseen = sum(1 for ch in heldout_text if ch not in char_tok.chars)
    rows = [_row("characters", char_tok.n_vocab, chars, chars, emb_dim,
                 f"{unseen} held-out characters not in the vocabulary" if unseen else "")]
    gpt2 = gpt2_tokenizer()
    rows.append(_row("GPT-2 BPE", gpt2.n_vocab, len(gpt2.encode_ordinary(heldout_text)),
                     chars, emb_dim))
    for size in sizes:
        ours = train_bpe_tokenizer(train_text, size)
        rows.append(_row(f"byte-level BPE {size:,}", ours.n_vocab,
                         len(ours.encode_ordinary(heldout_text)), chars, emb_dim))
    return rows


def print_chars_per_token_table(train_text, heldout_text, sizes=DEFAULT_SIZES, emb_dim=768,
                                out=None):
    """Print the table for ``heldout_text`` (width ``emb_dim``); return its rows."""
    out = out if out is not None else sys.stdout
    rows = chars_per_token_rows(train_text, heldout_text, sizes, emb_dim)
    print(_("held-out text: {chars:,} characters; embeddings {emb_dim} wide")
          .format(chars=len(heldout_text), emb_dim=emb_dim), file=out)
    print(ljust(_("tokenizer"), 22) + rjust(_("vocabulary"), 11) + rjust(_("tokens"), 10)
          + rjust(_("chars/token"), 13) + rjust(_("embedding params"), 18), file=out)
    for r in rows:
        line = (f"{r['tokenizer']:<22}{r['vocab_size']:>11,}{r['tokens']:>10,}"
                f"{r['chars_per_token']:>13.3f}{r['embedding_params']:>18,}")
        print(line + (f"  ({r['note']})" if r["note"] else ""), file=out)
    return rows


__all__ = ["DEFAULT_SIZES", "chars_per_token_rows", "print_chars_per_token_table"]
