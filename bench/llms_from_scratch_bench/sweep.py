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

The package's ``llms_from_scratch.bench_sweep`` reads the JSON that
``bench --sweep --json PATH`` writes and draws it; ch04/kv-cache.ipynb shows
the book's run.
"""

import gc

import torch

from llms_from_scratch.bench_sweep import format_sweep
from llms_from_scratch.i18n import _

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
    from llms_from_scratch.generate import fast_copy

    from .bench import book_model, median_time
    from .generation import runner

    ctx, vocab = cfg["context_length"], cfg["vocab_size"]
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(0)
    book = book_model(cfg, True).to(device).eval()
    window = torch.randint(0, vocab - 1, (1, ctx), generator=gen).to(device)
    with torch.no_grad():  # no cache: every token runs the whole window again
        uncached = median_time(lambda: book(window), device, reps)
    rows = [("GPTModel", "no cache (forward over T)", uncached)]
    # with a cache: the time of n + 1 new tokens minus that of 1 (the prefill), over n
    prompt = window[:, :ctx - new_tokens - 1]
    runners = [("GPTModelFast", "generate_cached", runner("cached", fast_copy(book), cfg, prompt))]
    if hf_build is not None:
        hf = hf_build(cfg, True).to(device).eval()
        runners.append(("transformers GPT2LMHeadModel", "generate (KV cache)",
                        runner("transformers", hf, cfg, prompt)))
    for name, method, run in runners:
        first = median_time(lambda: run(1), device, reps)  # noqa: B023
        many = median_time(lambda: run(new_tokens + 1), device, reps)  # noqa: B023
        rows.append((name, method, max(many - first, 0.0) / new_tokens))
    gc.collect()
    return [{"kind": "decode", "model": name, "method": method, "ms_per_token": sec * 1e3}
            for name, method, sec in rows]


def run_sweep(device="cpu", quick=False, reps=None, hf_build=None, log=None,
              sizes=None, contexts=None):
    """Every sweep row: ``{"kind", "size", "context", "model", ...}``, in a list."""
    from .bench import book_model, fast_model

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
    builders = [("GPTModel", lambda cfg: book_model(cfg, False)),
                ("GPTModelFast", lambda cfg: fast_model(cfg, False))]
    if hf_build is not None:
        from .bench import HFLogits

        builders.append(("transformers GPT2LMHeadModel",
                         lambda cfg: HFLogits(hf_build(cfg, False))))
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


__all__ = ["CONTEXTS", "SIZES", "format_sweep", "run_sweep", "sweep_config"]
