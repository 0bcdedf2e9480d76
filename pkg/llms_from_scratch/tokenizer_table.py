"""Characters per token on held-out text, and what each vocabulary costs in embeddings.

Compares, on held-out text, the character-level tokenizer of the training text
(held-out characters it never saw are counted), GPT-2's BPE, and byte-level
BPEs learned from the training text at several sizes. The embedding costs
vocabulary x width parameters (the output head as much again unless tied).
"""

import sys

from .bpe_tokenizer import train_bpe_tokenizer
from .data import CharTokenizer
from .i18n import _, ljust, rjust

DEFAULT_SIZES = (1000, 4000, 8000)


def _row(name, vocab_size, tokens, chars, emb_dim, unseen=0):
    return {"tokenizer": name, "vocab_size": vocab_size, "tokens": tokens,
            "chars_per_token": chars / tokens if tokens else float("nan"),
            "embedding_params": vocab_size * emb_dim, "unseen": unseen}


def chars_per_token_rows(train_text, heldout_text, sizes=DEFAULT_SIZES, emb_dim=768):
    """The table's rows as dicts (see the module)."""
    from .assets import gpt2_tokenizer

    chars = len(heldout_text)
    char_tok = CharTokenizer.from_text(train_text)
    unseen = sum(1 for ch in heldout_text if ch not in char_tok.chars)
    rows = [_row("characters", char_tok.n_vocab, chars, chars, emb_dim, unseen)]
    gpt2 = gpt2_tokenizer()
    rows.append(_row("GPT-2 BPE", gpt2.n_vocab, len(gpt2.encode_ordinary(heldout_text)),
                     chars, emb_dim))
    for size in sizes:
        ours = train_bpe_tokenizer(train_text, size)
        rows.append(_row(f"byte-level BPE {size:,}", ours.n_vocab,
                         len(ours.encode_ordinary(heldout_text)), chars, emb_dim))
    return rows


def _label(row):
    """The row's tokenizer in the reader's language (the rows keep the English name)."""
    if row["tokenizer"] == "characters":
        return _("characters")
    if row["tokenizer"] == "GPT-2 BPE":
        return _("GPT-2 BPE")
    return _("byte-level BPE {size:,}").format(size=row["vocab_size"])


def print_chars_per_token_table(train_text, heldout_text, sizes=DEFAULT_SIZES, emb_dim=768,
                                out=None):
    """Print the table for ``heldout_text`` (width ``emb_dim``); return its rows."""
    out = out if out is not None else sys.stdout
    rows = chars_per_token_rows(train_text, heldout_text, sizes, emb_dim)
    print(_("held-out text: {chars:,} characters; embeddings {emb_dim} wide")
          .format(chars=len(heldout_text), emb_dim=emb_dim), file=out)
    # widths in terminal columns; each column keeps at least two spaces before it
    print(ljust(_("tokenizer"), 24) + rjust(_("vocabulary"), 12) + rjust(_("tokens"), 12)
          + rjust(_("chars/token"), 15) + rjust(_("embedding params"), 22), file=out)
    for r in rows:
        line = (ljust(_label(r), 24) + f"{r['vocab_size']:>12,}{r['tokens']:>12,}"
                f"{r['chars_per_token']:>15.3f}{r['embedding_params']:>22,}")
        if r["unseen"]:
            line += "  " + _("({n} held-out characters not in the vocabulary)").format(
                n=r["unseen"])
        print(line, file=out)
    return rows


__all__ = ["DEFAULT_SIZES", "chars_per_token_rows", "print_chars_per_token_table"]
