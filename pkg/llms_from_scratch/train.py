"""``llms-from-scratch train``: next-token pretraining of the book's GPT on a text.

The pieces, in the order a run uses them:

- the configuration: defaults (the small CPU recipe for Tiny Shakespeare),
  overridden by a JSON file (``--config``), overridden by command-line flags;
  the effective configuration is written to ``config.json`` in ``--out-dir``;
- the data: a built-in data set (``tinyshakespeare``, ``wagahaiwa-nekodearu``)
  or a UTF-8 file, tokenised once per character or with GPT-2's BPE into
  memory-mapped token files (``data.prepare_tokens``), split 90/10;
- the model: ``ch04.GPTModel`` (or ``fast.GPTModelFast`` with ``--fast``,
  which has the same weights), from random weights or OpenAI's GPT-2
  (``--init-from gpt2-124M``);
- the loop: random windows of the training tokens, AdamW with decoupled
  weight decay on the weight matrices only, linear warm-up and cosine decay
  (``appendix_d``), gradient clipping, gradient accumulation and mixed
  precision (``amp``); every ``--eval-interval`` steps the mean loss over
  ``--eval-iters`` batches of each split, a sample, and a checkpoint;
- checkpoints: ``ckpt.pt`` holds the model, the optimizer, the step, the
  random number generators of every process and the configuration, written
  to a temporary file and renamed, and loadable with ``weights_only=True``;
  ``--resume`` continues so that the losses equal those of an uninterrupted
  run step for step (on the CPU, same settings);
- scale-out: under ``torchrun`` every process trains on its own random
  windows with DistributedDataParallel (NCCL on GPUs, Gloo on CPUs); only
  rank 0 prints and writes files.

``log.jsonl`` in ``--out-dir`` gets one JSON line per step
(``{"kind": "train", "step", "loss", "lr"}``) and per evaluation
(``{"kind": "eval", "step", "train_loss", "val_loss"}``); ``summary.json``
is written at the end.
"""

import argparse
import contextlib
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import amp, data
from .appendix_d import lr_at_step, param_groups_for_adamw

PROG = "llms-from-scratch train"
CHECKPOINT_NAME = "ckpt.pt"
CHECKPOINT_FORMAT = "llms-from-scratch-train/1"
DATASETS = ("tinyshakespeare", "wagahaiwa-nekodearu")
DTYPES = ("float32", "bfloat16", "float16")

# The defaults are the small CPU recipe for Tiny Shakespeare (char-level,
# 4 layers, 4 heads, 128-wide, context 64, batch 12, 2,000 steps, no dropout).
DEFAULTS = {
    "dataset": "tinyshakespeare",
    "text": None,
    "tokenizer": None,  # char, or gpt2 when starting from GPT-2's weights
    "val_fraction": 0.1,
    "data_dir": None,
    "out_dir": "out",
    "init_from": "scratch",
    "models_dir": None,
    "n_layer": 4,
    "n_head": 4,
    "n_embd": 128,
    "context_length": 64,
    "dropout": 0.0,
    "qkv_bias": False,
    "batch_size": 12,
    "grad_accum": 1,
    "max_iters": 2000,
    "lr": 1e-3,
    "min_lr": 1e-4,
    "warmup_iters": 100,
    "lr_decay_iters": None,  # None: max_iters
    "weight_decay": 0.1,
    "beta1": 0.9,
    "beta2": 0.95,
    "grad_clip": 1.0,
    "eval_interval": 250,
    "eval_iters": 20,
    "sample_tokens": 200,
    "sample_prompt": None,
    "temperature": 0.8,
    "top_k": None,
    "dtype": "float32",
    "compile": False,
    "fast": False,
    "device": None,
    "seed": 1337,
    "progress": True,
}

# Settings that may differ when a run is resumed: how long it runs, how it
# reports, and where and how fast it computes. Everything else (data, model,
# optimizer, seed) comes from the checkpoint.
RESUMABLE_CHANGES = {"max_iters", "eval_interval", "eval_iters", "sample_tokens",
                     "sample_prompt", "temperature", "top_k", "dtype", "compile", "fast",
                     "device", "progress", "out_dir", "data_dir", "models_dir"}

_POSITIVE_INTS = ("n_layer", "n_head", "n_embd", "context_length", "batch_size", "grad_accum",
                  "eval_interval", "eval_iters")
_NON_NEGATIVE_INTS = ("max_iters", "warmup_iters", "sample_tokens", "seed")


class TrainError(ValueError):
    """A failure to report as one line (bad configuration, data or checkpoint)."""


# -- configuration -------------------------------------------------------------------------


def _flag(key):
    return "--" + key.replace("_", "-")


def _check_config(cfg):
    """Raise ``TrainError`` naming the flag if a setting has the wrong type or range."""
    for key in _POSITIVE_INTS + _NON_NEGATIVE_INTS + ("lr_decay_iters", "top_k"):
        value = cfg[key]
        if value is None and key in ("lr_decay_iters", "top_k"):
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TrainError(f"{_flag(key)} must be an integer, got {value!r}")
        if value < (1 if key in _POSITIVE_INTS + ("lr_decay_iters", "top_k") else 0):
            raise TrainError(f"{_flag(key)} must be "
                             f"{'positive' if key not in _NON_NEGATIVE_INTS else '>= 0'}, "
                             f"got {value}")
    for key in ("lr", "min_lr", "weight_decay", "grad_clip", "dropout", "beta1", "beta2",
                "val_fraction", "temperature"):
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value < 0:
            raise TrainError(f"{_flag(key)} must be a number >= 0, got {value!r}")
    if cfg["lr"] == 0:
        raise TrainError("--lr must be positive")
    if cfg["min_lr"] > cfg["lr"]:
        raise TrainError(f"--min-lr ({cfg['min_lr']}) must not exceed --lr ({cfg['lr']})")
    for key in ("dropout", "beta1", "beta2"):
        if not cfg[key] < 1:
            raise TrainError(f"{_flag(key)} must be below 1, got {cfg[key]}")
    if not 0 < cfg["val_fraction"] < 1:
        raise TrainError(f"--val-fraction must be in (0, 1), got {cfg['val_fraction']}")
    if cfg["n_embd"] % cfg["n_head"]:
        raise TrainError(f"--n-embd ({cfg['n_embd']}) must be divisible by --n-head "
                         f"({cfg['n_head']})")
    if cfg["dataset"] not in DATASETS:
        raise TrainError(f"unknown --dataset {cfg['dataset']!r}; use {', '.join(DATASETS)} "
                         "or --text PATH")
    if cfg["tokenizer"] not in (None, *data.TOKENIZERS):
        raise TrainError(f"unknown --tokenizer {cfg['tokenizer']!r}; use "
                         f"{' or '.join(data.TOKENIZERS)}")
    if cfg["dtype"] not in DTYPES:
        raise TrainError(f"unknown --dtype {cfg['dtype']!r}; use {', '.join(DTYPES)}")
    for key in ("compile", "fast", "progress", "qkv_bias"):
        if not isinstance(cfg[key], bool):
            raise TrainError(f"{key} must be true or false, got {cfg[key]!r}")
    for key in ("text", "data_dir", "out_dir", "models_dir", "sample_prompt", "device",
                "init_from"):
        if cfg[key] is not None and not isinstance(cfg[key], str):
            raise TrainError(f"{_flag(key)} must be a string, got {cfg[key]!r}")
    if cfg["init_from"] != "scratch":
        from . import gpt2

        try:
            gpt2.normalize_gpt2_size(cfg["init_from"])
        except ValueError:
            raise TrainError(f"--init-from must be scratch or a GPT-2 size (gpt2-124M, "
                             f"gpt2-355M, gpt2-774M, gpt2-1558M), got "
                             f"{cfg['init_from']!r}") from None


def read_config_file(path):
    """The settings of a JSON config file (keys as flag names, - or _ alike)."""
    path = Path(path).expanduser()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainError(f"no config file at {path}; check the path given to --config") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise TrainError(f"cannot read the config file {path}: {err}") from None
    if not isinstance(raw, dict):
        raise TrainError(f"the config file {path} must hold a JSON object of settings")
    settings = {}
    for key, value in raw.items():
        name = str(key).lstrip("-").replace("-", "_")
        if name not in DEFAULTS:
            raise TrainError(f"the config file {path} has an unknown setting {key!r}; "
                             f"known: {', '.join(DEFAULTS)}")
        settings[name] = value
    return settings


def resolve_config(overrides=None, config_file=None):
    """Defaults, then the config file, then ``overrides`` (the flags given)."""
    cfg = dict(DEFAULTS)
    if config_file is not None:
        cfg.update(read_config_file(config_file))
    cfg.update(overrides or {})
    unknown = sorted(set(cfg) - set(DEFAULTS))
    if unknown:
        raise TrainError(f"unknown settings {', '.join(unknown)}")
    _check_config(cfg)
    return cfg


# -- distributed set-up --------------------------------------------------------------------


class Dist:
    """Where this process stands in a (possibly one-process) run."""

    def __init__(self):
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world_size > 1
        self.initialized = False

    @property
    def is_main(self):
        return self.rank == 0

    def init(self, device):
        if not self.enabled:
            return device
        import torch.distributed as dist

        if device.type == "cuda":
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
            backend = "nccl"
        elif device.type == "cpu":
            backend = "gloo"
        else:
            raise TrainError(f"distributed training runs on CUDA (NCCL) or CPU (Gloo), not "
                             f"{device.type}; add --device cpu")
        dist.init_process_group(backend=backend)
        self.initialized = True
        return device

    def barrier(self):
        if self.initialized:
            torch.distributed.barrier()

    def mean(self, values, device):
        """Average a list of floats over all processes."""
        if not self.initialized:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=device)
        torch.distributed.all_reduce(t)
        return (t / self.world_size).tolist()

    def gather(self, obj):
        """A list with every process's ``obj`` (just ``[obj]`` in one process)."""
        if not self.initialized:
            return [obj]
        out = [None] * self.world_size
        torch.distributed.all_gather_object(out, obj)
        return out


# -- data ----------------------------------------------------------------------------------


def _default_data_dir(cfg, tokenizer, digest):
    from .assets import cache_dir

    if cfg["text"] is not None:
        stem = Path(cfg["text"]).stem or "text"
        name = f"{stem}-{digest[:12]}"
    else:
        name = cfg["dataset"]
    return cache_dir() / "tokens" / f"{name}-{tokenizer}"


def _read_source(cfg):
    """(text, source label) of ``--text`` or ``--dataset``."""
    if cfg["text"] is not None:
        try:
            return data.read_text_file(cfg["text"]), str(cfg["text"])
        except FileNotFoundError as err:
            raise TrainError(f"{err}; check the path given to --text") from None
        except OSError as err:
            raise TrainError(f"cannot read --text {cfg['text']} ({err.strerror or err}); "
                             "check the path and its permissions") from None
    from . import assets

    try:
        return assets.read_text(cfg["dataset"]), cfg["dataset"]
    except assets.DownloadError as err:
        raise TrainError(str(err)) from None


def prepare_data(cfg, dist=None):
    """Tokenise the configured text once; return ``(data_dir, meta)``.

    In a distributed run rank 0 prepares the files while the others wait.
    """
    dist = dist or Dist()
    text, source = _read_source(cfg)
    digest = data.text_digest(text)
    data_dir = Path(cfg["data_dir"]).expanduser() if cfg["data_dir"] else \
        _default_data_dir(cfg, cfg["tokenizer"], digest)
    if dist.is_main:
        from .assets import DownloadError

        try:
            meta = data.prepare_tokens(text, cfg["tokenizer"], data_dir, cfg["val_fraction"],
                                       source=source)
        except DownloadError as err:  # GPT-2's tokenizer files
            raise TrainError(str(err)) from None
        except OSError as err:
            raise TrainError(f"cannot write the token files to {data_dir} "
                             f"({err.strerror or err}); choose another --data-dir") from None
    dist.barrier()
    if not dist.is_main:
        meta = data.read_meta(data_dir)
        if meta is None or meta.get("sha256") != digest:
            raise TrainError(f"rank 0 did not prepare {data_dir}; is the folder shared?")
    _check_meta(meta, data_dir)
    for split in ("train", "val"):
        if meta[f"{split}_tokens"] <= cfg["context_length"]:
            raise TrainError(
                f"the {split} split has only {meta[f'{split}_tokens']} tokens, not more than "
                f"the context length {cfg['context_length']}; use a longer text or a "
                "shorter --context-length")
    return data_dir, meta


_META_TYPES = {"tokenizer": str, "vocab_size": int, "dtype": str, "train_tokens": int,
               "val_tokens": int}


def _check_meta(meta, data_dir):
    """``meta.json`` must describe the token files fully, or training would crash later."""
    redo = f"delete the folder {data_dir} to prepare the data again"
    wrong = [key for key, kind in _META_TYPES.items()
             if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool)]
    if meta.get("tokenizer") == "char" and not isinstance(meta.get("chars"), str):
        wrong.append("chars")
    if wrong:
        raise TrainError(f"{data_dir / data.META_NAME} lacks or garbles {', '.join(wrong)}; "
                         f"{redo}")
    if meta["tokenizer"] not in data.TOKENIZERS or meta["vocab_size"] < 1 or (
            meta["tokenizer"] == "char" and len(meta["chars"]) != meta["vocab_size"]):
        raise TrainError(f"{data_dir / data.META_NAME} is inconsistent (tokenizer "
                         f"{meta['tokenizer']!r}, vocabulary {meta['vocab_size']}); {redo}")
    try:
        np.dtype(meta["dtype"])
    except TypeError:
        raise TrainError(f"{data_dir / data.META_NAME} names an unknown dtype "
                         f"{meta['dtype']!r}; {redo}") from None


def _check_token_ids(data_dir, meta, train_tokens, val_tokens, chunk=1 << 22):
    """Every token ID must be in the vocabulary: catches token files damaged in place."""
    vocab_size = meta["vocab_size"]
    for split, tokens in (("train", train_tokens), ("val", val_tokens)):
        for start in range(0, len(tokens), chunk):
            block = tokens[start:start + chunk]
            if len(block) and int(block.max()) >= vocab_size:
                raise TrainError(
                    f"{data_dir / data.SPLIT_FILES[split]} holds token ID {int(block.max())} "
                    f"but the vocabulary has {vocab_size} tokens; the file is corrupt: "
                    f"delete the folder {data_dir} to prepare the data again")


def get_batch(tokens, batch_size, context_length, generator):
    """``batch_size`` random windows of ``tokens`` and the same shifted by one token."""
    starts = torch.randint(len(tokens) - context_length, (batch_size,), generator=generator)
    rows = [np.asarray(tokens[i:i + context_length + 1], dtype=np.int64)
            for i in starts.tolist()]
    block = torch.from_numpy(np.stack(rows))
    return block[:, :-1], block[:, 1:]


# -- model ---------------------------------------------------------------------------------


def forward_context(cfg, device):
    """Autocast, plus the attention kernel that is fastest for the case.

    On CPUs, PyTorch's flash-attention kernel for ``scaled_dot_product_attention``
    (used by ``GPTModelFast``) was slower under bfloat16 than its plain "math"
    path for the book's small heads (head size 32: 74 vs 97 ms per training
    step of the CPU recipe, measured here), so that path is chosen there.
    """
    stack = contextlib.ExitStack()
    stack.enter_context(amp.autocast(device, cfg["dtype"]))
    if cfg["fast"] and device.type == "cpu" and cfg["dtype"] == "bfloat16":
        from torch.nn.attention import SDPBackend, sdpa_kernel

        stack.enter_context(sdpa_kernel(SDPBackend.MATH))
    return stack


def _model_class(cfg):
    if cfg["fast"]:
        from .fast import GPTModelFast

        return GPTModelFast
    from .ch04 import GPTModel

    return GPTModel


def _load_gpt2_params(size, models_dir):
    """OpenAI's GPT-2 weights of ``size`` as the nested NumPy dict of ``gpt2``.

    OpenAI's TensorFlow checkpoint is read where it was downloaded and
    TensorFlow is installed; otherwise Hugging Face's safetensors copy of the
    same weights is fetched into the cache.
    """
    import importlib.util

    from . import assets, gpt2

    folder = Path(models_dir or assets.cache_dir() / "gpt2") / size
    if all((folder / name).exists() for name in assets.GPT2_MODEL_FILES) \
            and importlib.util.find_spec("tensorflow") is not None:
        return gpt2.load_gpt2_params_from_tf_ckpt(folder, gpt2.read_hparams(folder))
    path = gpt2.download_gpt2_safetensors(size, models_dir, progress=sys.stderr.isatty())
    return gpt2.load_gpt2_params_from_safetensors(path)


def model_config(cfg, vocab_size):
    """The ``GPTModel`` config dict of a model trained from scratch."""
    return {"vocab_size": int(vocab_size), "context_length": cfg["context_length"],
            "emb_dim": cfg["n_embd"], "n_heads": cfg["n_head"], "n_layers": cfg["n_layer"],
            "drop_rate": float(cfg["dropout"]), "qkv_bias": cfg["qkv_bias"]}


def gpt2_start(cfg, explicit):
    """``(model_config, params)`` to fine-tune GPT-2 of the size in ``--init-from``."""
    from . import gpt2

    size = gpt2.normalize_gpt2_size(cfg["init_from"])
    clash = [k for k in ("n_layer", "n_head", "n_embd", "qkv_bias") if k in explicit]
    if clash:
        raise TrainError(f"{', '.join(_flag(k) for k in clash)} cannot be set with "
                         f"--init-from {cfg['init_from']}: GPT-2 {size} has a fixed shape")
    from .assets import DownloadError

    try:
        params = _load_gpt2_params(size, cfg["models_dir"])
    except (ImportError, DownloadError) as err:
        raise TrainError(str(err).splitlines()[0]) from None
    n_ctx = int(np.shape(params["wpe"])[0])
    if cfg["context_length"] > n_ctx:
        raise TrainError(f"--context-length {cfg['context_length']} exceeds GPT-2's "
                         f"{n_ctx} positions")
    # A shorter context keeps the first positions' embeddings.
    params = dict(params, wpe=np.asarray(params["wpe"])[:cfg["context_length"]])
    settings = gpt2.settings_from_params(params, n_head=gpt2.GPT2_CONFIGS[size]["n_heads"])
    model_cfg = gpt2.config_from_settings(settings)
    model_cfg["drop_rate"] = float(cfg["dropout"])
    return model_cfg, params


def build_model(cfg, model_cfg, tie_weights, params=None):
    """The model of ``model_cfg``, with GPT-2's ``params`` loaded if given."""
    try:
        model = _model_class(cfg)(model_cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise TrainError(f"bad model configuration: {err}") from None
    if params is not None:
        from .ch05 import load_weights_into_gpt

        load_weights_into_gpt(model, params)  # also ties the output head
    elif tie_weights:
        model.out_head.weight = model.tok_emb.weight
    return model


# -- checkpoints ---------------------------------------------------------------------------


def rng_state(batch_generator, device):
    """This process's random number generators, as tensors and numbers only."""
    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "batch": batch_generator.get_state(),
        "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)),
                  "pos": int(np_state[2]), "has_gauss": int(np_state[3]),
                  "cached_gaussian": float(np_state[4])},
        "python": {"version": int(py_state[0]),
                   "state": torch.tensor(py_state[1], dtype=torch.int64),
                   "gauss_next": py_state[2]},
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def set_rng_state(state, batch_generator, device):
    torch.set_rng_state(state["torch"])
    batch_generator.set_state(state["batch"])
    np_state = state["numpy"]
    np.random.set_state(("MT19937", np_state["keys"].numpy().astype(np.uint32),
                         np_state["pos"], np_state["has_gauss"], np_state["cached_gaussian"]))
    py_state = state["python"]
    random.setstate((py_state["version"], tuple(py_state["state"].tolist()),
                     py_state["gauss_next"]))
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def save_checkpoint(path, payload):
    """``torch.save`` to a temporary file in the same folder, then rename it."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


_CHECKPOINT_KEYS = ("config", "model", "tokenizer", "train_config", "optimizer", "step",
                    "rng", "tie_weights")


_CHECKPOINT_TYPES = {"config": dict, "model": dict, "tokenizer": dict, "train_config": dict,
                     "optimizer": dict, "step": int, "rng": list, "tie_weights": bool}
_START_OVER = "start a new run in another --out-dir (or delete the file)"


# What torch's weights-only unpickler says when it meets an object it will not build
# (a class or function that unpickling would call), as opposed to damaged bytes
# ("Unsupported operand ..."), which it reports through the same exception type.
_REFUSED_OBJECT_MARKERS = ("GLOBAL", "allowlisted", "unrecognized function")


def refused_by_safe_load(err):
    """Whether ``torch.load(..., weights_only=True)`` failed on a refused Python object."""
    text = str(err)
    return "weights only" in text.lower() and any(m in text for m in _REFUSED_OBJECT_MARKERS)


def load_checkpoint(path):
    """A training checkpoint, loaded safely; ``TrainError`` if unusable.

    ``torch.load(..., weights_only=True)`` unpickles only tensors and plain
    containers, so a file carrying other Python objects (which could run code
    when unpickled) is refused before anything in it runs.
    """
    path = Path(path)
    if not path.is_file():
        raise TrainError(f"no checkpoint at {path}; check --out-dir, or leave out --resume "
                         "to start a new run")
    if path.stat().st_size == 0:
        raise TrainError(f"the checkpoint {path} is empty (0 bytes), e.g. from a full disk; "
                         f"{_START_OVER}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, corrupt, or holding arbitrary objects
        if refused_by_safe_load(err):
            raise TrainError(
                f"the checkpoint {path} holds Python objects that a safe load "
                "(weights_only=True) refuses, so it was not loaded and nothing in it ran; "
                f"it was not written by {PROG}: do not trust it, {_START_OVER}") from None
        raise TrainError(f"cannot read the checkpoint {path} ({type(err).__name__}); it is "
                         f"truncated, corrupt or not written by {PROG}: {_START_OVER}"
                         ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise TrainError(f"{path} is not a checkpoint of {PROG} (no format "
                         f"{CHECKPOINT_FORMAT!r}); {_START_OVER}")
    missing = [k for k in _CHECKPOINT_KEYS if k not in ckpt]
    if missing:
        raise TrainError(f"the checkpoint {path} lacks {', '.join(missing)}; {_START_OVER}")
    wrong = [f"{key} ({type(ckpt[key]).__name__}, not {kind.__name__})"
             for key, kind in _CHECKPOINT_TYPES.items()
             if not isinstance(ckpt[key], kind) or (kind is int and isinstance(ckpt[key], bool))]
    if wrong:
        raise TrainError(f"the checkpoint {path} is damaged: {', '.join(wrong)}; "
                         f"{_START_OVER}")
    return ckpt


def _check_optimizer_state(optimizer):
    """AdamW's moments must have their parameter's shape (load_state_dict does not check)."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            for key, value in optimizer.state.get(param, {}).items():
                if torch.is_tensor(value) and value.dim() and value.shape != param.shape:
                    raise ValueError(f"its {key} has shape {tuple(value.shape)} for a "
                                     f"parameter of shape {tuple(param.shape)}")


def _resumed_config(saved, cfg, explicit):
    """The checkpoint's settings, with the changes allowed on resume applied."""
    clash = [k for k in explicit
             if k not in RESUMABLE_CHANGES and k in saved and cfg[k] != saved[k]]
    if clash:
        details = ", ".join(f"{_flag(k)} {cfg[k]!r} (checkpoint: {saved[k]!r})" for k in clash)
        raise TrainError(f"cannot change {details} when resuming; start a new run in "
                         "another --out-dir instead")
    merged = dict(saved)
    for key in RESUMABLE_CHANGES:
        if key in explicit or key not in merged:
            merged[key] = cfg[key]
    merged["resume"] = True
    return merged


# -- training ------------------------------------------------------------------------------


def _digest_parameters(model):
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _json_line(f, record):
    f.write(json.dumps(record) + "\n")


def _restart_log(path, step):
    """Keep the log's records up to ``step`` (a resumed run rewrites what follows)."""
    kept = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short when the run was stopped
            if record.get("kind") == "train" and record.get("step", step) < step \
                    or record.get("kind") == "eval" and record.get("step", step + 1) <= step:
                kept.append(line + "\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    os.replace(tmp, path)


def _write_json(path, obj):
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@torch.no_grad()
def estimate_loss(model, splits, cfg, seed, device, dist):
    """Mean loss over ``eval_iters`` windows of each split, the same windows every time."""
    model.eval()
    vocab_size = model.out_head.out_features
    means = []
    for i, tokens in enumerate(splits):
        # A generator of its own: evaluation never moves the training's random state.
        gen = torch.Generator().manual_seed(seed + 1_000_003 * (i + 1) + 7919 * dist.rank)
        batches = [get_batch(tokens, cfg["batch_size"], cfg["context_length"], gen)
                   for _ in range(cfg["eval_iters"])]
        x = torch.cat([b[0] for b in batches])
        y = torch.cat([b[1] for b in batches])
        # All windows in as few forward passes as memory allows (larger matrix
        # products run faster than many small ones); at most ~64M logits each.
        rows = max(1, (1 << 26) // (cfg["context_length"] * vocab_size))
        total = torch.zeros((), dtype=torch.float64)
        for start in range(0, len(x), rows):
            with forward_context(cfg, device):
                logits = model(x[start:start + rows].to(device))
            total += F.cross_entropy(logits.flatten(0, 1).float(),
                                     y[start:start + rows].to(device).flatten(),
                                     reduction="sum").double().cpu()
        means.append(total.item() / y.numel())   # every window has the same length
    model.train()
    return dist.mean(means, device)


@torch.no_grad()
def sample_text(model, tokenizer, prompt_ids, cfg, device):
    """A sampled continuation; it uses and restores its own random state.

    It generates with the KV cache. On CPUs it runs in float32 whatever
    ``--dtype`` says: for one short sequence, bfloat16 autocast only adds
    conversions (the weights are float32 either way).
    """
    from .kvcache import generate_cached

    was_training = model.training
    model.eval()
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(cfg["seed"])
        idx = torch.tensor([prompt_ids], device=device)
        with contextlib.nullcontext() if device.type == "cpu" else forward_context(cfg, device):
            out = generate_cached(model, idx, cfg["sample_tokens"], cfg["context_length"],
                                  temperature=cfg["temperature"], top_k=cfg["top_k"])
    model.train(was_training)
    return tokenizer.decode(out[0, len(prompt_ids):].tolist())


def _prompt_ids(cfg, tokenizer):
    if cfg["sample_prompt"] is not None:
        ids = tokenizer.encode(cfg["sample_prompt"], allowed_special={"<|endoftext|>"})
        if not ids:
            raise TrainError("--sample-prompt is empty")
        return ids[-cfg["context_length"]:]
    if isinstance(tokenizer, data.CharTokenizer):
        return [tokenizer.encode("\n")[0] if "\n" in tokenizer.chars else 0]
    return [tokenizer.eot_token]


def train(overrides=None, config_file=None, out=None):
    """Run (or resume) a training run; return its summary dict.

    ``overrides`` are settings by name (those of ``DEFAULTS``, plus
    ``resume``), as given on the command line; they win over ``config_file``.
    Progress goes to stderr, evaluations and samples to ``out`` (stdout).
    """
    overrides = dict(overrides or {})
    resume = bool(overrides.pop("resume", False))
    out = out or sys.stdout
    cfg = resolve_config(overrides, config_file)
    explicit = set(overrides) | (set(read_config_file(config_file)) if config_file else set())
    dist = Dist()
    out_dir = Path(cfg["out_dir"]).expanduser()
    ckpt_path = out_dir / CHECKPOINT_NAME

    ckpt = None
    if resume:
        ckpt = load_checkpoint(ckpt_path)
        cfg = _resumed_config(ckpt["train_config"], cfg, explicit)
        _check_config({**DEFAULTS, **{k: v for k, v in cfg.items() if k in DEFAULTS}})
    else:
        if ckpt_path.exists():
            raise TrainError(f"{ckpt_path} exists; add --resume to continue that run, or "
                             "choose another --out-dir")
        if cfg["text"] is not None and "dataset" in explicit:
            raise TrainError("give either --dataset or --text, not both")
        if cfg["tokenizer"] is None:
            cfg["tokenizer"] = "char" if cfg["init_from"] == "scratch" else "gpt2"
        if cfg["init_from"] != "scratch" and cfg["tokenizer"] != "gpt2":
            raise TrainError(f"--init-from {cfg['init_from']} needs --tokenizer gpt2 (GPT-2's "
                             "vocabulary)")
        clash = [k for k in ("n_layer", "n_head", "n_embd", "qkv_bias") if k in explicit]
        if cfg["init_from"] != "scratch" and clash:  # said before any data is prepared
            raise TrainError(f"{', '.join(_flag(k) for k in clash)} cannot be set with "
                             f"--init-from {cfg['init_from']}: GPT-2 has a fixed shape")
        if cfg["lr_decay_iters"] is None:
            cfg["lr_decay_iters"] = max(1, cfg["max_iters"])
        cfg["resume"] = False

    from .assets import DownloadError
    from .device import get_device

    try:
        device = get_device(cfg["device"])
        amp.check_precision(cfg["dtype"], device)
    except (RuntimeError, ValueError) as err:
        raise TrainError(str(err)) from None
    device = dist.init(device)

    data_dir, meta = prepare_data(cfg, dist)
    train_tokens = data.load_split(data_dir, meta, "train")
    val_tokens = data.load_split(data_dir, meta, "val")
    _check_token_ids(data_dir, meta, train_tokens, val_tokens)
    try:
        tokenizer = data.tokenizer_from_meta(meta)
    except DownloadError as err:
        raise TrainError(str(err)) from None

    # The same initial weights in every process (DDP also broadcasts rank 0's).
    torch.manual_seed(cfg["seed"])
    params = None
    tie_weights = cfg["init_from"] != "scratch"
    if ckpt is not None:
        model_cfg = ckpt["config"]
        tie_weights = bool(ckpt["tie_weights"])
    elif cfg["init_from"] != "scratch":
        model_cfg, params = gpt2_start(cfg, explicit)
    else:
        model_cfg = model_config(cfg, meta["vocab_size"])
    if model_cfg["vocab_size"] < meta["vocab_size"]:
        raise TrainError(f"the data has {meta['vocab_size']} token types but the model's "
                         f"vocabulary only {model_cfg['vocab_size']}")
    if ckpt is not None and ckpt["tokenizer"] != _tokenizer_spec(tokenizer):
        raise TrainError(f"the checkpoint {ckpt_path} was trained on another vocabulary "
                         f"than the data in {data_dir}")
    model = build_model(cfg, model_cfg, tie_weights, params)
    del params
    if ckpt is not None:
        _load_model_state(model, ckpt["model"], ckpt_path)
    model.to(device)

    optimizer = torch.optim.AdamW(param_groups_for_adamw(model, cfg["weight_decay"]),
                                  lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]),
                                  # One fused kernel for all parameters.
                                  fused=device.type in ("cpu", "cuda"))
    scaler = amp.make_grad_scaler(device, cfg["dtype"])
    batch_gen = torch.Generator()
    start_step = 0
    best_val = float("inf")
    if ckpt is not None:
        try:
            optimizer.load_state_dict(ckpt["optimizer"])
            _check_optimizer_state(optimizer)
            if ckpt.get("scaler"):
                scaler.load_state_dict(ckpt["scaler"])
        except (ValueError, KeyError, RuntimeError, TypeError, IndexError) as err:
            raise TrainError(f"the optimizer state in {ckpt_path} does not fit the model: "
                             f"{(str(err).strip() or type(err).__name__).splitlines()[0]}; "
                             f"{_START_OVER}") from None
        start_step = int(ckpt["step"])
        best_val = float(ckpt.get("best_val_loss", best_val))
        states = ckpt["rng"]
        if len(states) == dist.world_size:
            try:
                set_rng_state(states[dist.rank], batch_gen, device)
            except (KeyError, TypeError, ValueError, IndexError, RuntimeError,
                    AttributeError) as err:
                raise TrainError(f"the random number states in {ckpt_path} are damaged "
                                 f"({type(err).__name__}); {_START_OVER}") from None
        else:
            if dist.is_main:
                print(f"note: the checkpoint was written by {len(states)} process(es), this "
                      f"run has {dist.world_size}; the batches differ from an "
                      "uninterrupted run", file=sys.stderr)
            torch.manual_seed(cfg["seed"] + start_step + 7919 * dist.rank)
            batch_gen.manual_seed(cfg["seed"] + start_step + 104_729 * (dist.rank + 1))
    else:
        # Different dropout masks and batches in every process.
        torch.manual_seed(cfg["seed"] + 7919 * dist.rank)
        batch_gen.manual_seed(cfg["seed"] + 104_729 * (dist.rank + 1))
    del ckpt

    raw_model = model
    if cfg["compile"]:
        try:
            model = amp.compile_model(model)
        except RuntimeError as err:
            raise TrainError(str(err)) from None
    if dist.initialized:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)

    prompt_ids = _prompt_ids(cfg, tokenizer) if cfg["sample_tokens"] else None
    effective = dict(cfg, data_dir=str(data_dir), world_size=dist.world_size,
                     vocab_size=model_cfg["vocab_size"])
    log = None
    if dist.is_main:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TrainError(f"cannot create --out-dir {out_dir} ({err.strerror or err}); "
                             "choose a folder you can write to") from None
        _write_json(out_dir / "config.json", {**effective, "model": model_cfg})
        log_path = out_dir / "log.jsonl"
        if start_step:
            _restart_log(log_path, start_step)
        else:
            log_path.unlink(missing_ok=True)
        log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed in finally)

    tokens_per_step = cfg["batch_size"] * cfg["context_length"] * cfg["grad_accum"] \
        * dist.world_size
    summary = {"world_size": dist.world_size, "start_step": start_step,
               "tokens_per_step": tokens_per_step}
    first_batches = None
    last = {"train_loss": None, "val_loss": None}
    bar = None
    try:
        from tqdm import tqdm

        bar = tqdm(total=cfg["max_iters"], initial=min(start_step, cfg["max_iters"]),
                   disable=not (dist.is_main and cfg["progress"]), file=sys.stderr,
                   desc="train", unit="step", dynamic_ncols=True)

        def report(text):
            if dist.is_main:
                if bar.disable:
                    print(text, file=out, flush=True)
                else:
                    bar.write(text, file=out)

        if dist.is_main:
            report(f"data: {meta['source']}, {meta['tokenizer']} tokens "
                   f"(vocabulary {meta['vocab_size']}), {meta['train_tokens']:,} train / "
                   f"{meta['val_tokens']:,} val; model: {_count_params(raw_model):,} "
                   f"parameters; {dist.world_size} process(es) on {device.type}")

        t_start = time.perf_counter()
        step = start_step
        while True:
            evaluate = step % cfg["eval_interval"] == 0 or step == cfg["max_iters"]
            if evaluate and not (step == start_step and start_step > 0):
                train_loss, val_loss = estimate_loss(
                    raw_model, (train_tokens, val_tokens), cfg, cfg["seed"], device, dist)
                best_val = min(best_val, val_loss)
                last = {"train_loss": train_loss, "val_loss": val_loss}
                if log is not None:
                    _json_line(log, {"kind": "eval", "step": step, "train_loss": train_loss,
                                     "val_loss": val_loss})
                report(f"step {step}: train loss {train_loss:.4f}, val loss {val_loss:.4f}")
                if prompt_ids is not None and dist.is_main:
                    report("sample: " + sample_text(raw_model, tokenizer, prompt_ids, cfg,
                                                    device))
                rngs = dist.gather(rng_state(batch_gen, device))
                if dist.is_main:
                    save_checkpoint(ckpt_path, {
                        "format": CHECKPOINT_FORMAT,
                        "config": model_cfg,
                        "model": raw_model.state_dict(),
                        "tokenizer": _tokenizer_spec(tokenizer),
                        "train_config": {k: cfg[k] for k in DEFAULTS if k in cfg}
                        | {"lr_decay_iters": cfg["lr_decay_iters"]},
                        "optimizer": optimizer.state_dict(),
                        "scaler": scaler.state_dict() if scaler.is_enabled() else {},
                        "step": step,
                        "best_val_loss": best_val,
                        "rng": rngs,
                        "tie_weights": tie_weights,
                    })
                    log.flush()
            if step >= cfg["max_iters"]:
                break

            t0 = time.perf_counter()
            lr = learning_rate(cfg, step)
            for group in optimizer.param_groups:
                group["lr"] = lr
            loss_sum = torch.zeros((), device=device)
            for micro in range(cfg["grad_accum"]):
                x, y = get_batch(train_tokens, cfg["batch_size"], cfg["context_length"],
                                 batch_gen)
                if first_batches is None:
                    first_batches = hashlib.sha256(x.numpy().tobytes()).hexdigest()
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                # Gradients are averaged over processes only in the last micro-step.
                sync = micro == cfg["grad_accum"] - 1
                with model.no_sync() if dist.initialized and not sync \
                        else contextlib.nullcontext():
                    with forward_context(cfg, device):
                        logits = model(x)
                    loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten())
                    scaler.scale(loss / cfg["grad_accum"]).backward()
                loss_sum += loss.detach()
            if cfg["grad_clip"] > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(raw_model.parameters(), cfg["grad_clip"])
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            loss_value = loss_sum.item() / cfg["grad_accum"]
            if not math.isfinite(loss_value):
                raise TrainError(f"the loss became {loss_value} at step {step}; lower --lr "
                                 "or use --dtype float32")
            if log is not None:
                _json_line(log, {"kind": "train", "step": step, "loss": loss_value, "lr": lr})
            step += 1
            dt = time.perf_counter() - t0
            bar.update(1)
            bar.set_postfix(loss=f"{loss_value:.4f}", tok_s=f"{tokens_per_step / dt:,.0f}",
                            refresh=False)

        elapsed = time.perf_counter() - t_start
        steps_run = step - start_step
        summary.update(step=step, best_val_loss=best_val, elapsed_s=elapsed, **last,
                       tokens_per_s=steps_run * tokens_per_step / elapsed if elapsed else None)
        if dist.initialized:
            summary["param_digests"] = dist.gather(_digest_parameters(raw_model))
            summary["first_batch_digests"] = dist.gather(first_batches)
        if dist.is_main:
            _write_json(out_dir / "summary.json", summary)
    finally:
        if bar is not None:
            bar.close()
        if log is not None:
            log.close()
    return summary


def _count_params(model):
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def _tokenizer_spec(tokenizer):
    if isinstance(tokenizer, data.CharTokenizer):
        return tokenizer.spec()
    return {"kind": "gpt2"}


def learning_rate(cfg, step):
    """The learning rate of ``step`` (0-based): warm-up, cosine decay, then ``min_lr``."""
    warmup = cfg["warmup_iters"]
    return lr_at_step(step, cfg["lr_decay_iters"], warmup, cfg["lr"],
                      initial_lr=cfg["lr"] / warmup if warmup else cfg["lr"],
                      min_lr=cfg["min_lr"])


def _load_model_state(model, state, path):
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise TrainError(f"{path} holds no model state_dict")
    state = {k.removeprefix("_orig_mod."): v for k, v in state.items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise TrainError(f"{path} does not fit its model config: "
                         f"{str(err).splitlines()[-1].strip()}") from None


def read_log(out_dir):
    """The records of ``log.jsonl``: ``(train_records, eval_records)``."""
    train_records, eval_records = [], []
    path = Path(out_dir) / "log.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        (train_records if record["kind"] == "train" else eval_records).append(record)
    return train_records, eval_records


# -- command line --------------------------------------------------------------------------

EPILOG = """\
examples:
  llms-from-scratch train --out-dir out-shakespeare            # CPU recipe, ~1 minute
  llms-from-scratch train --dataset wagahaiwa-nekodearu --out-dir out-neko
  llms-from-scratch train --text my.txt --tokenizer gpt2 --out-dir out-mine
  llms-from-scratch train --out-dir out-shakespeare --resume --max-iters 2500
      (the learning rate stays at --min-lr after --lr-decay-iters)
  llms-from-scratch generate --model out-shakespeare/ckpt.pt --prompt "ROMEO:"

  nanoGPT's GPU recipe (it reports a validation loss of about 1.47 after about
  3 minutes on one A100):
  llms-from-scratch train --n-layer 6 --n-head 6 --n-embd 384 --context-length 256 \\
      --batch-size 64 --dropout 0.2 --max-iters 5000 --beta2 0.99 --eval-iters 200 \\
      --dtype bfloat16 --compile --out-dir out-shakespeare-gpu

several processes (DistributedDataParallel; NCCL on GPUs, Gloo on CPUs):
  torchrun --standalone --nproc_per_node=4 -m llms_from_scratch train --out-dir out
  Each process samples its own batches; only rank 0 prints and writes files.
  --batch-size and --grad-accum are per process.

several machines (run on every node, node_rank 0..nnodes-1):
  torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d \\
      --rdzv_endpoint=HOST:29500 -m llms_from_scratch train --out-dir out
  HOST is an address of the first node that all nodes reach. --out-dir must be
  a folder of rank 0's machine; each node prepares the token files in its own
  cache (set --data-dir to a shared folder to prepare them once).
"""


def add_arguments(p):
    s = argparse.SUPPRESS  # flags not given stay unset, so the config file can fill them
    g = p.add_argument_group("data")
    g.add_argument("--dataset", choices=DATASETS, default=s,
                   help="a built-in text (default: tinyshakespeare)")
    g.add_argument("--text", metavar="PATH", default=s, help="train on this UTF-8 text file")
    g.add_argument("--tokenizer", choices=data.TOKENIZERS, default=s,
                   help="char: one token per character; gpt2: GPT-2's BPE (default: char, "
                        "gpt2 with --init-from)")
    g.add_argument("--val-fraction", type=float, default=s, metavar="F",
                   help="the last F of the text is the validation split (default: 0.1)")
    g.add_argument("--data-dir", default=s, metavar="DIR",
                   help="where the token files go (default: the cache's tokens folder)")
    g = p.add_argument_group("model")
    g.add_argument("--init-from", default=s, metavar="FROM",
                   help="scratch, or a GPT-2 size to fine-tune OpenAI's weights: gpt2-124M, "
                        "gpt2-355M, gpt2-774M, gpt2-1558M (default: scratch)")
    g.add_argument("--models-dir", default=s, metavar="DIR",
                   help="where GPT-2 weights are stored (default: the cache's gpt2 folder)")
    g.add_argument("--n-layer", type=int, default=s, help="transformer blocks (default: 4)")
    g.add_argument("--n-head", type=int, default=s, help="attention heads (default: 4)")
    g.add_argument("--n-embd", type=int, default=s, help="embedding width (default: 128)")
    g.add_argument("--context-length", type=int, default=s,
                   help="tokens per training window (default: 64)")
    g.add_argument("--dropout", type=float, default=s, help="dropout rate (default: 0.0)")
    g.add_argument("--qkv-bias", action=argparse.BooleanOptionalAction, default=s,
                   help="biases in the query/key/value projections (default: off)")
    g.add_argument("--fast", action=argparse.BooleanOptionalAction, default=s,
                   help="use GPTModelFast (fused kernels, the same weights) instead of "
                        "GPTModel (default: off)")
    g = p.add_argument_group("optimisation")
    g.add_argument("--batch-size", type=int, default=s,
                   help="windows per micro-batch and process (default: 12)")
    g.add_argument("--grad-accum", type=int, default=s, metavar="N",
                   help="micro-batches per optimizer step (default: 1)")
    g.add_argument("--max-iters", type=int, default=s, help="optimizer steps (default: 2000)")
    g.add_argument("--lr", type=float, default=s, help="peak learning rate (default: 1e-3)")
    g.add_argument("--min-lr", type=float, default=s,
                   help="learning rate at the end of the decay (default: 1e-4)")
    g.add_argument("--warmup-iters", type=int, default=s,
                   help="steps of linear warm-up (default: 100)")
    g.add_argument("--lr-decay-iters", type=int, default=s,
                   help="step where the cosine decay reaches --min-lr (default: --max-iters)")
    g.add_argument("--weight-decay", type=float, default=s,
                   help="AdamW weight decay of the weight matrices (default: 0.1)")
    g.add_argument("--beta1", type=float, default=s, help="AdamW beta1 (default: 0.9)")
    g.add_argument("--beta2", type=float, default=s, help="AdamW beta2 (default: 0.95)")
    g.add_argument("--grad-clip", type=float, default=s,
                   help="clip the gradient norm to this value, 0 = off (default: 1.0)")
    g.add_argument("--dtype", choices=DTYPES, default=s,
                   help="autocast precision: bfloat16 on recent CPUs and GPUs, float16 on "
                        "CUDA only (default: float32)")
    g.add_argument("--compile", action=argparse.BooleanOptionalAction, default=s,
                   help="torch.compile the model (default: off)")
    g.add_argument("--device", default=s,
                   help="auto, cpu, cuda, cuda:N or mps (default: auto, or "
                        "$LLMS_FROM_SCRATCH_DEVICE)")
    g.add_argument("--seed", type=int, default=s, help="random seed (default: 1337)")
    g = p.add_argument_group("evaluation, samples and files")
    g.add_argument("--eval-interval", type=int, default=s,
                   help="evaluate, sample and save every N steps (default: 250)")
    g.add_argument("--eval-iters", type=int, default=s,
                   help="batches per split in an evaluation (default: 20)")
    g.add_argument("--sample-tokens", type=int, default=s,
                   help="tokens in each sample, 0 = no samples (default: 200)")
    g.add_argument("--sample-prompt", default=s,
                   help="the samples' prompt (default: a newline, or <|endoftext|>)")
    g.add_argument("--temperature", type=float, default=s,
                   help="sampling temperature, 0 = greedy (default: 0.8)")
    g.add_argument("--top-k", type=int, default=s, help="sample among the top K tokens")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=s,
                   help="show a progress bar on stderr (default: on)")
    g.add_argument("--out-dir", default=s, metavar="DIR",
                   help="where ckpt.pt, config.json, log.jsonl and summary.json go "
                        "(default: out)")
    g.add_argument("--resume", action="store_true", default=s,
                   help="continue the run whose ckpt.pt is in --out-dir")
    p.add_argument("--config", metavar="JSON", default=None,
                   help="a JSON file of settings (keys as the flags' names); flags win")


def run(args):
    """The command: train, and end a distributed worker cleanly."""
    dist = Dist()
    overrides = {k: v for k, v in vars(args).items()
                 if k in DEFAULTS or k == "resume"}
    if not dist.enabled:
        train(overrides, args.config)
        return 0
    code = 0
    try:
        train(overrides, args.config)
    except (TrainError, FileNotFoundError) as err:
        print(f"llms-from-scratch train: error: [rank {dist.rank}] {err}", file=sys.stderr)
        code = 1
    _exit_worker(code)
    return code  # not reached


def _exit_worker(code):
    """End a torchrun worker without the interpreter's own shutdown.

    With this torch build a Gloo worker can abort while the interpreter tears
    down (after its work is done), which torchrun reports as a failure.
    Everything is flushed and closed, the process group destroyed, then the
    process ends at once with ``code``.
    """
    import torch.distributed as dist

    sys.stdout.flush()
    sys.stderr.flush()
    if code == 0 and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


__all__ = ["CHECKPOINT_NAME", "DEFAULTS", "TrainError", "add_arguments", "build_model",
           "estimate_loss", "get_batch", "learning_rate", "load_checkpoint", "model_config",
           "prepare_data", "read_log", "resolve_config", "run", "sample_text",
           "save_checkpoint", "train"]
