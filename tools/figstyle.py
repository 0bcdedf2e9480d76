"""The one visual style of the book's concept figures (used by tools/figures.py).

One palette, one font (IPAex Gothic from matplotlib-fontja), one box style and
one arrow style. Every figure is drawn on a canvas whose data coordinates are
inches, so that sizes and gaps read the same in every figure, and saved as a
PNG with a fixed size and dpi and no metadata, so that drawing it twice gives
the same bytes.
"""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401  (registers IPAex Gothic)
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

DPI = 120
FONT = "IPAexGothic"

# Roles, not colours: each kind of thing has the same colour in every figure.
PALETTE = {
    "data": ("#dbe9f6", "#2f6fa7"),     # tensors and text flowing through
    "op": ("#fde5c8", "#c76a12"),       # computations (layers, functions)
    "param": ("#dcefd9", "#3c8a3a"),    # learned weights
    "loss": ("#f8d7d6", "#b8322f"),     # losses, masks, what is cut away
    "plain": ("#f2f2f2", "#6b6b6b"),    # everything else
}
INK = "#263238"
MUTED = "#6b6b6b"

RC = {
    "font.family": FONT,
    "font.size": 10,
    "axes.unicode_minus": False,
    "svg.hashsalt": "llms-from-scratch-ja",
    "path.simplify": True,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
}


def canvas(width, height):
    """A figure of ``width`` x ``height`` inches whose data coordinates are inches."""
    fig = plt.figure(figsize=(width, height), dpi=DPI)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    return fig, ax


def box(ax, x, y, w, h, text, kind="data", size=10, weight="normal"):
    """A rounded box centred at (x, y); returns its (left, right, bottom, top)."""
    face, edge = PALETTE[kind]
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.06",
                                facecolor=face, edgecolor=edge, linewidth=1.3))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, weight=weight,
            color=INK, linespacing=1.3)
    return x - w / 2, x + w / 2, y - h / 2, y + h / 2


def arrow(ax, start, end, color=INK, lw=1.3, style="-|>", rad=0.0, dashed=False):
    """The book's one arrow: a solid line with a filled head (curved when ``rad`` != 0)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=11,
                                 linewidth=lw, color=color, shrinkA=0, shrinkB=0,
                                 connectionstyle=f"arc3,rad={rad}",
                                 linestyle="--" if dashed else "-"))


def label(ax, x, y, text, size=9, color=MUTED, ha="center", va="center", **kw):
    """Small annotation text (shapes, notes)."""
    ax.text(x, y, text, ha=ha, va=va, fontsize=size, color=color, linespacing=1.3, **kw)


def grid(ax, x, y, values, cell=0.32, kinds=None, size=9):
    """A row of cells starting at (x, y) (lower left), one value each."""
    for i, value in enumerate(values):
        kind = kinds[i] if kinds else "data"
        face, edge = PALETTE[kind]
        ax.add_patch(plt.Rectangle((x + i * cell, y), cell, cell, facecolor=face,
                                   edgecolor=edge, linewidth=1.0))
        ax.text(x + (i + 0.5) * cell, y + cell / 2, str(value), ha="center", va="center",
                fontsize=size, color=INK)


def png_bytes(fig):
    """The figure as PNG bytes: fixed dpi, no metadata, so the bytes are reproducible."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                facecolor="white")
    plt.close(fig)
    return buf.getvalue()
