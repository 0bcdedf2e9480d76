"""``llms-from-scratch train``: next-token pretraining of the book's GPT on a text.

This module holds the loop. The settings are in ``config``, the run's set-up in
``train_setup``, the data in ``train_data`` and ``data``, the model in
``model_builder``, the step in ``amp.train_step``, ``ckpt.pt`` in ``ckpt``,
several processes in ``distributed``. Files in ``--out-dir``: ``config.json``
(the effective settings), ``log.jsonl`` (one line per step,
``{"kind": "train", "step", "loss", "lr"}``, and per evaluation,
``{"kind": "eval", "step", "train_loss", "val_loss", "val_bpc", "val_bpb"}``),
``ckpt.pt`` and ``summary.json``. The validation loss in bits per character
and per byte (``bits``) compares runs with different tokenizers.
"""

import hashlib
import json
import math
import sys
import time

import torch

from . import amp, bits, fileio, interrupts
from .appendix_d import lr_at_step
from .ckpt import CHECKPOINT_NAME, checkpoint_payload, rng_state, save_checkpoint
from .config import DEFAULTS, TrainError
from .data import get_batch
from .distributed import Dist, run_worker
from .errors import one_line
from .evaluate import estimate_loss, prompt_ids, sample_text
from .i18n import _
from .model_builder import forward_context
from .runlog import RESUME_ADVICE, RunLog, out_dir_lock, restart_log
from .train_setup import checkpoint_path, locked_settings, run_settings, setup_run, start_state

PROG = "llms-from-scratch train"


def learning_rate(cfg, step):
    """The learning rate of ``step`` (0-based): warm-up, cosine decay, then ``min_lr``."""
    warmup = cfg["warmup_iters"]
    return lr_at_step(step, cfg["lr_decay_iters"], warmup, cfg["lr"],
                      initial_lr=cfg["lr"] / warmup if warmup else cfg["lr"],
                      min_lr=cfg["min_lr"])


# -- files ---------------------------------------------------------------------------------


def _write_json(path, obj, what_to_do=None):
    try:
        fileio.write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n",
                          what_to_do=what_to_do)
    except OSError as err:
        raise TrainError(_("cannot write {path} ({strerror}); free some disk space or choose "
                           "another --out-dir")
                         .format(path=path, strerror=fileio.os_reason(err))) from None


def _open_files(run, start_step):
    """Write ``config.json``, start ``log.jsonl``; return the open log (rank 0) or None."""
    if not run.dist.is_main:
        return None
    try:
        run.out_dir.mkdir(parents=True, exist_ok=True)
        _write_json(run.out_dir / "config.json",
                    dict(run.cfg, data_dir=str(run.data_dir), world_size=run.dist.world_size,
                         vocab_size=run.model_cfg["vocab_size"], model=run.model_cfg))
        log_path = run.out_dir / "log.jsonl"
        if start_step:
            restart_log(log_path, start_step)
        else:
            log_path.unlink(missing_ok=True)
        return RunLog(log_path)
    except OSError as err:
        raise TrainError(_("cannot create --out-dir {out_dir} ({strerror}); choose a folder you "
                           "can write to")
                         .format(out_dir=run.out_dir, strerror=fileio.os_reason(err))) from None


# -- the loop ------------------------------------------------------------------------------


class _Reporter:
    """The progress bar (stderr) and the lines for ``out``, on rank 0 only."""

    def __init__(self, run, start_step, out):
        from tqdm import tqdm

        self.main, self.out = run.dist.is_main, out
        self.bar = tqdm(total=run.cfg["max_iters"],
                        initial=min(start_step, run.cfg["max_iters"]),
                        disable=not (self.main and run.cfg["progress"]), file=sys.stderr,
                        desc="train", unit="step", dynamic_ncols=True)

    def __call__(self, text):
        if self.main:
            if self.bar.disable:
                print(text, file=self.out, flush=True)
            else:
                self.bar.write(text, file=self.out)

    val_bpc = None  # the last evaluation's validation bits per character

    def step(self, loss, tok_s):
        self.bar.update(1)
        shown = {"loss": f"{loss:.4f}", "tok_s": f"{tok_s:,.0f}"}
        if self.val_bpc is not None:
            shown["val_bpc"] = f"{self.val_bpc:.3f}"
        self.bar.set_postfix(shown, refresh=False)


def _evaluate(run, step, best_val, batch_gen, log, report, prompt):
    """Evaluate both splits, print a sample, save the checkpoint; return the losses."""
    train_loss, val_loss = estimate_loss(run.raw_model, run.splits, run.cfg, run.cfg["seed"],
                                         run.device, run.dist)
    best_val = min(best_val, val_loss)
    val_bits = bits.val_bits(val_loss, run.val_units)
    if log is not None:
        log.write({"kind": "eval", "step": step, "train_loss": train_loss,
                   "val_loss": val_loss, **val_bits})
    report(_("step {step}: train loss {train_loss:.4f}, val loss {val_loss:.4f} nats/token = "
             "{val_bpc:.4f} bits/char, {val_bpb:.4f} bits/byte")
           .format(step=step, train_loss=train_loss, val_loss=val_loss,
                   val_bpc=val_bits["val_bpc"], val_bpb=val_bits["val_bpb"]))
    report.val_bpc = val_bits["val_bpc"]
    if prompt is not None and run.dist.is_main:
        text = sample_text(run.raw_model, run.tokenizer, prompt, run.cfg, run.device)
        report(_("sample: {text}").format(text=text))
    rngs = run.dist.gather(rng_state(batch_gen, run.device))
    if run.dist.is_main:
        save_checkpoint(run.out_dir / CHECKPOINT_NAME,
                        checkpoint_payload(run, step, best_val, rngs))
    return {"train_loss": train_loss, "val_loss": val_loss, **val_bits}, best_val


def _announce_evaluation(run):
    """What the first evaluation does, and about how long it takes.

    One batch is timed after a first, untimed one (which pays for the kernels'
    set-up); the evaluation runs ``eval_iters`` such batches on each split.
    """
    cfg = run.cfg
    x, _y = get_batch(run.splits[1], cfg["batch_size"], cfg["context_length"],
                      torch.Generator().manual_seed(0))
    x = x.to(run.device)
    run.raw_model.eval()
    with torch.no_grad(), forward_context(cfg, run.device):
        run.raw_model(x)
        t0 = time.perf_counter()
        run.raw_model(x)
        if run.device.type == "cuda":
            torch.cuda.synchronize(run.device)  # the GPU works asynchronously
        seconds = (time.perf_counter() - t0) * 2 * cfg["eval_iters"]
    run.raw_model.train()
    return _("before the first step: measuring the loss on {n} windows each of the training "
             "and the validation text (--eval-iters {eval_iters} batches of {batch_size}), "
             "about {seconds:.0f} s; then training starts").format(
        n=cfg["eval_iters"] * cfg["batch_size"], eval_iters=cfg["eval_iters"],
        batch_size=cfg["batch_size"], seconds=max(1, seconds))


def _train_step(run, step, batch_gen, first=False):
    """One optimizer step at ``step``; returns ``(loss, lr, first micro-batch)``.

    ``torch.compile`` compiles at the first call, so its failures (a missing
    compiler, ptxas refusing a kernel) come out of the ``first`` step: they
    become one line that says to run without ``--compile``.
    """
    cfg = run.cfg
    lr = learning_rate(cfg, step)
    for group in run.optimizer.param_groups:
        group["lr"] = lr
    batches = [get_batch(run.splits[0], cfg["batch_size"], cfg["context_length"], batch_gen)
               for _ in range(cfg["grad_accum"])]
    try:
        loss = amp.train_step(run.model, run.optimizer, batches, run.device, cfg["dtype"],
                              run.scaler, max_grad_norm=cfg["grad_clip"] or None,
                              forward_context=lambda: forward_context(cfg, run.device))
    except (TrainError, torch.cuda.OutOfMemoryError, KeyboardInterrupt):
        raise
    except Exception as err:
        if not (first and cfg["compile"]):
            raise
        raise TrainError(_("torch.compile failed at the first step ({error}); run without "
                           "--compile")
                         .format(error=f"{type(err).__name__}: {one_line(err)[:300]}")) from None
    if not math.isfinite(loss):
        raise TrainError(_("the loss became {loss} at step {step}; lower --lr or use --dtype "
                           "float32")
                         .format(loss=loss, step=step))
    return loss, lr, batches[0][0]


def _loop(run, start_step, best_val, batch_gen, log, report):
    """Train from ``start_step`` to ``max_iters``; return the summary's numbers."""
    cfg = run.cfg
    prompt = prompt_ids(cfg, run.tokenizer)
    last = {"train_loss": None, "val_loss": None, "val_bpc": None, "val_bpb": None}
    first_batch, step = None, start_step
    t_start = time.perf_counter()
    while True:
        interrupts.check()  # a Ctrl-C that a library swallowed still ends the run here
        if (step % cfg["eval_interval"] == 0 or step == cfg["max_iters"]) \
                and not (step == start_step and start_step > 0):
            if step == start_step:
                report(_announce_evaluation(run))
            last, best_val = _evaluate(run, step, best_val, batch_gen, log, report, prompt)
        if step >= cfg["max_iters"]:
            break
        t0 = time.perf_counter()
        loss, lr, x = _train_step(run, step, batch_gen, first=first_batch is None)
        if first_batch is None:
            first_batch = hashlib.sha256(x.numpy().tobytes()).hexdigest()
        if log is not None:
            log.write({"kind": "train", "step": step, "loss": loss, "lr": lr})
        step += 1
        report.step(loss, run.tokens_per_step / (time.perf_counter() - t0))
    elapsed = time.perf_counter() - t_start
    return dict(step=step, best_val_loss=best_val, elapsed_s=elapsed, **last,
                tokens_per_s=(step - start_step) * run.tokens_per_step / elapsed
                if elapsed else None), first_batch


def _digest_parameters(model):
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _describe(run):
    meta, n_params = run.meta, sum(
        p.numel() for p in {id(p): p for p in run.raw_model.parameters()}.values())
    return _("data: {source}, {tokenizer} tokens (vocabulary {vocab_size}), {train_tokens:,} "
             "train / {val_tokens:,} val; model: {n_params:,} parameters; {world_size} "
             "process(es) on {device}").format(
        source=meta["source"], tokenizer=meta["tokenizer"], vocab_size=meta["vocab_size"],
        train_tokens=meta["train_tokens"], val_tokens=meta["val_tokens"], n_params=n_params,
        world_size=run.dist.world_size, device=run.device.type)


def train(overrides=None, config_file=None, out=None):
    """Run (or resume) a training run; return its summary dict.

    ``overrides`` are settings by name (those of ``config.SETTINGS``, plus
    ``resume``), as given on the command line; they win over ``config_file``.
    Progress goes to stderr, evaluations and samples to ``out`` (stdout).
    """
    cfg, explicit = run_settings(overrides, config_file)
    with out_dir_lock(checkpoint_path(cfg).parent, Dist().is_main):
        cfg, ckpt = locked_settings(cfg, explicit)
        return _train(cfg, explicit, ckpt, out)


def _train(cfg, explicit, ckpt, out):
    run = setup_run(cfg, explicit, ckpt)
    batch_gen, start_step, best_val = start_state(run, ckpt)
    del ckpt
    summary = {"world_size": run.dist.world_size, "start_step": start_step,
               "tokens_per_step": run.tokens_per_step, "tokenizer": run.tokenizer_spec["kind"],
               "vocab_size": run.meta["vocab_size"],
               **dict(zip(("val_tokens", "val_characters", "val_bytes"), run.val_units,
                          strict=True))}
    log = _open_files(run, start_step)
    report = None
    try:
        report = _Reporter(run, start_step, out or sys.stdout)
        if run.dist.is_main:
            report(_describe(run))
        numbers, first_batch = _loop(run, start_step, best_val, batch_gen, log, report)
        summary.update(numbers)
        if run.dist.initialized:
            summary["param_digests"] = run.dist.gather(_digest_parameters(run.raw_model))
            summary["first_batch_digests"] = run.dist.gather(first_batch)
        if run.dist.is_main:
            _write_json(run.out_dir / "summary.json", summary, RESUME_ADVICE)
    finally:
        if report is not None:
            report.bar.close()
        if log is not None:
            log.close()
    return summary


# -- command line (its flags and help: ``config``) -------------------------------------------


def run(args):
    """The command: train, and end a distributed worker cleanly."""
    overrides = {k: v for k, v in vars(args).items() if k in DEFAULTS or k == "resume"}
    if not Dist().enabled:
        train(overrides, args.config)
        return 0
    run_worker(lambda: train(overrides, args.config), PROG)
    return 1  # not reached: run_worker ends the process


__all__ = ["learning_rate", "run", "train"]
