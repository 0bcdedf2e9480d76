"""The ``ckpt.pt`` format of ``llms-from-scratch train``, written and read back.

A ``ckpt.pt`` holds model, optimizer, step, every process's random generators,
tokenizer and settings, so that ``--resume`` repeats an uninterrupted run step
for step. Failures raise ``config.TrainError``. Loading any other model file
(for ``generate --model``) is ``model_files``.
"""

import random
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch

from . import fileio, integrity
from .config import TrainError, saved_settings
from .errors import one_line
from .i18n import N_, _
from .runlog import RESUME_ADVICE

CHECKPOINT_NAME = "ckpt.pt"
CHECKPOINT_FORMAT = "llms-from-scratch-train/1"
PROG = "llms-from-scratch train"


# -- writing ------------------------------------------------------------------------------


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


def checkpoint_payload(run, step, best_val, rngs):
    """The ``ckpt.pt`` dict of a run (a ``train_setup.Run``) at ``step``."""
    return {
        "format": CHECKPOINT_FORMAT,
        "config": run.model_cfg,
        "model": run.raw_model.state_dict(),
        "tokenizer": run.tokenizer_spec,
        "train_config": saved_settings(run.cfg),
        "optimizer": run.optimizer.state_dict(),
        "scaler": run.scaler.state_dict() if run.scaler.is_enabled() else {},
        "step": step,
        "best_val_loss": best_val,
        "rng": rngs,
        "tie_weights": run.tie_weights,
    }


def _tensor_bytes(obj):
    """About how many bytes ``torch.save(obj)`` writes: the sum of its tensors' sizes."""
    if isinstance(obj, torch.Tensor):
        return obj.nelement() * obj.element_size()
    if isinstance(obj, dict):
        return sum(_tensor_bytes(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return sum(_tensor_bytes(v) for v in obj)
    return 0


def _read_back(path):
    """The ``check`` of ``atomic_write``: the written file's records must pass their CRC-32."""
    def check(tmp):
        reason = integrity.damaged_record(tmp) if zipfile.is_zipfile(tmp) else _("not a zip")
        if reason is not None:
            raise TrainError(_("the checkpoint written for {path} did not read back intact "
                               "({reason}); the previous checkpoint was kept: check the disk, "
                               "then continue with --resume").format(path=path, reason=reason))
    return check


def save_checkpoint(path, payload, durable=True):
    """``torch.save`` through ``fileio.atomic_write``; a ``TrainError`` if it cannot be written.

    Weights holding NaN or Inf are not saved. The new file's CRC-32 records
    are checked before it replaces the previous checkpoint. A folder that
    refuses it (full, quota, read-only) is a ``fileio.WriteError`` naming the
    space needed; the previous checkpoint stays, for ``--resume``.
    """
    bad = integrity.nonfinite({"model": payload["model"], "optimizer": payload["optimizer"]})
    if bad:
        raise TrainError(_("the weights became NaN or Inf by step {step} (in {where}), so they "
                           "were not saved and {path} keeps the last good state; lower --lr (or "
                           "use --dtype float32) and continue with --resume")
                         .format(step=payload["step"], where=integrity.describe(bad), path=path))
    try:
        fileio.atomic_write(path, lambda tmp: torch.save(payload, tmp), durable,
                            needed=_tensor_bytes(payload), what_to_do=RESUME_ADVICE,
                            check=_read_back(path))
    except OSError as err:
        raise TrainError(_("cannot write the checkpoint {path} ({strerror}); free some disk "
                           "space or choose another --out-dir")
                         .format(path=path, strerror=fileio.os_reason(err))) from None


# -- reading ------------------------------------------------------------------------------

_CHECKPOINT_TYPES = {"config": dict, "model": dict, "tokenizer": dict, "train_config": dict,
                     "optimizer": dict, "step": int, "rng": list, "tie_weights": bool}
_START_OVER = N_("start a new run in another --out-dir (or delete the file)")


def _read_train_checkpoint(path):
    if not path.is_file():
        raise TrainError(_("no checkpoint at {path}; check --out-dir, or leave out --resume to "
                           "start a new run")
                         .format(path=path))
    if path.stat().st_size == 0:
        raise TrainError(_("the checkpoint {path} is empty (0 bytes), e.g. from a full disk; "
                           "{start_over}").format(path=path, start_over=_(_START_OVER)))
    reason = integrity.damaged_record(path)
    if reason is not None:
        raise TrainError(_("the checkpoint {path} is damaged: {reason}; it was left in place "
                           "and not used: restore it from a copy, or {start_over}")
                         .format(path=path, reason=reason, start_over=_(_START_OVER)))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, corrupt, or holding arbitrary objects
        if integrity.refused_by_safe_load(err):
            raise TrainError(
                _("the checkpoint {path} holds Python objects that a safe load "
                  "(weights_only=True) refuses, so it was not loaded and nothing in it ran; it "
                  "was not written by {prog}: do not trust it, {start_over}")
                .format(path=path, prog=PROG, start_over=_(_START_OVER))) from None
        raise TrainError(_("cannot read the checkpoint {path} ({error}); it is truncated, "
                           "corrupt or not written by {prog}: {start_over}")
                         .format(path=path, error=type(err).__name__, prog=PROG,
                                 start_over=_(_START_OVER))
                         ) from None


def load_checkpoint(path):
    """A training checkpoint, loaded safely and checked; ``TrainError`` if unusable.

    ``torch.load(..., weights_only=True)`` unpickles only tensors and plain
    containers, so a file carrying other Python objects (which could run code
    when unpickled) is refused before anything in it runs.
    """
    path = Path(path)
    ckpt = _read_train_checkpoint(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise TrainError(_("{path} is not a checkpoint of {prog} (no format "
                           "{checkpoint_format!r}); {start_over}")
                         .format(path=path, prog=PROG, checkpoint_format=CHECKPOINT_FORMAT,
                                 start_over=_(_START_OVER)))
    missing = [k for k in _CHECKPOINT_TYPES if k not in ckpt]
    if missing:
        raise TrainError(_("the checkpoint {path} lacks {missing}; {start_over}")
                         .format(path=path, missing=', '.join(missing),
                                 start_over=_(_START_OVER)))
    wrong = [_("{key} ({type}, not {kind})").format(key=key, type=type(ckpt[key]).__name__,
                                                     kind=kind.__name__)
             for key, kind in _CHECKPOINT_TYPES.items()
             if not isinstance(ckpt[key], kind) or (kind is int and isinstance(ckpt[key], bool))]
    if wrong:
        raise TrainError(_("the checkpoint {path} is damaged: {wrong}; {start_over}")
                         .format(path=path, wrong=", ".join(wrong), start_over=_(_START_OVER)))
    bad = integrity.nonfinite({"model": ckpt["model"], "optimizer": ckpt["optimizer"]})
    if bad:
        raise TrainError(_("the checkpoint {path} holds NaN or Inf in {where}; it was left in "
                           "place and not used: restore it from a copy, or {start_over}")
                         .format(path=path, where=integrity.describe(bad),
                                 start_over=_(_START_OVER)))
    return ckpt


def load_model_state(model, state, path):
    """Load a training checkpoint's weights into ``model`` (``TrainError`` if they do not fit)."""
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise TrainError(_("{path} holds no model state_dict")
                         .format(path=path))
    state = {k.removeprefix("_orig_mod."): v for k, v in state.items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise TrainError(_("{path} does not fit its model config: {strip}")
                         .format(path=path, strip=str(err).splitlines()[-1].strip())) from None


def _check_optimizer_state(optimizer):
    """AdamW's moments must have their parameter's shape (load_state_dict does not check)."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            for key, value in optimizer.state.get(param, {}).items():
                if torch.is_tensor(value) and value.dim() and value.shape != param.shape:
                    raise ValueError(_("its {key} has shape {shape} for a parameter of shape "
                                       "{param_shape}")
                                     .format(key=key, shape=tuple(value.shape),
                                             param_shape=tuple(param.shape)))


def _restore_optimizer(ckpt, path, optimizer, scaler):
    try:
        optimizer.load_state_dict(ckpt["optimizer"])
        _check_optimizer_state(optimizer)
        if ckpt.get("scaler"):
            scaler.load_state_dict(ckpt["scaler"])
    except (ValueError, KeyError, RuntimeError, TypeError, IndexError) as err:
        raise TrainError(_("the optimizer state in {path} does not fit the model: {one_line}; "
                           "{start_over}")
                         .format(path=path, one_line=one_line(err),
                                 start_over=_(_START_OVER))) from None


def restore_state(ckpt, path, run, batch_gen, seed):
    """Put optimizer, scaler and random generators of ``ckpt`` back; return the step.

    With another number of processes than wrote it, the generators are seeded
    from the step instead (a note says the batches differ).
    """
    _restore_optimizer(ckpt, path, run.optimizer, run.scaler)
    step, dist = int(ckpt["step"]), run.dist
    states = ckpt["rng"]
    if len(states) == dist.world_size:
        try:
            set_rng_state(states[dist.rank], batch_gen, run.device)
        except (KeyError, TypeError, ValueError, IndexError, RuntimeError,
                AttributeError) as err:
            raise TrainError(_("the random number states in {path} are damaged ({error}); "
                               "{start_over}")
                             .format(path=path, error=type(err).__name__,
                                     start_over=_(_START_OVER))) from None
        return step
    if dist.is_main:
        print(_("note: the checkpoint was written by {n_states} process(es), this run has "
                "{world_size}; the batches differ from an uninterrupted run")
              .format(n_states=len(states), world_size=dist.world_size),
              file=sys.stderr)
    torch.manual_seed(seed + step + 7919 * dist.rank)
    batch_gen.manual_seed(seed + step + 104_729 * (dist.rank + 1))
    return step


__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_NAME", "checkpoint_payload", "load_checkpoint",
           "load_model_state", "restore_state", "rng_state", "save_checkpoint", "set_rng_state"]
