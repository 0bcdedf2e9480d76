"""The book's ``bench --sweep`` run, read and drawn for ch04/kv-cache.ipynb.

The sweep times one training step and one decoded token, without and with the
KV cache, for GPT-2's 124M and 355M shapes and contexts of 128 to 1024
tokens. The measuring lives in the benchmark package (``bench/``); this module
only reads its JSON (by default the book's run under ``measurements/``),
formats it as tables and plots it.
"""

import json
from importlib import resources


def format_sweep(rows):
    """The sweep as two text tables: seconds per training step, ms per decoded token."""
    lines = []
    for kind, unit, key, fmt in (("train", "training step, batch 1 (s)", "seconds", "{:.2f}"),
                                 ("decode", "one decoded token (ms)", "ms_per_token",
                                  "{:.1f}")):
        picked = [r for r in rows if r["kind"] == kind]
        if not picked:
            continue
        contexts = sorted({r["context"] for r in picked})
        names = list(dict.fromkeys((r["size"], r["model"], r.get("method", ""))
                                   for r in picked))
        header = f"{unit:<62}" + "".join(f"{'T=' + str(c):>9}" for c in contexts)
        lines += [header, "-" * len(header)]
        for size, model, method in names:
            label = f"{size} {model}" + (f", {method}" if method else "")
            cells = []
            for c in contexts:
                match = [r[key] for r in picked if (r["size"], r["model"],
                         r.get("method", ""), r["context"]) == (size, model, method, c)]
                cells.append(fmt.format(match[0]) if match else "n/a")
            lines.append(f"{label:<62}" + "".join(f"{cell:>9}" for cell in cells))
        lines.append("")
    return lines


# `bench --sweep --json` as run for the book (ch04/kv-cache.ipynb plots it), in the package
# so that the notebook finds it wherever the package is installed (Colab included).
REFERENCE_SWEEP = "measurements/sweep-cpu-2026-12-02.json"


def load_sweep(path=None):
    """The JSON that ``bench --sweep --json PATH`` wrote; without ``path``, the book's run."""
    if path is None:
        text = resources.files(__package__).joinpath(REFERENCE_SWEEP).read_text("utf-8")
    else:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as err:
            raise ValueError(f"cannot read {path} ({err.strerror or err}); write it with "
                             "`llms-from-scratch bench --sweep --json PATH`") from None
    try:
        result = json.loads(text)
    except ValueError:
        result = None
    if not isinstance(result, dict) or not isinstance(result.get("sweep"), list):
        raise ValueError(f"{path or REFERENCE_SWEEP} is not the JSON of "
                         "`llms-from-scratch bench --sweep --json PATH`")
    return result


# (model, method) of each decode row -> its label in the plot
_DECODE_LABELS = {("GPTModel", "no cache (forward over T)"): "GPTModel（キャッシュなし）",
                  ("GPTModelFast", "generate_cached"): "GPTModelFast（KV キャッシュ）",
                  ("transformers GPT2LMHeadModel", "generate (KV cache)"):
                      "transformers（KV キャッシュ）"}


def plot_sweep(rows):
    """Two panels against the context length: seconds per training step, ms per token.

    One line per model and size; the decode panel has a log scale, since the
    uncached rows grow far above the cached ones. Returns the ``Figure``.
    """
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  (registers IPAex Gothic for the labels)

    fig, (ax_train, ax_decode) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    sizes = list(dict.fromkeys(r["size"] for r in rows))
    styles = {size: ("-", "--", ":", "-.")[i % 4] for i, size in enumerate(sizes)}
    for ax, kind, key in ((ax_train, "train", "seconds"), (ax_decode, "decode", "ms_per_token")):
        picked = [r for r in rows if r["kind"] == kind]
        lines = dict.fromkeys((r["size"], r["model"], r.get("method")) for r in picked)
        colours = {}
        for size, model, method in lines:
            label = model if kind == "train" else _DECODE_LABELS.get((model, method), model)
            points = sorted((r["context"], r[key]) for r in picked
                            if (r["size"], r["model"], r.get("method")) == (size, model, method))
            colour = colours.setdefault(label, f"C{len(colours)}")
            ax.plot([c for c, _ in points], [v for _, v in points], styles[size],
                    marker="o", markersize=3, color=colour, label=f"{size} {label}")
        contexts = sorted({r["context"] for r in picked})
        ax.set_xscale("log", base=2)
        ax.set_xticks(contexts, [str(c) for c in contexts])
        ax.set_xlabel("文脈長 T（トークン）")
        # below the panel, so that no legend box hides a line
        ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    ax_train.set_title("学習の 1 ステップ（float32）")
    ax_train.set_ylabel("秒（バッチ 1）")
    ax_decode.set_title("生成の 1 トークン（float32）")
    ax_decode.set_ylabel("ミリ秒（文脈に T トークンがあるとき）")
    ax_decode.set_yscale("log")
    return fig


__all__ = ["REFERENCE_SWEEP", "format_sweep", "load_sweep", "plot_sweep"]
