"""``bench --sweep``: how a training step and one decoded token grow with context and size.

For each model size (GPT-2 124M and 355M shapes, random weights) and context
length T (128 to 1024), float32:

- ``train``: seconds of one training step (batch 1, T tokens, fused AdamW)
  for ``GPTModel`` (the book's attention: explicit scores and mask),
  ``GPTModelFast`` (fused attention) and, when installed, transformers';
- ``decode``: milliseconds per new token once T tokens are in the context:
  without a cache (``GPTModel``: every token runs the whole window again,
  measured as one forward pass over T tokens), and with one
  (``GPTModelFast``, ``kvcache.generate_cached``; transformers' ``generate``),
  measured as the time of ``n + 1`` new tokens minus that of 1, over ``n``,
  so the prompt's one-off forward pass (the prefill) is left out.

A reader sees where the fused attention starts to matter (long contexts)
and how the cache turns each token's cost from "the whole window" into
"one token against the stored keys and values". Timings are medians of a few
repetitions; nothing is asserted about them.

``load_sweep`` reads the JSON of ``bench --sweep --json PATH`` (by default the
book's run, kept in the package under ``measurements/``) and ``plot_sweep``
draws it; ch04/kv-cache.ipynb shows that plot.
"""

import gc
import json
from importlib import resources

import torch

from .i18n import _

SIZES = {"124M": {"emb_dim": 768, "n_layers": 12, "n_heads": 12},
         "355M": {"emb_dim": 1024, "n_layers": 24, "n_heads": 16}}
CONTEXTS = (128, 256, 512, 1024)
QUICK = {"sizes": {"tiny": {"emb_dim": 32, "n_layers": 2, "n_heads": 2}}, "contexts": (16, 32),
         "vocab_size": 97}


def sweep_config(size, context, sizes=SIZES, vocab_size=50257):
    return {"vocab_size": vocab_size, "context_length": context, "drop_rate": 0.0,
            "qkv_bias": True, **sizes[size]}


def _train_rows(cfg, device, reps, builders):
    from .bench import time_train_step

    rows = []
    for name, build in builders:
        torch.manual_seed(0)
        model = build(cfg)
        seconds = time_train_step(model, cfg, device, "float32", 1, reps)
        rows.append({"kind": "train", "model": name, "seconds": seconds})
        del model
        gc.collect()
    return rows


def _decode_rows(cfg, device, reps, new_tokens, hf_build):
    """ms per new token once the context holds T tokens: without a cache, and with one."""
    from .bench import _book_model, _median_time
    from .bench_generate import _runner
    from .generate import fast_copy

    ctx, vocab = cfg["context_length"], cfg["vocab_size"]
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(0)
    book = _book_model(cfg, True).to(device).eval()
    window = torch.randint(0, vocab - 1, (1, ctx), generator=gen).to(device)
    with torch.no_grad():  # no cache: every token runs the whole window again
        uncached = _median_time(lambda: book(window), device, reps)
    rows = [("GPTModel", "no cache (forward over T)", uncached)]
    # with a cache: the time of n + 1 new tokens minus that of 1 (the prefill), over n
    prompt = window[:, :ctx - new_tokens - 1]
    runners = [("GPTModelFast", "generate_cached", _runner("cached", fast_copy(book), cfg, prompt))]
    if hf_build is not None:
        hf = hf_build(cfg, True).to(device).eval()
        runners.append(("transformers GPT2LMHeadModel", "generate (KV cache)",
                        _runner("transformers", hf, cfg, prompt)))
    for name, method, run in runners:
        first = _median_time(lambda: run(1), device, reps)  # noqa: B023
        many = _median_time(lambda: run(new_tokens + 1), device, reps)  # noqa: B023
        rows.append((name, method, max(many - first, 0.0) / new_tokens))
    gc.collect()
    return [{"kind": "decode", "model": name, "method": method, "ms_per_token": sec * 1e3}
            for name, method, sec in rows]


def run_sweep(device="cpu", quick=False, reps=None, hf_build=None, log=None,
              sizes=None, contexts=None):
    """Every sweep row: ``{"kind", "size", "context", "model", ...}``, in a list."""
    from .bench import _book_model, _fast_model

    log = log if log is not None else (lambda msg: None)
    device = torch.device(device)
    table = QUICK["sizes"] if quick else SIZES
    sizes = list(sizes or table)
    contexts = tuple(contexts or (QUICK["contexts"] if quick else CONTEXTS))
    vocab = QUICK["vocab_size"] if quick else 50257
    reps = reps or (1 if quick else 2)
    # 32 tokens: the prefill of the "1 token" run cancels out, and its noise is small next
    # to 32 decoding steps (with 8, the difference moved by a third between repetitions)
    new_tokens = 4 if quick else 32
    builders = [("GPTModel", lambda cfg: _book_model(cfg, False)),
                ("GPTModelFast", lambda cfg: _fast_model(cfg, False))]
    if hf_build is not None:
        from .bench import _HFLogits

        builders.append(("transformers GPT2LMHeadModel",
                         lambda cfg: _HFLogits(hf_build(cfg, False))))
    rows = []
    for size in sizes:
        for context in contexts:
            cfg = sweep_config(size, context, table, vocab)
            log(_("sweep {size}, context {context}: training steps ...").format(
                size=size, context=context))
            found = _train_rows(cfg, device, reps, builders)
            log(_("sweep {size}, context {context}: decoding ...").format(
                size=size, context=context))
            found += _decode_rows(cfg, device, reps, new_tokens, hf_build)
            rows += [{"size": size, "context": context, **row} for row in found]
    return rows


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

    One line per model and size (124M solid, 355M dashed); the decode panel
    has a log scale, since the uncached rows grow far above the cached ones.
    Japanese labels (``matplotlib_fontja``). Returns the matplotlib ``Figure``.
    """
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  (registers IPAex Gothic for the labels)

    fig, (ax_train, ax_decode) = plt.subplots(1, 2, figsize=(10, 3.6))
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
        ax.legend(fontsize=7)
    ax_train.set_title("学習の 1 ステップ（float32）")
    ax_train.set_ylabel("秒（バッチ 1）")
    ax_decode.set_title("生成の 1 トークン（float32）")
    ax_decode.set_ylabel("ミリ秒（文脈に T トークンがあるとき）")
    ax_decode.set_yscale("log")
    fig.tight_layout()
    return fig


__all__ = ["CONTEXTS", "REFERENCE_SWEEP", "SIZES", "format_sweep", "load_sweep", "plot_sweep",
           "run_sweep", "sweep_config"]
