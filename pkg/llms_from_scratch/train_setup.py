"""Setting a ``train`` run up: its settings, device, data, model and optimizer.

The order matters: settings are checked before anything is written
(``run_settings``), checked again once the ``--out-dir`` lock is held
(``locked_settings``, which reads the checkpoint for ``--resume``), then the
``Run`` is built (``setup_run``) and its random state set (``start_state``).
The loop itself is in ``train``.
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from . import amp, bits, data
from .appendix_d import param_groups_for_adamw
from .ckpt import CHECKPOINT_NAME, load_checkpoint, load_model_state, restore_state
from .config import (
    TrainError,
    flag,
    is_japanese_init,
    read_config_file,
    resolve_config,
    resumed_config,
)
from .distributed import Dist
from .i18n import _
from .memory_budget import check_training_fits
from .model_builder import GPT2_SHAPE, build_model, gpt2_start, model_config
from .train_data import load_splits, prepare_run_data, tokenizer_for_training


@dataclass
class Run:
    """Everything a training run works with, set up by ``setup_run``."""

    cfg: dict
    dist: Dist
    device: torch.device
    out_dir: Path
    data_dir: Path
    meta: dict
    splits: tuple
    tokenizer: object
    model_cfg: dict
    tie_weights: bool
    raw_model: torch.nn.Module
    model: torch.nn.Module = None
    optimizer: torch.optim.Optimizer = None
    scaler: object = None
    val_units: tuple = None  # (tokens, characters, bytes) of the validation split

    @property
    def tokenizer_spec(self):
        return data.tokenizer_spec(self.tokenizer)

    @property
    def tokens_per_step(self):
        cfg = self.cfg
        return cfg["batch_size"] * cfg["context_length"] * cfg["grad_accum"] \
            * self.dist.world_size


def new_run_settings(cfg, explicit, ckpt_path):
    """Checks and derived settings of a run that starts from step 0."""
    if ckpt_path.exists():
        raise TrainError(_("{ckpt_path} exists; add --resume to continue that run, or choose "
                           "another --out-dir")
                         .format(ckpt_path=ckpt_path))
    if cfg["text"] is not None and "dataset" in explicit:
        raise TrainError(_("give either --dataset or --text, not both"))
    japanese = cfg["init_from"] != "scratch" and is_japanese_init(cfg["init_from"])
    if cfg["tokenizer"] is None:
        cfg["tokenizer"] = "char" if cfg["init_from"] == "scratch" else \
            "model" if japanese else "gpt2"
    if cfg["tokenizer"] == "model" and not japanese:
        raise TrainError(_("--tokenizer model names a pretrained model's own tokenizer; give "
                           "--init-from a Japanese GPT-2 (owner/name or a folder) with it"))
    if japanese and cfg["tokenizer"] != "model":
        raise TrainError(_("--init-from {init_from} uses the model's own tokenizer (its "
                           "spiece.model); leave out --tokenizer")
                         .format(init_from=cfg["init_from"]))
    if cfg["init_from"] != "scratch" and not japanese and cfg["tokenizer"] != "gpt2":
        raise TrainError(_("--init-from {init_from} needs --tokenizer gpt2 (GPT-2's vocabulary)")
                         .format(init_from=cfg["init_from"]))
    clash = [k for k in GPT2_SHAPE if k in explicit]
    if cfg["init_from"] != "scratch" and clash:  # said before any data is prepared
        raise TrainError(_("{clash} cannot be set with --init-from {init_from}: a pretrained "
                           "model has a fixed shape")
                         .format(clash=", ".join(flag(k) for k in clash),
                                 init_from=cfg["init_from"]))
    if cfg["lr_decay_iters"] is None:
        cfg["lr_decay_iters"] = max(1, cfg["max_iters"])
    cfg["resume"] = False
    return cfg


def run_settings(overrides, config_file):
    """``(cfg, explicit)``: the run's settings, checked as far as they can be unlocked."""
    overrides = dict(overrides or {})
    resume = bool(overrides.pop("resume", False))
    cfg = resolve_config(overrides, config_file)
    explicit = set(overrides) | (set(read_config_file(config_file)) if config_file else set())
    if not resume:  # bad settings are said before --out-dir is created
        new_run_settings(dict(cfg), explicit, checkpoint_path(cfg))
    elif not checkpoint_path(cfg).parent.is_dir():  # nothing to resume: create no folder
        load_checkpoint(checkpoint_path(cfg))  # raises its "no checkpoint at ..." error
    return dict(cfg, resume=resume), explicit


def checkpoint_path(cfg):
    return Path(cfg["out_dir"]).expanduser() / CHECKPOINT_NAME


def locked_settings(cfg, explicit):
    """``(cfg, ckpt)`` once the out-dir lock is held: no other run can write there now."""
    if not cfg["resume"]:
        return new_run_settings(cfg, explicit, checkpoint_path(cfg)), None
    ckpt = load_checkpoint(checkpoint_path(cfg))
    return dict(resumed_config(ckpt["train_config"], cfg, explicit), resume=True), ckpt


def run_device(cfg, dist):
    from .device import get_device

    try:
        device = get_device(cfg["device"])
        amp.check_precision(cfg["dtype"], device)
    except (RuntimeError, ValueError) as err:
        raise TrainError(str(err)) from None
    if cfg["dtype"] == "bfloat16" and device.type == "cuda" and not amp.cuda_bf16_native(device):
        raise TrainError(amp.cuda_bf16_advice(device))
    return dist.init(device)


def _model(cfg, explicit, ckpt, prepared, tokenizer, ckpt_path):
    """``(model, model_cfg, tie_weights)``: from the checkpoint, GPT-2 or random weights."""
    data_dir, meta = prepared
    torch.manual_seed(cfg["seed"])  # the same initial weights in every process
    params = None
    tie_weights = cfg["init_from"] != "scratch"
    if ckpt is not None:
        model_cfg, tie_weights = ckpt["config"], bool(ckpt["tie_weights"])
        if ckpt["tokenizer"] != data.tokenizer_spec(tokenizer):
            raise TrainError(_("the checkpoint {ckpt_path} was trained on another vocabulary "
                               "than the data in {data_dir}")
                             .format(ckpt_path=ckpt_path, data_dir=data_dir))
    elif cfg["init_from"] != "scratch":
        model_cfg, params = gpt2_start(cfg, explicit)
        tie_weights = "lm_head" not in params  # a Japanese GPT-2 may have its own head
    else:
        model_cfg = model_config(cfg, meta["vocab_size"])
    if model_cfg["vocab_size"] < meta["vocab_size"]:
        raise TrainError(_("the data has {vocab_size} token types but the model's vocabulary "
                           "only {vocab_size2}")
                         .format(vocab_size=meta['vocab_size'],
                                 vocab_size2=model_cfg['vocab_size']))
    model = build_model(cfg, model_cfg, tie_weights, params)
    if ckpt is not None:
        load_model_state(model, ckpt["model"], ckpt_path)
    return model, model_cfg, tie_weights


def setup_run(cfg, explicit, ckpt):
    """The data, model and optimizer of a run (its random state is set by ``start_state``)."""
    dist = Dist()
    device = run_device(cfg, dist)
    data_dir, meta, tokenizer = prepare_run_data(cfg, dist)
    splits = load_splits(data_dir, meta)
    tokenizer = tokenizer or tokenizer_for_training(meta)
    out_dir = Path(cfg["out_dir"]).expanduser()
    model, model_cfg, tie_weights = _model(cfg, explicit, ckpt, (data_dir, meta), tokenizer,
                                           out_dir / CHECKPOINT_NAME)
    check_training_fits(model, model_cfg, cfg, device)  # one line, not a CUDA OOM traceback
    model.to(device)
    run = Run(cfg, dist, device, out_dir, data_dir, meta, splits, tokenizer, model_cfg,
              tie_weights, raw_model=model)
    run.val_units = (len(splits[1]), *bits.text_units(tokenizer, splits[1]))
    run.optimizer = torch.optim.AdamW(
        param_groups_for_adamw(model, cfg["weight_decay"]), lr=cfg["lr"],
        betas=(cfg["beta1"], cfg["beta2"]),
        fused=device.type in ("cpu", "cuda"))  # one fused kernel for all parameters
    run.scaler = amp.make_grad_scaler(device, cfg["dtype"])
    run.model = model
    if cfg["compile"]:
        try:
            run.model = amp.compile_model(model)
        except RuntimeError as err:
            raise TrainError(str(err)) from None
    run.model = dist.wrap(run.model, device)
    return run


def start_state(run, ckpt):
    """``(batch_generator, start_step, best_val)``: seeded anew, or restored from ``ckpt``."""
    cfg, rank = run.cfg, run.dist.rank
    batch_gen = torch.Generator()
    if ckpt is None:
        # Different dropout masks and batches in every process.
        torch.manual_seed(cfg["seed"] + 7919 * rank)
        batch_gen.manual_seed(cfg["seed"] + 104_729 * (rank + 1))
        return batch_gen, 0, float("inf")
    step = restore_state(ckpt, run.out_dir / CHECKPOINT_NAME, run, batch_gen,
                                    cfg["seed"])
    return batch_gen, step, float(ckpt.get("best_val_loss", float("inf")))
