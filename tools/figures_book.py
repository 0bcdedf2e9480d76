"""The drawing functions of the book's concept figures, one per figure.

Each function returns a matplotlib Figure drawn in the style of figstyle.py.
The numbers in the figures are those of the book's code (GPT-2 124M: 768 wide,
12 heads, 12 layers, a vocabulary of 50,257 and a context of 1,024 tokens).
"""

import math

import matplotlib.pyplot as plt
from figstyle import INK, MUTED, PALETTE, RC, arrow, box, canvas, grid, label


def _down(ax, x, y0, y1, text=None, dx=0.12):
    arrow(ax, (x, y0), (x, y1))
    if text:
        label(ax, x + dx, (y0 + y1) / 2, text, ha="left", size=8.5)


# ---------------------------------------------------------------- chapter 1
def fig_1_1():
    words = ["the", "cat", "sat", "on", "the", "mat", '"."']
    fig, ax = canvas(7.2, 2.3)
    x0, cell = 1.9, 0.72
    label(ax, 0.95, 1.75, "入力（文脈）", size=10, color=INK)
    label(ax, 0.95, 0.55, "正解\n（1 つ先のトークン）", size=10, color=INK)
    xs = [x0 + i * cell + cell / 2 for i in range(6)]
    for i, x in enumerate(xs):
        box(ax, x, 1.75, cell - 0.1, 0.42, words[i], "data")
        box(ax, x, 0.55, cell - 0.1, 0.42, words[i + 1], "data")
    # Every prediction sees all the tokens up to its own position, not only the one above it.
    for t, x_out in enumerate(xs):
        for j in range(t + 1):
            strong = t == 3
            arrow(ax, (xs[j], 1.52), (x_out, 0.78), style="-" if j < t else "-|>",
                  color=PALETTE["op"][1] if strong else MUTED, lw=1.3 if strong else 0.6)
    label(ax, x0 + 3 * cell, 2.15, "位置 t の予測は、位置 0..t のトークンをすべて見て位置 t+1 のトークンを当てる",
          size=9)
    label(ax, xs[3] + 0.05, 1.15, "位置 3 の予測が\n見るトークン", size=7.5, ha="left",
          color=PALETTE["op"][1])
    label(ax, x0 + 6 * cell + 0.1, 1.15, "1 本の文から\n6 つの予測問題", size=9, ha="left")
    return fig


def fig_1_2():
    fig, ax = canvas(9.8, 2.9)
    steps = [("テキスト", "第2章", "data"), ("トークン", "第2章", "data"),
             ("アテンション", "第3章", "op"), ("GPT モデル", "第4章", "op"),
             ("事前学習", "第5章", "loss"), ("OpenAI の重み", "第5章", "param")]
    w, gap = 1.3, 0.3
    for i, (title, chapter, kind) in enumerate(steps):
        x = 0.25 + w / 2 + i * (w + gap)
        box(ax, x, 1.75, w, 0.8, f"{title}\n{chapter}", kind, size=10)
        if i:
            arrow(ax, (x - w / 2 - gap + 0.03, 1.75), (x - w / 2 - 0.03, 1.75))
    xd = 0.25 + w / 2 + 4 * (w + gap)
    box(ax, xd, 0.55, w + 0.2, 0.55, "学習の改良\n付録D", "loss", size=9)
    arrow(ax, (xd, 1.33), (xd, 0.85), color=MUTED)
    left, mid, right = 0.25, 0.25 + 4 * (w + gap) - gap / 2, 0.25 + 6 * (w + gap) - gap
    for a, b, text in ((left, mid, "第1段階：モデルを作る（第2〜4章）"),
                       (mid + gap, right, "第2段階：学習させる（第5章・付録D）")):
        ax.plot([a, a, b, b], [2.3, 2.4, 2.4, 2.3], color=MUTED, lw=1)
        label(ax, (a + b) / 2, 2.6, text, size=9.5, color=INK)
    label(ax, 1.6, 0.55, "各章で作るものは、パッケージ llms_from_scratch の\n同じ名前のモジュールにも入っている",
          size=8.5, ha="left")
    return fig


# ---------------------------------------------------------------- chapter 2
def fig_2_1():
    fig, ax = canvas(9.4, 2.9)
    cols = [1.0, 3.35, 5.6, 8.0]
    heads = ["テキスト", "トークン", "トークン ID", "埋め込みベクトル"]
    shapes = ["文字列", "4 個の文字列", "(4,)", "(4, 128)"]
    for x, head, shape in zip(cols, heads, shapes):
        label(ax, x, 2.7, head, size=10.5, color=INK)
        label(ax, x, 0.5, shape, size=9)
    box(ax, cols[0], 1.6, 1.6, 0.5, '"I am a cat"', "plain", size=9)
    tokens = ["I", "␣am", "␣a", "␣cat"]
    ids = [40, 716, 257, 3797]
    rows = [["0.3", "-1.2", "…", "0.8"], ["-0.7", "0.1", "…", "1.5"],
            ["1.1", "0.4", "…", "-0.2"], ["-0.5", "-0.9", "…", "0.6"]]  # one row per ID
    for i, (tok, tid) in enumerate(zip(tokens, ids)):
        y = 2.25 - i * 0.42
        box(ax, cols[1], y, 1.2, 0.34, tok, "data", size=9)
        box(ax, cols[2], y, 0.9, 0.34, f"{tid:,}", "data", size=9)
        grid(ax, cols[3] - 0.9, y - 0.15, rows[i], cell=0.45, size=8, kinds=["param"] * 4)
    for x0, x1, text in ((cols[0] + 0.85, cols[1] - 0.65, "BPE で分割"),
                         (cols[1] + 0.65, cols[2] - 0.5, "語彙で番号に"),
                         (cols[2] + 0.5, cols[3] - 0.95, "tok_emb の行")):
        arrow(ax, (x0, 1.6), (x1, 1.6))
        label(ax, (x0 + x1) / 2, 1.78, text, size=8)
    label(ax, 4.7, 0.15, "バッチでは (4, 6) の ID が (4, 6, 128) になる（GPT-2 124M は 128 ではなく 768 次元）",
          size=8.5)
    return fig


def _windows(ax, x0, y0, stride, n_windows, title):
    cell, length = 0.36, 4
    label(ax, x0 + 5 * cell, y0 + 0.45, title, size=10, color=INK)
    grid(ax, x0, y0, list(range(10)), cell=cell, kinds=["plain"] * 10)
    for w in range(n_windows):
        start = w * stride
        y = y0 - 0.55 - w * 0.85
        grid(ax, x0 + start * cell, y, list(range(start, start + length)), cell=cell)
        grid(ax, x0 + (start + 1) * cell, y - cell - 0.04,
             list(range(start + 1, start + length + 1)), cell=cell)
        label(ax, x0 - 0.1, y + cell / 2, "入力", size=8, ha="right")
        label(ax, x0 - 0.1, y - cell / 2, "ターゲット", size=8, ha="right")


def fig_2_2():
    fig, ax = canvas(9.0, 4.1)
    _windows(ax, 0.9, 3.15, 1, 3, "stride=1（隣の窓と 3 トークン重なる）")
    _windows(ax, 5.4, 3.15, 4, 2, "stride=4 = max_length（重ならない）")
    label(ax, 2.7, 0.15, "…（窓は全部で 6 個）", size=9)
    label(ax, 7.2, 0.35, "窓は 2 個（9 は使われない。\n3 個目の窓には 3 トークン足りない）", size=9)
    label(ax, 4.5, 3.95, "max_length=4 の窓を stride ずつずらす。ターゲットは入力を 1 トークン右にずらした列",
          size=9)
    return fig


def fig_2_3():
    fig, ax = canvas(8.4, 2.8)
    box(ax, 1.0, 2.1, 1.5, 0.5, "トークン ID\n(4, 6)", "data", size=9)
    box(ax, 1.0, 0.7, 1.5, 0.5, "位置 0, 1, …, 5\n(6,)", "plain", size=9)
    box(ax, 3.3, 2.1, 2.0, 0.5, "tok_emb\nEmbedding(50,257, 128)", "param", size=9)
    box(ax, 3.3, 0.7, 2.0, 0.5, "pos_emb\nEmbedding(6, 128)", "param", size=9)
    box(ax, 5.5, 2.1, 1.3, 0.5, "(4, 6, 128)", "data", size=9)
    box(ax, 5.5, 0.7, 1.3, 0.5, "(6, 128)", "data", size=9)
    for y in (2.1, 0.7):
        arrow(ax, (1.75, y), (2.3, y))
        arrow(ax, (4.3, y), (4.85, y))
    ax.add_patch(plt.Circle((6.6, 1.4), 0.2, facecolor="white", edgecolor=INK, lw=1.3))
    label(ax, 6.6, 1.4, "+", size=14, color=INK)
    arrow(ax, (6.15, 2.0), (6.45, 1.55))
    arrow(ax, (6.15, 0.8), (6.45, 1.25))
    box(ax, 7.65, 1.4, 1.3, 0.7, "入力埋め込み\n(4, 6, 128)", "data", size=9)
    arrow(ax, (6.8, 1.4), (7.0, 1.4))
    label(ax, 6.6, 0.2, "ブロードキャスト：4 個の窓に同じ位置埋め込みを足す", size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 3
def fig_3_1():
    tokens = ["白い", "猫", "が", "窓辺", "で", "眠る"]
    inputs = [[0.21, 0.35, 0.78], [0.88, 0.12, 0.47], [0.14, 0.92, 0.20],
              [0.73, 0.25, 0.18], [0.09, 0.81, 0.33], [0.46, 0.18, 0.91]]
    q = inputs[1]
    scores = [sum(a * b for a, b in zip(q, x)) for x in inputs]
    exps = [math.exp(s) for s in scores]
    weights = [e / sum(exps) for e in exps]
    fig, ax = canvas(8.4, 3.5)
    rows = [(2.85, "キー x(j)", tokens, "data"),
            (2.05, "スコア ω = q·x(j)", [f"{s:.2f}" for s in scores], "op"),
            (1.25, "重み α = softmax(ω)", [f"{w:.2f}" for w in weights], "op")]
    x0, step = 2.4, 0.95
    for y, name, values, kind in rows:
        label(ax, 1.1, y, name, size=9.5, color=INK)
        for i, value in enumerate(values):
            box(ax, x0 + i * step, y, 0.8, 0.4, value, kind, size=9)
    for i in range(6):
        x = x0 + i * step
        arrow(ax, (x, 2.62), (x, 2.28), color=MUTED)
        arrow(ax, (x, 1.82), (x, 1.48), color=MUTED)
        arrow(ax, (x, 1.02), (x0 + 2.5 * step, 0.55), color=PALETTE["op"][1], lw=0.6 + 4 * weights[i])
    z = [sum(w * x[k] for w, x in zip(weights, inputs)) for k in range(3)]
    z_text = ", ".join(f"{v:.2f}" for v in z)
    box(ax, x0 + 2.5 * step, 0.35, 4.0, 0.4, f"コンテキストベクトル z(2) = Σ α·x(j) = ({z_text})",
        "data", size=9)
    box(ax, x0 + step, 3.3, 1.5, 0.28, "クエリ q = x(2)", "data", size=8.5)
    label(ax, 1.1, 0.45, "重みの合計は 1", size=9)
    return fig


def fig_3_2():
    fig, ax = canvas(8.6, 3.0)
    box(ax, 0.8, 1.5, 1.2, 0.6, "入力 X\n(6, 3)", "data", size=9)
    names = [("W_query", "Q", 2.5), ("W_key", "K", 1.5), ("W_value", "V", 0.5)]
    for w_name, out, y in names:
        box(ax, 2.6, y, 1.5, 0.5, f"{w_name}\n(3, 2)", "param", size=9)
        box(ax, 4.2, y, 1.0, 0.5, f"{out}\n(6, 2)", "data", size=9)
        arrow(ax, (1.4, 1.5), (1.85, y))
        arrow(ax, (3.35, y), (3.7, y))
    box(ax, 6.0, 2.0, 1.8, 0.6, "Q @ K.T / √d_k\n(6, 6)", "op", size=9)
    arrow(ax, (4.7, 2.5), (5.1, 2.1))
    arrow(ax, (4.7, 1.5), (5.1, 1.9))
    box(ax, 6.0, 1.0, 1.8, 0.5, "softmax → 重み\n(6, 6)", "op", size=9)
    arrow(ax, (6.0, 1.7), (6.0, 1.25))
    box(ax, 7.75, 0.5, 1.3, 0.6, "Z = 重み V\n(6, 2)", "data", size=9)
    arrow(ax, (6.9, 1.0), (7.1, 0.7))
    arrow(ax, (4.7, 0.5), (7.1, 0.45))
    label(ax, 4.2, 2.9, "形は (トークン数 T, 次元)：この章の例は T=6, d_in=3, d_out=2", size=8.5)
    return fig


def _matrix(ax, x0, y0, n, cell, upper, tokens=None):
    for i in range(n):
        for j in range(n):
            future = j > i
            kind = "plain" if future else "data"
            face, edge = PALETTE[kind]
            ax.add_patch(plt.Rectangle((x0 + j * cell, y0 - (i + 1) * cell), cell, cell,
                                       facecolor=face, edgecolor=edge, lw=0.8))
            if future:
                ax.text(x0 + (j + 0.5) * cell, y0 - (i + 0.5) * cell, upper, ha="center",
                        va="center", fontsize=7.5, color=MUTED)
    if tokens:
        for i, tok in enumerate(tokens):
            label(ax, x0 - 0.06, y0 - (i + 0.5) * cell, tok, size=8, ha="right")


def fig_3_3():
    tokens = ["白い", "猫", "が", "窓辺", "で", "眠る"]
    fig, ax = canvas(8.8, 3.1)
    cell = 0.36
    _matrix(ax, 1.2, 2.6, 6, cell, "−∞", tokens)
    _matrix(ax, 5.2, 2.6, 6, cell, "0", tokens)
    label(ax, 1.2 + 3 * cell, 2.85, "スコア（対角より上を −∞ に）", size=9.5, color=INK)
    label(ax, 5.2 + 3 * cell, 2.85, "アテンションの重み", size=9.5, color=INK)
    arrow(ax, (3.55, 1.5), (4.6, 1.5))
    label(ax, 4.07, 1.75, "行ごとに\nsoftmax", size=9)
    label(ax, 5.2 + 6 * cell + 0.1, 1.5, "各行の合計 = 1", size=8.5, ha="left")
    label(ax, 4.0, 0.1, "行 = クエリ、列 = キー。位置 i のクエリは位置 0..i のキーだけを見る", size=8.5)
    return fig


def fig_3_4():
    fig, ax = canvas(9.2, 3.2)
    chain = [("(B, T, d_out)", "W_query などの出力"), ("(B, T, H, head_dim)", "view"),
             ("(B, H, T, head_dim)", "transpose(1, 2)"), ("(B, H, T, T)", "Q @ K.T（ヘッドごと）"),
             ("(B, H, T, head_dim)", "softmax → @ V"), ("(B, T, H, head_dim)", "transpose(1, 2)"),
             ("(B, T, d_out)", "reshape → out_proj")]
    xs = [0.85 + i * 1.26 for i in range(len(chain))]
    for i, (shape, op) in enumerate(chain):
        kind = "op" if "T, T" in shape else "data"
        box(ax, xs[i], 2.0, 1.12, 0.5, shape, kind, size=8)
        label(ax, xs[i], 2.5 if i % 2 == 0 else 1.5, op, size=8, color=INK)
        if i:
            arrow(ax, (xs[i - 1] + 0.57, 2.0), (xs[i] - 0.57, 2.0))
    x0, width = 1.0, 7.2
    for h in range(12):
        face = PALETTE["data"][0] if h % 2 == 0 else PALETTE["plain"][0]  # alternate to tell heads apart
        ax.add_patch(plt.Rectangle((x0 + h * width / 12, 0.55), width / 12, 0.35,
                                   facecolor=face, edgecolor=PALETTE["data"][1], lw=0.8))
        label(ax, x0 + (h + 0.5) * width / 12, 0.72, f"{h + 1}", size=8, color=INK)
    label(ax, x0 + width / 2, 1.1, "GPT-2 124M：d_out = 768 を H = 12 個のヘッドに head_dim = 64 ずつ分ける",
          size=8.5, color=INK)
    label(ax, x0 + width / 2, 0.3, "分けて並列に計算し、最後にまたつなげる（d_out = H × head_dim）", size=8.5)
    return fig


# ---------------------------------------------------------------- chapter 5
def fig_5_1():
    fig, ax = canvas(9.0, 2.7)
    boxes = [(0.85, "ロジット\n(2, 3, 50,257)", "data"), (2.55, "softmax\n確率 (2, 3, 50,257)", "op"),
             (4.35, "正解トークンの確率\n(2, 3) → 6 個", "op"), (6.05, "log → 平均", "op"),
             (7.75, "× (−1)\n= 交差エントロピー", "loss")]
    for i, (x, text, kind) in enumerate(boxes):
        box(ax, x, 1.9, 1.5, 0.62, text, kind, size=8.5)
        if i:
            arrow(ax, (boxes[i - 1][0] + 0.77, 1.9), (x - 0.77, 1.9))
    probs = [0.05, 0.1, 0.04, 0.5, 0.08, 0.13, 0.1]
    for i, p in enumerate(probs):
        kind = "loss" if i == 3 else "data"
        face, edge = PALETTE[kind]
        ax.add_patch(plt.Rectangle((1.9 + i * 0.2, 0.35), 0.16, p * 1.4, facecolor=face,
                                   edgecolor=edge, lw=0.8))
    label(ax, 2.6, 0.15, "1 つの位置の確率分布（語彙全体で合計 1）", size=8)
    label(ax, 3.6, 1.2, "正解の確率だけを拾う", size=8, ha="left", color=PALETTE["loss"][1])
    label(ax, 6.9, 0.85, "正解を確率 1 で当てれば 0、\n当て推量（1/50,257）なら約 10.8", size=8.5)
    return fig


def fig_5_2():
    fig, ax = canvas(8.6, 4.1)
    steps = [(1.1, "optimizer\n.zero_grad()", "op"), (2.95, "calc_loss_batch\n順伝播 → 交差エントロピー", "loss"),
             (4.85, "loss.backward()\n勾配を求める", "op"), (6.7, "optimizer.step()\nAdamW で更新", "param")]
    for i, (x, text, kind) in enumerate(steps):
        box(ax, x, 3.0, 1.7, 0.72, text, kind, size=8.5)
        if i:
            arrow(ax, (steps[i - 1][0] + 0.87, 3.0), (x - 0.87, 3.0))
    arrow(ax, (6.7, 2.63), (1.1, 2.63), rad=-0.25, color=MUTED)
    label(ax, 3.9, 1.75, "次のバッチへ（step += 1）", size=8.5)
    box(ax, 3.9, 1.2, 4.2, 0.5, "step % eval_freq == 0 なら evaluate_model：学習損失と検証損失を記録",
        "data", size=8.5)
    box(ax, 6.5, 0.45, 2.6, 0.5, "エポックの終わり：generate_and_print_sample", "data", size=8)
    # Outer dashed frame: the epoch loop; inner dotted frame: the batch loop.
    ax.add_patch(plt.Rectangle((0.1, 0.1), 8.4, 3.9, fill=False, edgecolor=MUTED, lw=1,
                               linestyle="--"))
    ax.add_patch(plt.Rectangle((0.2, 0.85), 7.6, 2.85, fill=False, edgecolor=MUTED, lw=1,
                               linestyle=":"))
    label(ax, 0.2, 3.85, "for epoch in range(1, num_epochs + 1):", size=8.5, ha="left", color=INK)
    label(ax, 0.3, 3.52, "for inputs, targets in train_loader:", size=8.5, ha="left",
          color=INK)
    return fig


def fig_5_3():
    vocab = ["banana", "fool", "friend", "gentleman", "genius", "painter", "rocket",
             "stranger", "teapot"]
    logits = [-1.6, 2.9, 2.4, 1.8, 5.2, 4.6, -2.3, 0.9, -1.2]
    exps = [math.exp(v) for v in logits]
    probs = sorted(((e / sum(exps), w) for e, w in zip(exps, vocab)), reverse=True)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2), dpi=120, sharey=True)
    names = [w for _, w in probs]
    values = [p for p, _ in probs]
    cum = [sum(values[:i + 1]) for i in range(len(values))]
    before = [c - v for c, v in zip(cum, values)]
    keep_k = [i < 3 for i in range(len(values))]
    keep_p = [b < 0.9 for b in before]
    for ax, keep, title in ((axes[0], keep_k, "top-k（k=3）：上位 3 語だけを残す"),
                            (axes[1], keep_p, "top-p（p=0.9）：累積確率 0.9 までを残す")):
        colors = [PALETTE["data"][1] if k else PALETTE["plain"][0] for k in keep]
        ax.bar(range(len(values)), values, color=colors, edgecolor=INK, lw=0.5)
        ax.set_xticks(range(len(values)), names, rotation=45, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_ylabel("確率（温度 1）")
    axes[1].plot(range(len(cum)), cum, marker="o", color=PALETTE["op"][1], lw=1.2, ms=3,
                 label="累積確率")
    axes[1].axhline(0.9, color=MUTED, ls=":", lw=1)
    axes[1].legend(loc="center right", fontsize=8)
    axes[0].text(5.5, 0.35, "切り捨てた語は確率 0\n（ロジットを −∞ に）", fontsize=8, color=MUTED,
                 ha="center")
    fig.tight_layout()
    return fig


def fig_5_4():
    fig, ax = canvas(8.6, 4.6)
    rows = [("wte", "tok_emb（重み共有で out_head も）"), ("wpe", "pos_emb"),
            ("h[i].ln_1 (g, b)", "trf_blocks[i].norm1 (scale, shift)"),
            ("h[i].attn.c_attn", "att.W_query / W_key / W_value"),
            ("h[i].attn.c_proj", "att.out_proj"), ("h[i].ln_2 (g, b)", "trf_blocks[i].norm2"),
            ("h[i].mlp.c_fc", "ff.layers[0]（768 → 3,072）"),
            ("h[i].mlp.c_proj", "ff.layers[2]（3,072 → 768）"), ("ln_f (g, b)", "final_norm")]
    label(ax, 1.5, 4.4, "OpenAI のチェックポイント", size=10, color=INK)
    label(ax, 6.3, 4.4, "本書の GPTModel", size=10, color=INK)
    for i, (left, right) in enumerate(rows):
        y = 3.95 - i * 0.44
        box(ax, 1.5, y, 2.4, 0.34, left, "plain", size=8.5)
        box(ax, 6.3, y, 3.6, 0.34, right, "param", size=8.5)
        arrow(ax, (2.75, y), (4.45, y), color=MUTED)
        if "c_" in left:
            label(ax, 3.6, y + 0.1, "転置 .T", size=7.5)
    label(ax, 3.6, 3.95 - 3 * 0.44 - 0.14, "最後の軸で 3 等分", size=7.5, color=PALETTE["op"][1])
    label(ax, 4.3, 0.0 + 0.12, "params 辞書では blocks[i][\"attn\"][\"c_attn\"] のように入れ子。"
          "c_* は (入力, 出力) の向きなので転置して nn.Linear に入れる", size=8)
    return fig


# ---------------------------------------------------------------- appendix D
def fig_d_1():
    from llms_from_scratch.appendix_d import lr_at_step

    total, warmup, peak, initial, low = 90, 13, 1e-3, 1e-5, 1e-5  # the appendix's settings
    lrs = [lr_at_step(s, total, warmup, peak, initial_lr=initial, min_lr=low) for s in range(total)]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7.0, 3.2), dpi=120)
    ax.plot(range(total), lrs, color=PALETTE["data"][1], lw=2)
    ax.axvspan(0, warmup, color=PALETTE["op"][0], alpha=0.6, lw=0)
    ax.axhline(peak, color=MUTED, ls=":", lw=1)
    ax.axhline(low, color=MUTED, ls=":", lw=1)
    ax.set_ylim(-0.00005, 0.00122)
    ax.annotate("peak_lr（ピーク）", (warmup, peak), (warmup + 6, peak * 1.12), fontsize=9,
                arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1})
    ax.annotate("initial_lr（開始値）", (0, initial), (21, peak * 0.2), fontsize=9,
                arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1})
    ax.annotate("min_lr（終点）", (total - 1, low), (total - 45, peak * 0.12), fontsize=9,
                arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1})
    ax.annotate("ウォームアップ（warmup_steps）", (warmup - 3, peak * 0.42), (19, peak * 0.42),
                fontsize=9, va="center", arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1})
    ax.text(55, peak * 0.7, "コサイン減衰", ha="center", fontsize=9)
    ax.set_xlabel(f"ステップ（total_steps = {total}、warmup_steps = {warmup}）")
    ax.set_ylabel("学習率")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def fig_d_2():
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(5.6, 3.6), dpi=120)
    t = [i * 2 * math.pi / 200 for i in range(201)]
    ax.plot([math.cos(a) for a in t], [math.sin(a) for a in t], color=MUTED, ls="--", lw=1)
    ax.annotate("", (3, 4), (0, 0), arrowprops={"arrowstyle": "-|>", "color": PALETTE["loss"][1],
                                                 "lw": 1.6})
    ax.annotate("", (0.6, 0.8), (0, 0), arrowprops={"arrowstyle": "-|>",
                                                     "color": PALETTE["data"][1], "lw": 2.4})
    ax.annotate("", (0.5, -0.6), (0, 0), arrowprops={"arrowstyle": "-|>",
                                                      "color": PALETTE["param"][1], "lw": 1.6})
    ax.text(3.05, 4.0, "勾配 g = (3, 4)\nノルム 5", fontsize=9, va="center")
    ax.text(0.75, 0.55, "クリップ後 (0.6, 0.8)\nノルム 1 = max_norm", fontsize=9,
            color=PALETTE["data"][1])
    ax.text(0.6, -0.75, "ノルムが 1 以下の勾配は\nそのまま", fontsize=9, color=PALETTE["param"][1])
    ax.text(-1.9, 3.0, "g ← g × max_norm / ノルム\n向きはそのまま、長さだけ縮む", fontsize=9)
    ax.set_xlim(-2.0, 5.0)
    ax.set_ylim(-1.3, 4.6)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig
