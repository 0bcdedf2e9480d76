"""The concept figures of the bonus notebook ch05/japanese-gpt.ipynb (drawn by tools/figures.py).

The bytes in figure 5D.1 are the UTF-8 encoding of the characters, computed
here; the GPT-2 segmentation in figure 5D.2 is what tiktoken's "gpt2"
encoding gives for 「吾輩は猫である。」 (13 tokens), written out so that the
figure needs no tokenizer files.
"""

import matplotlib.pyplot as plt
from figstyle import INK, MUTED, PALETTE, arrow, box, canvas, label

WORD = "吾輩は猫"


def _byte_row(ax, y, groups, x0=1.75, cell=0.5, gap=0.08):
    """Boxes of byte groups (each a list of byte values) from x0; returns the boxes' centres."""
    centres, x = [], x0
    for group in groups:
        width = cell * len(group)
        text = " ".join(f"{b:02X}" for b in group)
        decoded = bytes(group).decode("utf-8", errors="replace")
        kind = "data" if "\ufffd" not in decoded else "plain"
        shown = text if kind == "plain" else f"{decoded}\n{text}"
        box(ax, x + width / 2, y, width - gap, 0.5, shown, kind, size=8)
        centres.append(x + width / 2)
        x += width
    return centres


def fig_5d_1():
    """How byte-level BPE merges the bytes of Japanese text into characters and words."""
    data = [list(ch.encode("utf-8")) for ch in WORD]  # 4 characters, 3 bytes each
    flat = [[b] for ch in data for b in ch]
    partial = [data[0][:2], [data[0][2]]] + flat[3:]
    chars = data
    word = [data[0] + data[1], data[2], data[3]]
    fig, ax = canvas(8.6, 4.3)
    rows = [(3.7, flat, "UTF-8 のバイト\n（12 トークン）"),
            (2.7, partial, "よく並ぶ 2 バイトを\n1 つに（11 トークン）"),
            (1.7, chars, "1 文字が 1 トークン\n（4 トークン）"),
            (0.7, word, "よく出る並びは\n単語に（3 トークン）")]
    for y, groups, text in rows:
        label(ax, 0.85, y, text, size=8.5, color=INK)
        _byte_row(ax, y, groups)
    for y_top, y_bottom in ((3.7, 2.7), (2.7, 1.7), (1.7, 0.7)):
        arrow(ax, (8.1, y_top - 0.25), (8.1, y_bottom + 0.25), color=MUTED)
    label(ax, 8.25, 2.2, "マージ", size=8.5, ha="left")
    label(ax, 4.75, 4.2, f"「{WORD}」を BPE のマージで短くしていく例（灰色：まだ文字になっていないバイト列）",
          size=9, color=INK)
    return fig


SENTENCE = "吾輩は猫である。"


def _token_row(ax, y, pieces, kind, x0=2.2, width=5.2):
    """One cell per token over a bar of ``width`` inches, as wide as the token's bytes.

    ``pieces`` are the byte counts of the tokens of SENTENCE, in order; a token
    that is a whole text shows it, a piece of a character shows its bytes' count.
    """
    data, total, x, start = SENTENCE.encode("utf-8"), sum(pieces), x0, 0
    face, edge = PALETTE[kind]
    for piece in pieces:
        w = width * piece / total
        ax.add_patch(plt.Rectangle((x, y - 0.18), w, 0.36, facecolor=face, edgecolor=edge,
                                   linewidth=1.0))
        try:
            text = data[start:start + piece].decode("utf-8")
        except UnicodeDecodeError:
            text = f"{piece}B"
        label(ax, x + w / 2, y, text, size=8 if len(text) < 3 else 7.5, color=INK)
        x, start = x + w, start + piece


def fig_5d_2():
    """Why bits per character: the same text, different numbers of tokens."""
    gpt2_bytes = [2, 1, 1, 1, 1, 3, 1, 1, 1, 3, 3, 3, 3]  # tiktoken "gpt2" on SENTENCE
    assert sum(gpt2_bytes) == len(SENTENCE.encode("utf-8"))
    rows = [(3.3, "文字単位", [3] * 8, "8 トークン", "data"),
            (2.55, "BPE（例）", [6, 3, 3, 9, 3], "5 トークン", "param"),
            (1.8, "GPT-2 の BPE", gpt2_bytes, "13 トークン", "op")]
    fig, ax = canvas(8.8, 4.0)
    label(ax, 4.8, 3.8, f"同じ文「{SENTENCE}」（8 文字、UTF-8 で 24 バイト）", size=9.5, color=INK)
    for y, name, pieces, count, kind in rows:
        label(ax, 1.1, y, name, size=9, color=INK)
        _token_row(ax, y, pieces, kind)
        label(ax, 7.55, y, count, size=9, ha="left", color=INK)
    box(ax, 2.7, 0.75, 3.6, 0.8,
        "損失 = 1 トークンあたりの nats\n→ トークンの数え方で変わる", "loss", size=9)
    box(ax, 6.7, 0.75, 3.6, 0.8,
        "損失 × トークン数 ÷ 文字数 ÷ ln 2\n= bits per character（文の情報量）", "param", size=9)
    arrow(ax, (4.55, 0.75), (4.85, 0.75))
    label(ax, 4.8, 1.35, "同じ文でも、1 トークンの受け持つ文字の量がトークナイザごとに違う",
          size=8.5)
    return fig
