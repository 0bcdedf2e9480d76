"""The drawing functions of chapter 4's concept figures (the GPT model), one per figure.

Each function returns a matplotlib Figure drawn in the style of figstyle.py;
the numbers are those of GPT-2 124M (768 wide, 12 heads, 12 layers).
"""

import itertools

import matplotlib.pyplot as plt
from figstyle import INK, MUTED, PALETTE, arrow, box, canvas, label


def fig_4_1():
    fig, ax = canvas(6.0, 5.4)
    x = 2.3
    stack = [(5.05, "トークン ID  (B, T)", "plain"),
             (4.35, "tok_emb (50,257 × 768)  +  pos_emb (1,024 × 768)", "param"),
             (3.75, "drop_emb（ドロップアウト）", "op"),
             (2.85, "TransformerBlock\n× 12（n_layers）", "op"),
             (1.95, "final_norm（LayerNorm）", "op"),
             (1.35, "out_head（Linear 768 → 50,257）", "param"),
             (0.6, "ロジット  (B, T, 50,257)", "data")]
    heights = {2.85: 0.8}
    for i, (y, text, kind) in enumerate(stack):
        box(ax, x, y, 3.6, heights.get(y, 0.42), text, kind, size=9)
        if i:
            prev_y = stack[i - 1][0]
            top = y + heights.get(y, 0.42) / 2
            bottom = prev_y - heights.get(prev_y, 0.42) / 2
            arrow(ax, (x, bottom), (x, top))
    for y, text in ((4.35, "(B, T, 768)"), (2.85, "(B, T, 768)\n形は変わらない"),
                    (0.6, "語彙の各トークンの\nスコア")):
        label(ax, 4.35, y, text, size=8.5, ha="left")
    return fig


def fig_4_2():
    fig, ax = canvas(8.8, 2.75)
    cell, x0, y_top = 0.42, 1.3, 2.2
    rows = [[2.0, -1.0, 0.5, 3.5, -0.5, 1.5], [0.2, 0.1, -0.3, 0.4, 0.0, -0.4],
            [9.0, 7.0, 8.0, 10.0, 6.0, 8.0]]
    tokens = ["トークン 1", "トークン 2", "トークン 3"]
    for i, (tok, row) in enumerate(zip(tokens, rows)):
        y = y_top - (i + 1) * cell
        label(ax, x0 - 0.08, y + cell / 2, tok, size=8.5, ha="right", color=INK)
        kinds = ["data"] * len(row)
        for j, value in enumerate(row):
            face, edge = PALETTE[kinds[j]]
            ax.add_patch(plt.Rectangle((x0 + j * cell, y), cell, cell, facecolor=face,
                                       edgecolor=edge, lw=1.0))
            label(ax, x0 + (j + 0.5) * cell, y + cell / 2, f"{value:g}", size=8, color=INK)
        mean = sum(row) / len(row)
        var = sum((v - mean) ** 2 for v in row) / len(row)
        arrow(ax, (x0 + len(row) * cell + 0.1, y + cell / 2), (x0 + len(row) * cell + 0.55, y + cell / 2))
        label(ax, x0 + len(row) * cell + 0.62, y + cell / 2, f"μ = {mean:.2f}, σ² = {var:.2f}",
              size=8.5, ha="left", color=PALETTE["op"][1])
    # The direction of the statistics: along each row (the embedding axis), never down a column.
    y_axis = y_top + 0.12
    arrow(ax, (x0, y_axis), (x0 + 6 * cell, y_axis), color=PALETTE["op"][1])
    label(ax, x0 + 3 * cell, y_axis + 0.2, "埋め込みの軸（emb_dim）に沿って計算", size=8.5,
          color=PALETTE["op"][1])
    ax.add_patch(plt.Rectangle((x0 + cell * 0.1, y_top - 3 * cell - 0.05), cell * 0.8,
                               3 * cell + 0.1, fill=False, edgecolor=MUTED, lw=1, linestyle=":"))
    label(ax, x0 + cell / 2, y_top - 3 * cell - 0.25, "この向き（バッチ正規化）では\n統計を取らない",
          size=7.5, ha="left")
    label(ax, 7.6, 1.55, "行ごとに\n(x − μ) / √(σ² + ε)\n→ 平均 0・分散 1\n→ × scale + shift", size=8.5,
          color=INK)
    label(ax, 4.4, 0.15, "各トークンは自分の μ と σ² だけで正規化される（ほかのトークンやバッチの大きさに依存しない）",
          size=8.5)
    return fig


def fig_4_3():
    fig, ax = canvas(8.4, 3.3)
    red, green = PALETTE["loss"][1], PALETTE["param"][1]
    box(ax, 0.8, 1.7, 1.0, 0.5, "入力 x", "data", size=9)
    box(ax, 3.6, 1.7, 1.9, 0.55, "層 f（線形層 + GELU）", "op", size=9)
    ax.add_patch(plt.Circle((5.7, 1.7), 0.17, facecolor="white", edgecolor=INK, lw=1.3))
    label(ax, 5.7, 1.7, "+", size=12, color=INK)
    box(ax, 7.3, 1.7, 1.5, 0.5, "y = x + f(x)", "data", size=9)
    arrow(ax, (1.3, 1.7), (2.65, 1.7))
    arrow(ax, (4.55, 1.7), (5.53, 1.7))
    arrow(ax, (5.87, 1.7), (6.55, 1.7))
    ax.plot([1.9, 1.9, 5.7], [1.7, 2.5, 2.5], color=green, lw=1.6)
    arrow(ax, (5.7, 2.5), (5.7, 1.87), color=green, lw=1.6)
    label(ax, 3.6, 2.3, "ショートカット：x をそのまま足す", size=8.5, color=green)
    # Backward: dL/dy comes back along two paths, and the two parts add up at x.
    ax.plot([7.3, 7.3, 1.65], [1.95, 2.75, 2.75], color=red, lw=1.3, ls="--")
    arrow(ax, (1.65, 2.75), (1.65, 1.95), color=red, dashed=True)
    label(ax, 4.5, 2.95, "勾配の 2 本目の道：ショートカットを逆にたどる（× I、何も掛けずにそのまま届く）",
          size=8.5, color=red)
    ax.plot([7.3, 7.3, 0.8], [1.45, 1.05, 1.05], color=red, lw=1.3, ls="--")
    arrow(ax, (0.8, 1.05), (0.8, 1.45), color=red, dashed=True)
    label(ax, 4.0, 0.8, "勾配の 1 本目の道：層 f を逆にたどる（∂f/∂x を掛ける。小さいと縮む）", size=8.5,
          color=red)
    label(ax, 4.2, 0.25, "x での勾配 = 2 本の和 = ∂L/∂y (I + ∂f/∂x)。実線は順伝播、赤の破線は逆伝播",
          size=8.5, color=INK)
    return fig


def fig_4_4():
    fig, ax = canvas(6.6, 6.6)
    x, w, h, green = 2.95, 3.4, 0.4, PALETTE["param"][1]
    items = [(6.2, "入力 x  (B, T, 768)", "data"), (5.45, "norm1（LayerNorm）", "op"),
             (4.8, "att（MultiHeadAttention、12 ヘッド）", "op"), (4.15, "drop_shortcut", "op"),
             (3.4, None, None), (2.65, "norm2（LayerNorm）", "op"),
             (2.0, "ff（768 → 3,072 → 768、GELU）", "op"), (1.35, "drop_shortcut", "op"),
             (0.85, None, None), (0.3, "出力  (B, T, 768)", "data")]
    for y, text, kind in items:
        if text:
            box(ax, x, y, w, h, text, kind, size=9)
        else:
            ax.add_patch(plt.Circle((x, y), 0.16, facecolor="white", edgecolor=INK, lw=1.3))
            label(ax, x, y, "+", size=12, color=INK)
    for (y0, t0, _), (y1, t1, _) in itertools.pairwise(items):
        arrow(ax, (x, y0 - (h / 2 if t0 else 0.16)), (x, y1 + (h / 2 if t1 else 0.16)))
    # Shortcut 1 carries the block's input x to the first (+).
    ax.plot([x + w / 2, 5.3, 5.3], [6.2, 6.2, 3.4], color=green, lw=1.6)
    arrow(ax, (5.3, 3.4), (x + 0.16, 3.4), color=green, lw=1.6)
    # Shortcut 2 branches off AFTER the first (+): it carries x + att(...), not x.
    y_branch = 3.4 - 0.16 - 0.12
    ax.add_patch(plt.Circle((x, y_branch), 0.05, color=green))
    ax.plot([x, 4.85, 4.85], [y_branch, y_branch, 0.85], color=green, lw=1.6)
    arrow(ax, (4.85, 0.85), (x + 0.16, 0.85), color=green, lw=1.6)
    label(ax, 5.4, 4.8, "ショートカット\n接続 1\n（x を足す）", size=8.5, ha="left", color=green)
    label(ax, 4.95, 2.0, "ショートカット\n接続 2\n（1 つ目の + の\n結果を足す）", size=8.5, ha="left",
          color=green)
    label(ax, 0.1, 4.8, "トークン同士が\n情報を交換", size=8.5, ha="left")
    label(ax, 0.1, 2.0, "各トークンの\n中で加工", size=8.5, ha="left")
    return fig


def fig_4_5():
    fig, ax = canvas(9.0, 3.2)
    steps = [(1.1, 2.4, "idx (1, T)", "data"),
             (3.3, 2.4, "末尾の context_size 個を残す\nidx[:, -context_size:]", "op"),
             (5.6, 2.4, "model → ロジット\n(1, min(T, context_size), 50,257)", "op"),
             (5.6, 0.8, "最後の位置だけ\nlogits[:, -1, :]", "op"),
             (3.3, 0.8, "argmax\n→ 次のトークン (1, 1)", "op"),
             (1.1, 0.8, "torch.cat で末尾に足す\n→ idx (1, T+1)", "data")]
    for x, y, text, kind in steps:
        box(ax, x, y, 1.95, 0.7, text, kind, size=8.5)
    arrow(ax, (2.1, 2.4), (2.3, 2.4))
    arrow(ax, (4.3, 2.4), (4.6, 2.4))
    arrow(ax, (5.6, 2.03), (5.6, 1.17))
    arrow(ax, (4.6, 0.8), (4.3, 0.8))
    arrow(ax, (2.3, 0.8), (2.1, 0.8))
    arrow(ax, (1.1, 1.17), (1.1, 2.03))
    label(ax, 1.25, 1.6, "max_new_tokens 回くり返す", size=8.5, ha="left", color=INK)
    label(ax, 6.75, 2.4, "文脈長を超えないよう\n古い先頭を捨てて\n最後の context_size\nトークンだけ使う", size=8.5, ha="left")
    label(ax, 6.75, 0.8, "貪欲法：スコアが\nいちばん高いトークン", size=8.5, ha="left")
    return fig
