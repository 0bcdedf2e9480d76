"""The drawing functions of the bonus notebooks' concept figures, one per figure.

Each function returns a matplotlib Figure drawn in the style of figstyle.py.
Where a figure shows numbers, they are computed here from the notebook's own
example (the BPE merges of its toy sentence, the IDs of Tiny Shakespeare).
"""

from collections import Counter

import matplotlib.pyplot as plt
from figstyle import INK, MUTED, PALETTE, arrow, box, canvas, grid, label
from llms_from_scratch.bpe import adjacent_pairs, merge_pair


# ---------------------------------------------------------------- chapter 2: BPE
def _most_frequent_pair(ids):
    counts = Counter(adjacent_pairs(ids))
    # the notebook's rule: the highest count, ties broken by the smaller pair of IDs
    pair = max(counts, key=lambda p: (counts[p], -p[0], -p[1]))
    return pair, counts[pair]


def fig_2a_1():
    toy = "the cat and the hat, then the rat"   # the notebook's toy sentence
    ids = list(toy.encode("utf-8"))
    vocab = {i: bytes([i]) for i in range(256)}
    rows = [(ids, "256 種類のバイトから出発")]
    for new_id in (256, 257):
        pair, count = _most_frequent_pair(ids)
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        ids = merge_pair(ids, pair, new_id)
        shown = vocab[new_id].decode().replace(" ", "␣")
        rows.append((ids, f"最も多いペア（{count} 回）を 1 つにして ID {new_id} = '{shown}'"))
    fig, ax = canvas(9.4, 3.3)
    cell, x0 = 0.36, 0.25
    for r, (row_ids, text) in enumerate(rows):
        y = 2.55 - r * 1.0
        label(ax, x0, y + 0.5, f"{text}（{len(row_ids)} トークン）", size=9, ha="left", color=INK)
        x = x0
        for token in row_ids[:19]:  # the start of the toy sentence
            piece = vocab[token].decode().replace(" ", "␣")
            width = cell * max(1, len(piece)) * 0.8 + 0.08
            kind = "op" if token >= 256 else "data"
            face, edge = PALETTE[kind]
            ax.add_patch(plt.Rectangle((x, y), width, cell, facecolor=face, edgecolor=edge, lw=1))
            label(ax, x + width / 2, y + cell / 2, piece, size=9, color=INK)
            x += width
        label(ax, x + 0.1, y + cell / 2, "…", size=10, color=INK, ha="left")
    label(ax, 4.7, 0.15, "「数える → 併合する」を語彙が目標の大きさになるまでくり返す。"
          "オレンジは併合でできたトークン（例文の先頭 19 個）", size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 3: efficient attention
def fig_3a_1():
    fig, ax = canvas(9.4, 3.9)
    label(ax, 2.3, 3.7, "第3章の MultiHeadAttention", size=10, color=INK)
    label(ax, 7.0, 3.7, "このノートブックの速い版", size=10, color=INK)
    # projections: three matmuls vs one
    box(ax, 0.75, 2.73, 0.6, 0.32, "x", "data", size=8.5)
    for i, name in enumerate(("W_query", "W_key", "W_value")):
        y = 3.15 - i * 0.42
        box(ax, 2.3, y, 1.3, 0.32, name, "param", size=8.5)
        box(ax, 3.55, y, 0.7, 0.32, "QKV"[i], "data", size=8.5)
        arrow(ax, (1.05, 2.73), (1.65, y))
        arrow(ax, (2.95, y), (3.2, y))
    label(ax, 2.3, 2.05, "行列積 3 回", size=8.5)
    box(ax, 5.4, 2.73, 0.6, 0.32, "x", "data", size=8.5)
    box(ax, 6.75, 2.73, 1.7, 0.42, "qkv\n(d_in → 3·d_out)", "param", size=8)
    box(ax, 8.7, 2.73, 1.1, 0.9, "view\npermute\nunbind\n→ Q, K, V", "op", size=8)
    arrow(ax, (5.7, 2.73), (5.9, 2.73))
    arrow(ax, (7.6, 2.73), (8.15, 2.73))
    label(ax, 6.75, 2.05, "行列積 1 回（3A.2）", size=8.5)
    ax.plot([4.55, 4.55], [0.2, 3.6], color=MUTED, lw=0.8, ls=":")
    # the attention itself: five steps vs one call
    steps = ["Q @ K.T / √d", "マスク", "softmax", "dropout", "@ V"]
    widths = [1.05, 0.6, 0.7, 0.7, 0.5]
    x = 0.15
    for i, (text, width) in enumerate(zip(steps, widths)):
        if i:
            arrow(ax, (x, 1.2), (x + 0.14, 1.2))
            x += 0.14
        box(ax, x + width / 2, 1.2, width, 0.42, text, "op", size=8)
        x += width
    label(ax, 2.35, 0.6, "演算を 1 つずつ呼ぶ。T × T のスコアと重みを\nメモリに書き出す", size=8.5)
    ax.add_patch(plt.Rectangle((5.1, 0.85), 4.1, 0.75, fill=False, edgecolor=PALETTE["op"][1],
                               lw=1.3, ls="--"))
    for i, text in enumerate(steps):
        label(ax, 5.5 + i * 0.8, 1.22, text, size=8, color=INK)
    label(ax, 7.15, 1.75, "F.scaled_dot_product_attention の 1 回の呼び出し（3A.3）", size=8.5,
          color=PALETTE["op"][1])
    label(ax, 7.15, 0.45, "融合カーネルならブロックごとに計算し、\nT × T の行列全体を書き出さない", size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 4: KV cache
def fig_4a_1():
    fig, ax = canvas(9.4, 3.6)
    tokens = ["吾輩", "は", "猫", "で", "ある"]
    cell = 0.3
    for s, n in enumerate((3, 4, 5)):
        x0 = 0.5 + s * 3.1
        title = "ステップ 1（プロンプト 3 トークン）" if s == 0 else f"ステップ {s + 1}（新しいトークン 1 個）"
        label(ax, x0 + 1.15, 3.35, title, size=9, color=INK)
        for col, name in ((0, "K"), (1, "V")):
            xc = x0 + 0.75 + col * 0.9
            label(ax, xc + cell, 3.0, f"{name} キャッシュ", size=8.5, color=INK)
            for r in range(n):
                new = r >= n - (3 if s == 0 else 1)
                kind = "op" if new else "data"
                face, edge = PALETTE[kind]
                ax.add_patch(plt.Rectangle((xc, 2.6 - (r + 1) * cell), 2 * cell, cell * 0.9,
                                           facecolor=face, edgecolor=edge, lw=1))
        for r in range(n):
            label(ax, x0 + 0.65, 2.6 - (r + 0.55) * cell, tokens[r], size=8, ha="right")
        query = "q（3 トークン分）" if s == 0 else f"q（{tokens[n - 1]}）だけ"
        box(ax, x0 + 1.3, 0.55, 1.5, 0.34, query, "op", size=8.5)
        arrow(ax, (x0 + 1.3, 0.72), (x0 + 1.3, 2.6 - n * cell - 0.05), color=MUTED)
        if s:
            arrow(ax, (x0 - 0.55, 1.9), (x0 - 0.2, 1.9), color=MUTED)
    label(ax, 4.7, 0.1, "青：保存してあるキーとバリュー（計算し直さない）　オレンジ：このステップで計算する分",
          size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 4: MoE
def fig_4b_1():
    fig, ax = canvas(8.6, 3.2)
    tokens = ["吾輩", "は", "猫", "である"]
    # an illustrative routing with four experts and top-2 (not measured)
    choice = [((0, 0.7), (2, 0.3)), ((1, 0.6), (0, 0.4)), ((3, 0.8), (1, 0.2)),
              ((2, 0.5), (3, 0.5))]
    for i, tok in enumerate(tokens):
        y = 2.9 - i * 0.74
        box(ax, 0.7, y, 0.9, 0.42, tok, "data", size=9)
        arrow(ax, (1.15, y), (1.55, y))
        box(ax, 2.15, y, 1.1, 0.42, "ルータ", "op", size=8.5)
    for e in range(4):
        box(ax, 6.0, 2.9 - e * 0.74, 1.5, 0.42, f"専門家 {e + 1}", "op", size=8.5)
    for i, picks in enumerate(choice):
        y = 2.9 - i * 0.74
        picked = "、".join(f"{e + 1} へ {weight:.1f}" for e, weight in picks)
        label(ax, 2.15, y - 0.32, f"専門家 {picked}", size=7.5)
        for e, weight in picks:
            ye = 2.9 - e * 0.74 + 0.06 * (i - 1.5)
            arrow(ax, (2.7, y), (5.25, ye), color=INK, lw=0.5 + 2.5 * weight)
    label(ax, 7.7, 1.8, "専門家はそれぞれ\n第4章の FeedForward\n\n選ばれた 2 つの\n出力を重みで足す\n\n選ばれなかった\n専門家は計算しない",
          size=8.5, color=INK)
    label(ax, 4.3, 0.15, "例：専門家 4 個・top-2。線の太さと数字は、選んだ 2 つのスコアをソフトマックスした重み",
          size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 5: pretraining at scale
def fig_5a_1():
    fig, ax = canvas(9.4, 3.3)
    box(ax, 1.0, 2.6, 1.6, 0.6, "テキスト\n（数億トークンでも）", "plain", size=8.5)
    box(ax, 3.1, 2.6, 1.7, 0.6, "一度だけ\nトークン化", "op", size=8.5)
    arrow(ax, (1.8, 2.6), (2.25, 2.6))
    arrow(ax, (3.95, 2.6), (4.4, 2.6))
    ids = [18, 47, 56, 57, 58, 1, 15, 47, 58, 47, 64, 43]  # the notebook's first IDs
    cell = 0.36
    grid(ax, 4.5, 2.42, ids, cell=cell, size=7.5)
    label(ax, 4.5 + 12 * cell + 0.1, 2.6, "…", size=10, color=INK, ha="left")
    label(ax, 6.65, 3.05, "train.bin：ID を uint16（2 バイト）で並べただけ", size=8.5, color=INK)
    label(ax, 6.65, 2.15, "numpy.memmap で開く（触れた部分だけ読む）", size=8.5)
    # random windows
    strip_x, strip_w = 0.6, 8.2
    ax.add_patch(plt.Rectangle((strip_x, 1.15), strip_w, 0.3, facecolor=PALETTE["plain"][0],
                               edgecolor=PALETTE["plain"][1], lw=0.8))
    label(ax, strip_x + strip_w / 2, 1.62, "学習用の全トークン（1,003,854 個）", size=8.5)
    for start in (0.9, 4.9, 2.6, 6.8):
        ax.add_patch(plt.Rectangle((strip_x + start, 1.15), 0.7, 0.3, facecolor=PALETTE["data"][0],
                                   edgecolor=PALETTE["data"][1], lw=1.2))
        arrow(ax, (strip_x + start + 0.35, 1.1), (strip_x + start + 0.35, 0.75), color=MUTED)
    label(ax, 4.7, 0.5, "毎ステップ、ランダムな位置から文脈長ぶんの窓を切り出して x、1 つずらして y にする",
          size=8.5, color=INK)
    label(ax, 4.7, 0.15, "（乱数は専用の torch.Generator。その状態をチェックポイントに保存すれば、再開後も同じバッチが続く）",
          size=8)
    return fig


# ---------------------------------------------------------------- chapter 5: weight loading
def fig_5b_1():
    fig, ax = canvas(9.4, 3.4)
    box(ax, 1.6, 2.7, 2.9, 0.7, "OpenAI の TensorFlow チェックポイント\nmodel/h0/attn/c_attn/w\n(1, 768, 2304)",
        "plain", size=8)
    box(ax, 1.6, 1.2, 2.9, 0.7, "Hugging Face の model.safetensors\nh.0.attn.c_attn.weight\n(768, 2304)",
        "plain", size=8)
    box(ax, 4.35, 2.7, 1.9, 0.55, "名前を読み替え、\n先頭の長さ 1 の軸を落とす", "op", size=8)
    box(ax, 4.35, 1.2, 1.9, 0.55, "名前を読み替える", "op", size=8)
    arrow(ax, (3.05, 2.7), (3.4, 2.7))
    arrow(ax, (3.05, 1.2), (3.4, 1.2))
    box(ax, 6.55, 1.95, 1.8, 0.9, "同じ params の形\nblocks[0][\"attn\"]\n[\"c_attn\"][\"w\"]\n(768, 2304)",
        "param", size=8)
    arrow(ax, (5.3, 2.6), (5.65, 2.15))
    arrow(ax, (5.3, 1.3), (5.65, 1.75))
    box(ax, 8.55, 1.95, 1.55, 0.9, "転置して\nGPTModel の\nnn.Linear へ\n(出力, 入力)", "op", size=8)
    arrow(ax, (7.45, 1.95), (7.78, 1.95))
    label(ax, 4.7, 0.3, "どちらの配布物も中身は同じ数値。違うのは名前と、先頭の長さ 1 の軸だけなので、1 つの読み込み関数で受け取れる",
          size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 5: conditional generation
def fig_5c_1():
    fig, ax = canvas(9.4, 3.4)
    label(ax, 0.2, 3.15, "学習データ：1 台詞 = 1 文書。タグの行のあとに本文、文書の後ろに区切りを 1 つ置く",
          size=9, ha="left", color=INK)
    segments = [("Play: Coriolanus", 1.6, "data", "タグ（条件）"),
                ("Text: What work's, my countrymen, …", 2.9, "data", "本文"),
                ("\\x1e", 0.5, "plain", "区切り"),
                ("Play: Romeo", 1.3, "data", "タグ"),
                ("Text: …", 1.3, "data", "本文"),
                ("\\x1e", 0.5, "plain", "区切り"), ("…", 0.5, "plain", "")]
    x = 0.3
    for text, width, kind, note in segments:
        face, edge = PALETTE[kind]
        ax.add_patch(plt.Rectangle((x, 2.25), width, 0.42, facecolor=face, edgecolor=edge, lw=1.1))
        label(ax, x + width / 2, 2.46, text, size=8.5, color=INK)
        if note:
            label(ax, x + width / 2, 2.05, note, size=8)
        x += width
    label(ax, 0.3, 1.65, "区切り（文字単位では U+001E、GPT-2 では ID 50256）は、テキストから読まずにコードで置く",
          size=8.5, ha="left")
    label(ax, 0.2, 1.2, "生成：タグを選んでプロンプトにし、区切りが出たら止める", size=9, ha="left",
          color=INK)
    ax.add_patch(plt.Rectangle((0.3, 0.35), 3.0, 0.42, facecolor=PALETTE["data"][0],
                               edgecolor=PALETTE["data"][1], lw=1.1))
    label(ax, 1.8, 0.56, "Play: Romeo ⏎ Text: ", size=8.5, color=INK)
    label(ax, 1.8, 0.15, "プロンプト（選んだタグ）", size=8)
    ax.add_patch(plt.Rectangle((3.3, 0.35), 3.2, 0.42, facecolor=PALETTE["op"][0],
                               edgecolor=PALETTE["op"][1], lw=1.1))
    label(ax, 4.9, 0.56, "モデルが書く台詞 …", size=8.5, color=INK)
    ax.add_patch(plt.Rectangle((6.5, 0.35), 0.5, 0.42, facecolor=PALETTE["plain"][0],
                               edgecolor=PALETTE["plain"][1], lw=1.1))
    label(ax, 6.75, 0.56, "\\x1e", size=8.5, color=INK)
    label(ax, 7.1, 0.56, "← ここで止める（eos_id）", size=8, ha="left")
    return fig
