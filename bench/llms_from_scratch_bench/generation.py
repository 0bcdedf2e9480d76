"""The generation rows of ``bench``: greedy decoding speed, batch 1.

- ``GPTModel`` without a cache (``ch04.generate_text_simple``) and with one
  (``kvcache.generate_cached``), ``GPTModelFast`` with one;
- the generate command's own path (``generate.stream_text`` on the
  ``GPTModelFast`` copy that the command makes, text decoded and written to
  a string buffer; loading and start-up excluded) side by side with
  transformers' cached ``generate`` at the same precision, float32 and
  bfloat16, in interleaved repetitions (command, transformers, command, ...),
  so that both see the same load on a shared machine.

Each row also gives its share of the memory-bandwidth bound: decoding one
token reads every weight once (the embedding tables only one row each, unless
the output head shares the token embedding), so ``weight bytes per token x
tokens/s`` is the memory traffic it needs, divided here by a measured copy
bandwidth (bytes read plus bytes written per second by one large
``Tensor.copy_``). Caches can hold part of the weights, so a share can
exceed 1 for small models.
"""

import io
import statistics
import time

import torch

from llms_from_scratch.i18n import _, display_width, ljust, rjust

COMMAND = "command (stream_text)"
HF_GENERATE = "generate (KV cache)"
HF_NAME = "transformers GPT2LMHeadModel"
PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def copy_bandwidth(device, megabytes=256, reps=5):
    """Bytes moved per second (read + written) by copying a large float32 tensor."""
    device = torch.device(device)
    src = torch.ones(megabytes * 2 ** 20 // 4, device=device)
    dst = torch.empty_like(src)
    times = []
    for i in range(reps + 2):  # two warm-ups: page faults, first-touch
        _sync(device)
        start = time.perf_counter()
        dst.copy_(src)
        _sync(device)
        if i >= 2:
            times.append(time.perf_counter() - start)
    return 2 * src.numel() * src.element_size() / statistics.median(times)


def weight_bytes_per_token(model):
    """Bytes of weights one decoding step reads: every parameter once, except
    embedding tables that are only looked up (one row each); a table that is
    also the output head (tied) is read whole, and counted once."""
    owners = {}
    for module in model.modules():
        for param in module.parameters(recurse=False):
            entry = owners.setdefault(id(param), [param, set()])
            entry[1].add(isinstance(module, torch.nn.Embedding))
    return sum(p.numel() * p.element_size() for p, kinds in owners.values() if kinds != {True})


class _StandInTokenizer:
    """One byte per token, for when GPT-2's tokenizer cannot be loaded (offline)."""

    eot_token = None

    def decode_single_token_bytes(self, token):
        return bytes([32 + token % 95])


def _tokenizer():
    from llms_from_scratch import assets

    try:
        return assets.gpt2_tokenizer(), "GPT-2 (tiktoken)"
    except (assets.DownloadError, OSError, ImportError):
        return _StandInTokenizer(), "a one-byte stand-in (GPT-2's could not be loaded)"


def runner(kind, model, cfg, prompt, tokenizer=None):
    """A function ``run(n)`` that generates ``n`` greedy tokens and returns how many."""
    from llms_from_scratch.ch04 import generate_text_simple
    from llms_from_scratch.generate import stream_text
    from llms_from_scratch.kvcache import generate_cached

    context = cfg["context_length"]
    if kind == "uncached":
        return lambda n: generate_text_simple(model, prompt, n, context).shape[1] - prompt.shape[1]
    if kind == "cached":
        return lambda n: generate_cached(model, prompt, n, context).shape[1] - prompt.shape[1]
    if kind == "command":
        ids = prompt[0].tolist()
        return lambda n: stream_text(model, tokenizer, ids, io.StringIO(), n)
    if kind == "transformers":
        mask = torch.ones_like(prompt)

        def run(n):
            with torch.inference_mode():
                out = model.generate(prompt, attention_mask=mask, max_new_tokens=n,
                                     min_new_tokens=n, do_sample=False, use_cache=True,
                                     pad_token_id=cfg["vocab_size"] - 1)
            return out.shape[1] - prompt.shape[1]
        return run
    raise ValueError(f"unknown generation kind {kind!r}")


def _prompt(cfg, device, prompt_len=4):
    gen = torch.Generator().manual_seed(7)
    return torch.randint(0, cfg["vocab_size"] - 1, (1, prompt_len), generator=gen).to(device)


def time_interleaved(runs, device, new_tokens, reps):
    """Median seconds of each ``runs[name](new_tokens)``, the names taking turns."""
    for run in runs.values():
        run(min(8, new_tokens))  # warm-up: allocations, kernels, caches
    times = {name: [] for name in runs}
    for _rep in range(reps):
        for name, run in runs.items():
            _sync(device)
            start = time.perf_counter()
            produced = run(new_tokens)
            _sync(device)
            times[name].append(time.perf_counter() - start)
            if produced != new_tokens:
                raise RuntimeError(f"{name} generated {produced} tokens, expected {new_tokens}")
    return {name: statistics.median(values) for name, values in times.items()}


def time_generation(kind, model, cfg, device, new_tokens, reps, prompt_len=4, tokenizer=None):
    """Median seconds to generate ``new_tokens`` tokens greedily (batch 1)."""
    device = torch.device(device)
    model.to(device).eval()
    if kind == "command" and tokenizer is None:
        tokenizer = _StandInTokenizer()
    run = runner(kind, model, cfg, _prompt(cfg, device, prompt_len), tokenizer)
    return time_interleaved({kind: run}, device, new_tokens, reps)[kind]


def _row(model_name, method, precision, model, seconds, new_tokens, bandwidth):
    weight_bytes = weight_bytes_per_token(model)
    tok_s = new_tokens / seconds
    return {"model": model_name, "method": method, "precision": precision,
            "cached": method != "generate_text_simple", "seconds": seconds,
            "tokens_per_s": tok_s, "weight_bytes_per_token": weight_bytes,
            "bandwidth_share": weight_bytes * tok_s / bandwidth}


def _library_rows(cfg, device, new_tokens, reps, bandwidth, build, log):
    from llms_from_scratch.generate import fast_copy

    rows = []
    for name, kind, method in (("GPTModel", "uncached", "generate_text_simple"),
                               ("GPTModel", "cached", "generate_cached"),
                               ("GPTModelFast", "cached", "generate_cached")):
        log(f"generate {name} {method} ...")
        torch.manual_seed(0)
        model = build(cfg, True)
        if name == "GPTModelFast":  # the layout of the device it runs on
            model = fast_copy(model, device=device)
        seconds = time_generation(kind, model, cfg, device, new_tokens, reps)
        rows.append(_row(name, method, "float32", model, seconds, new_tokens, bandwidth))
        log(f"  {seconds:.2f} s, {new_tokens / seconds:.1f} tokens/s")
    return rows


def _side_by_side_rows(cfg, device, new_tokens, reps, bandwidth, build, hf_build, log,
                       tokenizer, precisions):
    from llms_from_scratch.generate import fast_copy

    rows = []
    prompt = _prompt(cfg, device)
    for precision in precisions:
        dtype = PRECISIONS[precision]
        torch.manual_seed(0)
        models = {COMMAND: fast_copy(build(cfg, True).to(device), dtype)}
        if hf_build is not None:
            models[HF_GENERATE] = hf_build(cfg, True).to(device=device, dtype=dtype).eval()
        runs = {COMMAND: runner("command", models[COMMAND], cfg, prompt, tokenizer)}
        if HF_GENERATE in models:
            runs[HF_GENERATE] = runner("transformers", models[HF_GENERATE], cfg, prompt)
        log(_("generate side by side, {precision}: {runs} ...").format(
            precision=precision, runs=", ".join(runs)))
        seconds = time_interleaved(runs, device, new_tokens, reps)
        for method, secs in seconds.items():
            name = "GPTModelFast" if method == COMMAND else HF_NAME
            rows.append(_row(name, method, precision, models[method], secs, new_tokens,
                             bandwidth))
            log(f"  {method}: {secs:.2f} s, {new_tokens / secs:.1f} tokens/s")
    return rows


def generation_rows(cfg, device, new_tokens, reps, build, hf_build=None, log=None,
                    precisions=tuple(PRECISIONS)):
    """Every generation row (see the module) in a dict with the copy bandwidth.

    ``build(cfg, tied)`` makes the book's ``GPTModel``; ``hf_build(cfg, tied)``
    transformers' model, or None to leave it out; ``precisions`` those of the
    side-by-side rows (names of ``PRECISIONS``). Returns ``{"generate": rows,
    "copy_bandwidth": bytes/s, "generate_tokenizer": what the command decodes with}``.
    """
    log = log if log is not None else (lambda msg: None)
    device = torch.device(device)
    log(_("copy bandwidth ..."))
    bandwidth = copy_bandwidth(device, megabytes=16 if cfg["vocab_size"] < 5000 else 256)
    log(_("  {gb_s:.1f} GB/s (read + written)").format(gb_s=bandwidth / 1e9))
    tokenizer, tokenizer_name = _tokenizer()
    rows = _library_rows(cfg, device, new_tokens, reps, bandwidth, build, log)
    rows += _side_by_side_rows(cfg, device, new_tokens, reps, bandwidth, build, hf_build, log,
                               tokenizer, precisions)
    return {"generate": rows, "copy_bandwidth": bandwidth,
            "generate_tokenizer": tokenizer_name}


def gen_rate(result, model, method, precision="float32"):
    """tokens/s of one generation row, or None."""
    for row in result["generate"]:
        if row["model"] == model and row.get("method") == method \
                and row.get("precision", "float32") == precision:
            return row["tokens_per_s"]
    return None


def format_rows(result):
    """The generation table's lines."""
    header = " ".join([ljust(_("generation (greedy, batch 1)"), 30), ljust(_("method"), 22),
                       ljust(_("precision"), 9), rjust(_("seconds"), 8),
                       rjust(_("tokens/s"), 9), rjust(_("MB/token"), 9), rjust(_("of bw"), 6)])
    lines = [header, "-" * display_width(header)]
    for row in result["generate"]:
        share = row.get("bandwidth_share")
        mb = row.get("weight_bytes_per_token")
        lines.append(f"{row['model']:<30} {row['method']:<22} "
                     f"{row.get('precision', 'float32'):<9} {row['seconds']:>8.2f} "
                     f"{row['tokens_per_s']:>9.1f} "
                     f"{'' if mb is None else f'{mb / 1e6:.1f}':>9} "
                     f"{'' if share is None else f'{share * 100:.0f}%':>6}")
    bandwidth = result.get("copy_bandwidth")
    if bandwidth:
        lines.append(_("of bw: how close a row comes to the memory's limit: the weight bytes "
                       "read per token x tokens/s, divided by the copy bandwidth {gb_s:.1f} GB/s "
                       "(bytes read + written by one large tensor copy); generating one token "
                       "reads every weight once.").format(gb_s=bandwidth / 1e9))
    if result.get("generate_tokenizer"):
        lines.append(_("the command's rows decode with {tokenizer}").format(
            tokenizer=result["generate_tokenizer"]))
    return lines


__all__ = ["COMMAND", "HF_GENERATE", "copy_bandwidth", "format_rows", "gen_rate",
           "generation_rows", "time_generation", "time_interleaved",
           "weight_bytes_per_token"]
