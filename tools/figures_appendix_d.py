"""The concept figures of appendix D's bonus notebooks (registered in tools/figures.py).

Kept apart from figures_book.py, which holds the main chapters' figures and
is already at the size limit for one module.
"""

import matplotlib.pyplot as plt
from figstyle import INK, PALETTE, canvas, label

# (name, exponent bits, mantissa bits, largest value, eps) as torch.finfo prints them
NUMBER_FORMATS = [
    ("float32", 8, 23, r"$3.4 \times 10^{38}$", r"$1.2 \times 10^{-7}$"),
    ("bfloat16", 8, 7, r"$3.4 \times 10^{38}$", r"$7.8 \times 10^{-3}$"),
    ("float16", 5, 10, "65,504", r"$9.8 \times 10^{-4}$"),
]
BIT = 0.18      # width of one bit in inches
LEFT = 1.35     # where the sign bit starts


def _bits(ax, x, y, n, face, edge):
    """``n`` bit cells from (x, y), lower left; returns the x after the last one."""
    for i in range(n):
        ax.add_patch(plt.Rectangle((x + i * BIT, y), BIT, BIT * 1.6, facecolor=face,
                                   edgecolor=edge, linewidth=0.8))
    return x + n * BIT


def _field_label(ax, x0, x1, y, text):
    """A thin bracket over the cells x0..x1 with its text above it."""
    ax.plot([x0 + 0.02, x0 + 0.02, x1 - 0.02, x1 - 0.02], [y - 0.05, y, y, y - 0.05],
            color=INK, lw=0.8)
    label(ax, (x0 + x1) / 2, y + 0.13, text, size=8, color=INK)


def fig_d_3():
    """Sign, exponent and mantissa bits of float32, bfloat16 and float16."""
    fig, ax = canvas(10.2, 3.4)
    plain_face, plain_edge = PALETTE["plain"]
    exp_face, exp_edge = PALETTE["data"]
    label(ax, LEFT + 32 * BIT + 0.95, 3.2, "最大値", size=9, color=INK)
    label(ax, LEFT + 32 * BIT + 2.2, 3.2, "1 の次との差（eps）", size=9, color=INK)
    for row, (name, n_exp, n_man, largest, eps) in enumerate(NUMBER_FORMATS):
        y = 2.35 - row * 0.95
        label(ax, 0.1, y + 0.15, f"{name}\n{1 + n_exp + n_man} ビット", size=10, color=INK,
              ha="left")
        x_exp = _bits(ax, LEFT, y, 1, plain_face, plain_edge)
        x_man = _bits(ax, x_exp, y, n_exp, exp_face, exp_edge)
        x_end = _bits(ax, x_man, y, n_man, "white", exp_edge)
        top = y + BIT * 1.6 + 0.08
        label(ax, LEFT + BIT / 2, top + 0.13, "符号", size=8, color=INK)
        _field_label(ax, x_exp, x_man, top, f"指数部 {n_exp}")
        _field_label(ax, x_man, x_end, top, f"仮数部 {n_man}")
        label(ax, LEFT + 32 * BIT + 0.95, y + 0.15, largest, size=10, color=INK)
        label(ax, LEFT + 32 * BIT + 2.2, y + 0.15, eps, size=10, color=INK)
    label(ax, 0.1, 0.1, "指数部のビット数が表せる範囲（最大値、どこまで小さな数が 0 にならないか）を、"
          "仮数部のビット数が細かさ（eps）を決める。bfloat16 は float32 の上位 16 ビットと同じ形。",
          size=8.5, ha="left")
    return fig
