"""Speed benchmark of the book's GPT on the current device.

Measures, for the GPT-2 124M configuration with a 256-token context:

- training steps (forward, backward, AdamW) in tokens/s, batch 2, for
  ``ch04.GPTModel``, ``fast.GPTModelFast`` (float32 and bf16 autocast) and,
  when installed, Hugging Face ``transformers``' ``GPT2LMHeadModel``, each
  with an untied and a tied output head;
- greedy generation of 200 tokens (batch 1, short prompt) in tokens/s:
  ``generate_text_simple`` without a cache, ``kvcache.generate_cached``, and
  the generate command's own path side by side with ``transformers``' cached
  ``generate`` at float32 and bfloat16, each row with its share of the
  memory-bandwidth bound (see ``generation``);
- the device's matmul peak (2048^3 matmuls, float32 and bfloat16) and each
  training row's model-FLOPs utilisation (MFU).

Every timing is the median of several repetitions after a warm-up. Models
start from random weights and have no dropout. Speed does not depend on the
values as long as they stay ordinary floats; tied heads therefore start at
GPT-2's scale (``_tied_init`` explains why). ``llms-from-scratch bench --help``
runs it from the command line.

On Linux, the ``llms-from-scratch`` command sets ``THP_MEM_ALLOC_ENABLE=1``
before torch starts (unless it is set already): PyTorch's CPU allocator then
backs large tensors with transparent huge pages. Each training step
allocates fresh logits, their gradient and the embedding and head gradients
(hundreds of MB for 124M); with 4 KB pages the kernel page-faults on every
one of them each step (measured: ~180,000 faults and ~0.35 s of system time
per step on a 2-core EPYC, ~18,000 with the variable set). The variable only
works when set before torch starts, so the benchmark reports its value; it
applies to every row alike (one process). The command also calls
``cpu_memory.keep_freed_memory`` (glibc): freed memory stays in the process
between steps, so those tensors reuse pages that are already mapped (a 124M
step took ~2.6 s instead of ~3.2 s on a 2-core EPYC, ~1.6 s instead of
~1.9 s on a 2-core Xeon), again for every row alike.
"""

import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from llms_from_scratch import fileio
from llms_from_scratch.amp import check_precision, cuda_bf16_native, make_grad_scaler, train_step
from llms_from_scratch.errors import UserError
from llms_from_scratch.i18n import _

from . import generation, sweep
from .report import check_targets, format_table

GPT2_124M_BENCH = {"vocab_size": 50257, "context_length": 256, "emb_dim": 768, "n_heads": 12,
                   "n_layers": 12, "drop_rate": 0.0, "qkv_bias": True}
QUICK_BENCH = {"vocab_size": 512, "context_length": 32, "emb_dim": 64, "n_heads": 4,
               "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}

FLOPS_FORMULA = ("training FLOPs/token = 6*N + 12*n_layers*emb_dim*context, with N = "
                 "12*n_layers*emb_dim^2 + vocab_size*emb_dim (the weights of every matmul, "
                 "the output head included whether tied or not; embedding lookups, biases and "
                 "norms not counted); MFU = tokens/s * FLOPs/token / measured matmul peak of "
                 "the row's compute dtype")


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def median_time(fn, device, reps, warmup=1):
    """Median wall time of ``fn()`` over ``reps`` runs after ``warmup`` runs."""
    for _warm in range(warmup):
        fn()
    _sync(device)
    times = []
    for _rep in range(reps):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_peak(device, dtype, n=2048, reps=5):
    """Measured matmul throughput in GFLOP/s for (n, n) @ (n, n) in ``dtype``."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    seconds = median_time(lambda: torch.mm(a, b), device, reps, warmup=2)
    return 2 * n ** 3 / seconds / 1e9


def matmul_params(cfg):
    """N of the FLOPs formula: the weights of every matrix multiplication."""
    d = cfg["emb_dim"]
    return 12 * cfg["n_layers"] * d * d + cfg["vocab_size"] * d


def train_flops_per_token(cfg):
    """6*N + 12*n_layers*emb_dim*context (forward plus backward)."""
    return 6 * matmul_params(cfg) + 12 * cfg["n_layers"] * cfg["emb_dim"] * cfg["context_length"]


# --- the models -----------------------------------------------------------------------

TIED_INIT_STD = 0.02  # GPT-2's initial scale for the token embedding (transformers uses it)


def _tied_init(model):
    """Start a tied head at GPT-2's scale, as transformers' tied model does.

    ``nn.Embedding`` starts at N(0, 1). Used as the output head, that gives
    logits with a standard deviation near 28: the softmax underflows and,
    a few steps in, the gradient of the logits holds millions of subnormal
    floats, which made the head's two backward matmuls many times slower on
    an Intel Xeon (a tied step 2.0-2.8 s instead of 1.6 s, growing with the
    steps; measured 2026-12-03). That is a cost of the scale, not of tying
    (GPT-2's own weights give ordinary logits), so every tied row starts from
    the same N(0, 0.02) as transformers'.
    """
    torch.nn.init.normal_(model.tok_emb.weight, std=TIED_INIT_STD)
    return model


def book_model(cfg, tied):
    from llms_from_scratch.ch04 import GPTModel

    model = GPTModel(cfg)
    if tied:
        model.out_head.weight = model.tok_emb.weight
        _tied_init(model)
    return model


def fast_model(cfg, tied):
    from llms_from_scratch.fast import GPTModelFast

    model = GPTModelFast(cfg, tie_weights=tied)
    return _tied_init(model) if tied else model


def transformers_available():
    try:
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def hf_model(cfg, tied, attn_implementation="sdpa"):
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=cfg["vocab_size"], n_positions=cfg["context_length"],
        n_embd=cfg["emb_dim"], n_layer=cfg["n_layers"], n_head=cfg["n_heads"],
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        bos_token_id=cfg["vocab_size"] - 1, eos_token_id=cfg["vocab_size"] - 1,
        tie_word_embeddings=tied, attn_implementation=attn_implementation,
    )
    model = GPT2LMHeadModel(config)
    if (model.lm_head.weight is model.transformer.wte.weight) != tied:
        raise RuntimeError("transformers did not honour tie_word_embeddings")
    return model


class HFLogits(torch.nn.Module):
    """Calls a transformers model like the book's: token IDs in, logits out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, idx):
        return self.model(input_ids=idx, use_cache=False).logits


# --- training ---------------------------------------------------------------------------

OPTIMIZER = ("AdamW(lr=1e-4, weight_decay=0.1, fused=True) unless the row says "
             "'foreach' (PyTorch's default AdamW, as the book's chapter 5 loop uses)")


def make_adamw(model, device, fused=True):
    """AdamW, by default with the fused kernel (one pass over each parameter tensor).

    The default multi-tensor ("foreach") AdamW makes several passes over the
    parameters and optimizer state; on a CPU, where memory bandwidth is
    scarce, the fused kernel saves most of the optimizer's time.
    """
    fused = fused and torch.device(device).type in ("cpu", "cuda", "mps")
    return torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1,
                             fused=True if fused else None)


def time_train_step(model, cfg, device, precision, batch_size, reps, warmup=1,
                    fused_adamw=True):
    """Median seconds of one training step (forward, backward, AdamW) on random tokens."""
    name = check_precision(precision, device)
    gen = torch.Generator().manual_seed(123)
    shape = (batch_size, cfg["context_length"])
    inputs = torch.randint(0, cfg["vocab_size"], shape, generator=gen).to(device)
    targets = torch.randint(0, cfg["vocab_size"], shape, generator=gen).to(device)
    model.to(device).train()
    optimizer = make_adamw(model, device, fused=fused_adamw)

    scaler = make_grad_scaler(device, name)

    def step():  # the training step of `llms-from-scratch train` (no clipping here)
        train_step(model, optimizer, [(inputs, targets)], device, name, scaler)

    return median_time(step, device, reps, warmup)


# --- the whole benchmark ----------------------------------------------------------------

def _train_rows(result, cfg, device, batch_size, train_reps, use_hf, log, with_bf16=True):
    """The matmul peaks (for the MFU) and every training row, into ``result``."""
    precisions = (("float32", torch.float32), ("bf16", torch.bfloat16))
    for label, dtype in precisions[:2 if with_bf16 else 1]:
        log(_("matmul peak {label} ...").format(label=label))
        result["peak_gflops"][label] = matmul_peak(device, dtype, n=result["matmul_n"])
        log(f"  {result['peak_gflops'][label]:.1f} GFLOP/s")

    # The book's own step (default AdamW) once, then every model with fused AdamW.
    rows = [("GPTModel", book_model, "float32", False, False)]
    for tied in (False, True):
        rows += [("GPTModel", book_model, "float32", tied, True),
                 ("GPTModelFast", fast_model, "float32", tied, True)]
        if with_bf16:
            rows.append(("GPTModelFast", fast_model, "bf16", tied, True))
        if use_hf:
            rows.append(("transformers GPT2LMHeadModel", hf_model, "float32", tied, True))
    tokens_per_step = batch_size * cfg["context_length"]
    for name, build, precision, tied, fused in rows:
        log(_("train {name} {precision} {head} {adamw} AdamW ...").format(
            name=name, precision=precision, head="tied" if tied else "untied",
            adamw="fused" if fused else "foreach"))
        torch.manual_seed(0)
        model = build(cfg, tied)
        if build is hf_model:
            model = HFLogits(model)
        seconds = time_train_step(model, cfg, device, precision, batch_size, train_reps,
                                  fused_adamw=fused)
        tok_s = tokens_per_step / seconds
        peak = result["peak_gflops"]["bf16" if precision == "bf16" else "float32"]
        result["train"].append({
            "model": name, "precision": precision, "tied": tied,
            "adamw": "fused" if fused else "foreach", "seconds_per_step": seconds,
            "tokens_per_s": tok_s,
            "mfu": tok_s * result["train_flops_per_token"] / (peak * 1e9),
        })
        log(_("  {seconds:.3f} s/step, {tok_s:.1f} tokens/s").format(seconds=seconds,
                                                                     tok_s=tok_s))
        del model
        gc.collect()


def run_benchmark(device="cpu", quick=False, reps=None, include_transformers=True,
                  log=None, parts=("train", "generate")):
    """Run every measurement; return a JSON-ready dict (see ``format_table``).

    ``quick=True`` uses a tiny config, 1 repetition and 16 new tokens (for
    tests); otherwise the 124M config, context 256, batch 2, 200 new tokens.
    ``parts`` names the tables to measure ("train", "generate").
    """
    device = torch.device(device)
    if reps is not None and (isinstance(reps, bool) or not isinstance(reps, int) or reps < 1):
        raise ValueError(f"reps must be a positive int or None, got {reps!r}")
    log = log if log is not None else (lambda msg: None)
    use_hf = include_transformers and transformers_available()
    result = _settings(device, quick, reps, include_transformers, use_hf)
    cfg, train_reps = result["config"], result["repetitions"]["train"]

    # Emulated bfloat16 (a CPU without AVX512_BF16 or AMX) runs many times slower than
    # float32: its rows would take most of the time and show nothing new (the quick
    # run keeps them, to check that they work).
    with_bf16 = result["native_bf16"] or quick
    if not with_bf16:
        log(_("bf16 rows left out: this {kind} has no native bfloat16 arithmetic")
            .format(kind="GPU" if device.type == "cuda" else "CPU"))
    if "train" in parts:
        _train_rows(result, cfg, device, result["batch_size"], train_reps, use_hf, log,
                    with_bf16)

    if "generate" in parts:
        result.update(generation.generation_rows(
            cfg, device, result["new_tokens"], result["repetitions"]["generate"], book_model,
            hf_build=hf_model if use_hf else None, log=log,
            precisions=("float32", "bfloat16") if with_bf16 else ("float32",)))

    result["targets"] = check_targets(result)
    return result


def _settings(device, quick, reps, include_transformers, use_hf):
    """What a run measures with, on what: the start of its JSON."""
    cfg = dict(QUICK_BENCH if quick else GPT2_124M_BENCH)
    batch_size = 2
    new_tokens = 16 if quick else 200
    train_reps = reps or (1 if quick else 3)
    gen_reps = reps or (1 if quick else 3)
    matmul_n = 256 if quick else 2048
    result = {
        "device": str(device),
        "device_name": _device_name(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        # PyTorch's CPU allocator backs large tensors with 2 MB pages when this is
        # set before torch starts; a training step then stops page-faulting on
        # hundreds of MB of fresh gradients and logits (see the module docstring).
        "THP_MEM_ALLOC_ENABLE": os.environ.get("THP_MEM_ALLOC_ENABLE"),
        "native_bf16": native_bf16(device),
        "quick": quick,
        "config": cfg,
        "batch_size": batch_size,
        "new_tokens": new_tokens,
        "repetitions": {"train": train_reps, "generate": gen_reps},
        "optimizer": OPTIMIZER,
        "flops_formula": FLOPS_FORMULA,
        "train_flops_per_token": train_flops_per_token(cfg),
        "matmul_n": matmul_n,
        "peak_gflops": {},
        "train": [],
        "generate": [],
        # transformers' rows were asked for but the package is not installed
        "transformers_missing": include_transformers and not use_hf,
    }
    if use_hf:
        import transformers

        result["transformers"] = transformers.__version__
        result["transformers_attn_implementation"] = "sdpa"
    return result


def native_bf16(device):
    """Whether ``device`` computes in bfloat16 natively (CPU: AVX512_BF16 or AMX; GPU: Ampere+)."""
    from llms_from_scratch.generate import cpu_has_native_bf16

    device = torch.device(device)
    if device.type == "cuda":  # a T4's or V100's emulated bfloat16 is not
        return cuda_bf16_native(device)
    if device.type != "cpu":
        return True
    return cpu_has_native_bf16() is not False  # unknown: measure the rows


def _device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({os.cpu_count()} logical cores)"


def main(device="cpu", quick=False, json_path=None, reps=None, include_transformers=True,
         out=None, parts=("train", "generate")):
    """Run the benchmark, print the table to ``out`` and write JSON if asked."""
    out = out if out is not None else sys.stdout

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    start = time.perf_counter()
    result = run_benchmark(device, quick=quick, reps=reps,
                           include_transformers=include_transformers, log=log, parts=parts)
    result["wall_seconds"] = time.perf_counter() - start
    print(format_table(result), file=out)
    print(_("\n(total {wall_seconds:.0f} s)")
          .format(wall_seconds=result['wall_seconds']), file=out)
    _write_json(json_path, result)
    return result


def _write_json(json_path, result):
    if json_path is not None:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fileio.write_text(path, json.dumps(result, indent=2) + "\n")


def sweep_main(device="cpu", quick=False, json_path=None, reps=None,
               include_transformers=True, out=None):
    """``bench --sweep``: run ``sweep.run_sweep``, print its tables, write JSON if asked."""
    out = out if out is not None else sys.stdout
    use_hf = include_transformers and transformers_available()
    start = time.perf_counter()
    rows = sweep.run_sweep(device, quick=quick, reps=reps,
                                 hf_build=hf_model if use_hf else None,
                                 log=lambda msg: print(msg, file=sys.stderr, flush=True))
    result = {"device": str(torch.device(device)), "device_name": _device_name(
        torch.device(device)), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "sweep": rows, "wall_seconds": time.perf_counter() - start}
    print(_("device: {device} - {device_name}, torch {torch}, {threads} threads; float32, random "
            "weights")
          .format(device=result['device'], device_name=result['device_name'],
                  torch=result['torch'], threads=result['threads']), file=out)
    print("\n".join(sweep.format_sweep(rows)), file=out)
    print(_("(total {wall_seconds:.0f} s)")
          .format(wall_seconds=result['wall_seconds']), file=out)
    _write_json(json_path, result)
    return result


__all__ = ["FLOPS_FORMULA", "GPT2_124M_BENCH", "OPTIMIZER", "QUICK_BENCH", "check_targets",
           "format_table", "main", "make_adamw", "matmul_params", "matmul_peak",
           "native_bf16", "run_benchmark", "sweep_main", "time_train_step",
           "train_flops_per_token"]


def add_arguments(parser):
    """The ``bench`` command's flags (used by ``cli``)."""
    parser.epilog = _("The command sets THP_MEM_ALLOC_ENABLE=1 (unless set): on Linux PyTorch "
                      "then backs large tensors with huge pages, which saves the page faults "
                      "of each training step's fresh gradients and logits; and with glibc it "
                      "keeps freed memory in the process for reuse "
                      "(llms_from_scratch.cpu_memory).")
    parser.add_argument("--json", metavar="PATH", default=None,
                        help=_("also write every measurement to PATH as JSON"))
    parser.add_argument("--quick", action="store_true",
                        help=_("a tiny config and one repetition: checks that everything runs "
                               "(seconds), the numbers mean nothing"))
    parser.add_argument("--reps", type=int, default=None, metavar="N",
                        help=_("timed repetitions per row after the warm-up (default: 3)"))
    parser.add_argument("--device", default=None,
                        help=_("cpu, cuda, cuda:N or mps (default: the best available, or "
                               "$LLMS_FROM_SCRATCH_DEVICE)"))
    parser.add_argument("--no-transformers", action="store_true",
                        help=_("skip the Hugging Face transformers rows"))
    parser.add_argument("--only", choices=["train", "generate"], default=None,
                        help=_("measure only the training or only the generation table (default: "
                               "both)"))
    parser.add_argument("--sweep", action="store_true",
                        help=_("instead: training step and decoding time for context 128 to 1024 "
                               "and the 124M and 355M shapes, ours beside transformers (much "
                               "longer than the default run; --quick: seconds)"))


def run_cli(args):
    """Entry point of ``llms-from-scratch bench``."""
    from llms_from_scratch.device import get_device

    if args.reps is not None and args.reps < 1:
        raise UserError(_("--reps must be at least 1, got {reps}")
                        .format(reps=args.reps))
    if args.json is not None:  # found out now, not after minutes of measuring
        path = Path(args.json).expanduser()
        if path.is_dir():
            raise UserError(_("--json {path} is a folder; give a file name, e.g. {path2}")
                            .format(path=path, path2=path / 'bench.json'))
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise UserError(_("--json {path}: cannot write into {parent}; give a path in a "
                              "folder you can write to")
                            .format(path=path, parent=parent))
    try:
        device = get_device(args.device)
    except (RuntimeError, ValueError) as err:
        raise UserError(str(err)) from None
    if args.sweep:
        if args.only:
            raise UserError(_("--sweep measures its own rows; leave out --only"))
        sweep_main(device, quick=args.quick, json_path=args.json, reps=args.reps,
                   include_transformers=not args.no_transformers)
        return 0
    main(device, quick=args.quick, json_path=args.json, reps=args.reps,
         include_transformers=not args.no_transformers,
         parts=(args.only,) if args.only else ("train", "generate"))
    return 0
