"""The ``ckpt.pt`` format in both directions, and loading any model file for generation.

Training: ``checkpoint_payload`` + ``save_checkpoint`` write model, optimizer,
step, every process's random generators, tokenizer and settings (through
``fileio.atomic_write``); ``load_checkpoint`` reads and checks one with
``torch.load(..., weights_only=True)``; ``restore_state`` puts optimizer and
generators back, so that ``--resume`` repeats an uninterrupted run step for
step. Failures raise ``config.TrainError``.

Generation: ``load_model(spec)`` / ``load_model_and_tokenizer(spec)`` (which
also returns a checkpoint's tokenizer entry) take a GPT-2 size (read by
``gpt2_params``, the one GPT-2 weight loader, also behind ``--init-from``),
a folder of OpenAI's files or with a ``model.safetensors``, a ``.safetensors``
file, or a ``torch.save`` file (``{"config": cfg, "model": state_dict}`` as
``train`` writes, ``{"model_state_dict": ...}``, or a bare ``state_dict`` with
``config``). Nothing pickled runs; failures raise ``CheckpointError``.
"""

import json
import random
import sys
import zipfile
from pathlib import Path

import numpy as np
import torch

from . import fileio, integrity
from .config import TrainError, saved_settings
from .errors import UserError, one_line
from .i18n import N_, _
from .runlog import RESUME_ADVICE

CHECKPOINT_NAME = "ckpt.pt"
CHECKPOINT_FORMAT = "llms-from-scratch-train/1"
PROG = "llms-from-scratch train"


class CheckpointError(UserError):
    """A model file or config that cannot be used; the message says what to do."""


# -- training checkpoints: writing ---------------------------------------------------------


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
    """The ``ckpt.pt`` dict of a run (a ``train.Run``) at ``step``."""
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

    Weights holding NaN or Inf are not saved. The new file is read back and
    its CRC-32 records checked before it replaces the previous checkpoint. A
    folder that refuses it (full, quota, read-only) is a one-line
    ``fileio.WriteError`` naming the space needed; the previous checkpoint
    stays intact, so the run can continue with ``--resume`` once there is room.
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


# -- training checkpoints: reading ---------------------------------------------------------

_CHECKPOINT_TYPES = {"config": dict, "model": dict, "tokenizer": dict, "train_config": dict,
                     "optimizer": dict, "step": int, "rng": list, "tie_weights": bool}
_START_OVER = N_("start a new run in another --out-dir (or delete the file)")

# What torch's weights-only unpickler says when it meets an object it will not build
# (a class or function that unpickling would call), as opposed to damaged bytes
# ("Unsupported operand ..."), which it reports through the same exception type.
_REFUSED_OBJECT_MARKERS = ("GLOBAL", "allowlisted", "unrecognized function")


def refused_by_safe_load(err):
    """Whether ``torch.load(..., weights_only=True)`` failed on a refused Python object."""
    text = str(err)
    return "weights only" in text.lower() and any(m in text for m in _REFUSED_OBJECT_MARKERS)


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
        if refused_by_safe_load(err):
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


# -- the one GPT-2 weight loader -----------------------------------------------------------


def gpt2_params(size, models_dir=None):
    """``(params, where)``: OpenAI's GPT-2 weights of ``size`` as ``gpt2``'s nested dict.

    OpenAI's TensorFlow checkpoint is read where it was downloaded and
    TensorFlow is installed; otherwise Hugging Face's safetensors copy of the
    same weights is fetched into the cache. ``where`` names the files read.
    """
    import importlib.util

    from . import assets, gpt2

    folder = Path(models_dir or assets.cache_dir() / "gpt2") / size
    if all((folder / name).exists() for name in assets.GPT2_MODEL_FILES) \
            and importlib.util.find_spec("tensorflow") is not None:
        return _finite(_tf_params(folder)[0], folder), folder
    path = gpt2.download_gpt2_safetensors(size, models_dir, progress=sys.stderr.isatty())
    return _finite(_read_weights(gpt2.load_gpt2_params_from_safetensors, path), path), path


def _finite(params, where):
    """``params`` (GPT-2's nested dict); a ``CheckpointError`` if a weight holds NaN or Inf."""
    bad = integrity.nonfinite(params)
    if bad:
        raise CheckpointError(_("the GPT-2 weights in {where} hold NaN or Inf in {bad}; they "
                                "are damaged: delete the file and let it be downloaded again")
                              .format(where=where, bad=integrity.describe(bad)))
    return params


def _read_weights(read, *args):
    """``read(*args)`` with one of ``gpt2``'s readers; a damaged file is a ``CheckpointError``."""
    try:
        return read(*args)
    except (ValueError, OSError) as err:  # truncated, corrupt or missing files
        raise CheckpointError(one_line(err)) from None


def _tf_params(folder):
    """``(params, settings)`` of a folder of OpenAI's TensorFlow files."""
    from . import gpt2

    settings = _read_weights(gpt2.read_hparams, folder)
    return _read_weights(gpt2.load_gpt2_params_from_tf_ckpt, folder, settings), settings


# -- models for generation -----------------------------------------------------------------


def config_from_option(value):
    """``--config``: a GPT-2 size or a JSON file with the ``GPTModel`` config dict."""
    from . import gpt2

    path = Path(value).expanduser()
    if not path.exists():
        try:
            return gpt2.gpt2_config(value)
        except ValueError:
            raise CheckpointError(_("--config {value!r} is neither a JSON file nor a GPT-2 size "
                                    "({gpt2_sizes})")
                                  .format(value=value,
                                          gpt2_sizes=', '.join(gpt2.GPT2_SIZES))) from None
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(_("cannot read the config {path}: {one_line}")
                              .format(path=path, one_line=one_line(err))) from None
    if not isinstance(cfg, dict):
        raise CheckpointError(_("the config {path} must hold a JSON object (the GPTModel config "
                                "dict)")
                              .format(path=path))
    return cfg


def _build_model(cfg, where):
    from .ch04 import GPTModel

    try:
        return GPTModel(cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(_("bad model config for {where}: {one_line}; fix the config (or "
                                "give --config)")
                              .format(where=where, one_line=one_line(err))) from None


def _model_from_params(params, settings, where):
    """A ``GPTModel`` holding ``params``; built on the meta device and filled as the
    arrays are freed (``lean_load``), so GPT-2 1558M fits in Colab's memory."""
    from . import gpt2
    from .lean_load import fill_meta_model

    with torch.device("meta"):
        model = _build_model(gpt2.config_from_settings(settings), where)
    try:
        return fill_meta_model(model, params)
    except ValueError as err:
        raise CheckpointError(_("{where} does not fit its config: {one_line}")
                              .format(where=where, one_line=one_line(err))) from None


def _model_from_tf_dir(folder):
    params, settings = _tf_params(folder)
    return _model_from_params(params, settings, folder)


def _model_from_safetensors(path, config):
    from . import gpt2

    params = _read_weights(gpt2.load_gpt2_params_from_safetensors, path)
    n_head = None
    if config is not None:
        n_head = config_from_option(config)["n_heads"]
    elif (path.parent / "config.json").exists():  # Hugging Face's layout
        try:
            n_head = json.loads((path.parent / "config.json").read_text())["n_head"]
        except (OSError, ValueError, KeyError, TypeError):
            n_head = None
    try:
        settings = gpt2.settings_from_params(params, n_head=n_head)
    except ValueError as err:
        raise CheckpointError(_("{path}: {one_line} (with --config)")
                              .format(path=path, one_line=one_line(err))) from None
    return _model_from_params(params, settings, path)


def _torch_load(path):
    """``torch.load(path, weights_only=True)``; every failure a ``CheckpointError``."""
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as err:
        raise CheckpointError(_("cannot read the checkpoint {path}: {strerror}; check the path "
                                "and its permissions")
                              .format(path=path, strerror=fileio.os_reason(err))) from None
    if size == 0:
        raise CheckpointError(_("the checkpoint {path} is empty (0 bytes); save it again")
                              .format(path=path))
    reason = integrity.damaged_record(path)
    if reason is not None:
        raise CheckpointError(_("the checkpoint {path} is damaged: {reason}; it was left in "
                                "place and not used: save it again, or copy it again from a "
                                "good copy").format(path=path, reason=reason))
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt, truncated or not a torch file at all
        if refused_by_safe_load(err):
            reason = (_("it holds Python objects that a safe load (weights_only=True) refuses, "
                        "so it was not loaded and nothing in it ran; do not trust a file you did "
                        "not write, and save only tensors, dicts, lists, numbers and strings, "
                        "e.g. {\"config\": cfg, \"model\": model.state_dict()}"))
        elif not zipfile.is_zipfile(path):
            reason = (_("it is not a file written by torch.save, or it is truncated or corrupt; "
                        "save it again"))
        else:
            reason = _("it is truncated or corrupt ({error}); save it again").format(
                error=type(err).__name__)
        raise CheckpointError(_("cannot read the checkpoint {path}: {reason}")
                              .format(path=path, reason=reason)) from None
    return checkpoint


def _first_names(names):
    """The first three of ``names``, and ``...`` if there are more."""
    return ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")


def _check_fits(model, state, path):
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        detail = _("; ").join(part for part in (
            _("missing {names}").format(names=_first_names(missing)) if missing else "",
            _("unexpected {names}").format(names=_first_names(unexpected)) if unexpected
            else "") if part)
        raise CheckpointError(_("{path} is not a checkpoint of this GPTModel config ({detail})")
                              .format(path=path, detail=detail))
    for key, value in expected.items():
        if tuple(state[key].shape) != tuple(value.shape):
            raise CheckpointError(_("{path}: {key} has shape {tuple} but the config needs "
                                    "{tuple2}; is the config right?")
                                  .format(path=path, key=key,
                                          tuple=tuple(state[key].shape),
                                          tuple2=tuple(value.shape)))


def _model_from_torch_file(path, config):
    """``(model, tokenizer entry or None)`` of a file written by ``torch.save``."""
    checkpoint = _torch_load(path)
    cfg = config_from_option(config) if config is not None else None
    if isinstance(checkpoint, dict) and "model" in checkpoint:
        state = checkpoint["model"]
        cfg = cfg if cfg is not None else checkpoint.get("config")
    elif isinstance(checkpoint, dict) and "model_state_dict" in checkpoint:
        state = checkpoint["model_state_dict"]
        cfg = cfg if cfg is not None else checkpoint.get("config")
    else:
        state = checkpoint
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(_("{path} holds no state_dict; save one with "
                                "torch.save({{\"config\": cfg, \"model\": model.state_dict()}}, "
                                "path)")
                              .format(path=path))
    if cfg is None:
        raise CheckpointError(_("{path} holds no config; give --config (a JSON file with the "
                                "model config, or a GPT-2 size), or save {{\"config\": cfg, "
                                "\"model\": model.state_dict()}}")
                              .format(path=path))
    # A model trained under torch.compile saves its weights under "_orig_mod.".
    state = {k.removeprefix("_orig_mod."): v for k, v in state.items()}
    model = _build_model(cfg, path)
    _check_fits(model, state, path)
    model.load_state_dict(state)
    # e.g. the char-level vocabulary of a model from `llms-from-scratch train`
    spec = checkpoint.get("tokenizer") if isinstance(checkpoint, dict) else None
    return model, spec


def _model_from_gpt2_size(size, models_dir):
    from . import gpt2

    params, where = gpt2_params(size, models_dir)
    settings = gpt2.settings_from_params(params, n_head=gpt2.GPT2_CONFIGS[size]["n_heads"])
    return _model_from_params(params, settings, where)


def _load(spec, config, models_dir):
    """``(model, tokenizer entry or None)``; see ``load_model``. NaN or Inf weights are refused."""
    model, tokenizer_spec = _load_any(spec, config, models_dir)
    bad = integrity.nonfinite(model.state_dict())
    if bad:
        raise CheckpointError(_("the model {spec} holds NaN or Inf in {where}; it was left in "
                                "place and not used: the file is damaged, or it was saved after "
                                "training diverged (train again with a lower learning rate)")
                              .format(spec=spec, where=integrity.describe(bad)))
    return model, tokenizer_spec


def _load_any(spec, config, models_dir):
    from . import gpt2
    from .japanese_gpt2 import is_japanese_gpt2_folder, is_repo_id, load_japanese_gpt2

    path = Path(spec).expanduser()
    if is_japanese_gpt2_folder(path) or is_repo_id(spec):  # rinna's layout, or the Hub's
        model, tokenizer = load_japanese_gpt2(spec, models_dir, progress=sys.stderr.isatty())
        return model, tokenizer.spec(tokenizer.path.resolve())
    if path.is_dir():
        if (path / "hparams.json").exists() or any(path.glob("model.ckpt*")):
            return _model_from_tf_dir(path), None  # a missing hparams.json is reported there
        if (path / "model.safetensors").exists():
            return _model_from_safetensors(path / "model.safetensors", config), None
        raise CheckpointError(_("{path} is a folder without a checkpoint (hparams.json with "
                                "model.ckpt.*, or model.safetensors)")
                              .format(path=path))
    if path.exists():
        if path.suffix == ".safetensors":
            return _model_from_safetensors(path, config), None
        return _model_from_torch_file(path, config)
    try:
        size = gpt2.normalize_gpt2_size(spec)
    except ValueError:
        raise CheckpointError(_("--model {spec!r}: no such file, and not a GPT-2 size "
                                "({gpt2_sizes})")
                              .format(spec=spec, gpt2_sizes=', '.join(gpt2.GPT2_SIZES))) from None
    return _model_from_gpt2_size(size, models_dir), None


def load_model_and_tokenizer(spec, config=None, models_dir=None):
    """``(model, tokenizer_spec)``: the model of ``load_model`` and its tokenizer entry.

    ``tokenizer_spec`` is the ``{"kind": "char", "chars": ...}`` or
    ``{"kind": "gpt2"}`` entry a checkpoint of ``llms-from-scratch train``
    carries (``data.tokenizer_from_spec`` builds the tokenizer), or None when
    the file names none (GPT-2's tokenizer then).
    """
    return _load(spec, config, models_dir)


def load_model(spec, config=None, models_dir=None):
    """A ``GPTModel`` (on the CPU) from a GPT-2 size, a folder or a file (see the module).

    ``config`` (a GPT-2 size or a JSON file with the config dict) is needed
    only for files that do not carry their own; ``models_dir`` is where GPT-2
    sizes are looked for and downloaded to. The tokenizer entry of a
    checkpoint is also set as ``model.tokenizer_spec``, for this release
    only: use ``load_model_and_tokenizer`` instead.
    """
    model, tokenizer_spec = _load(spec, config, models_dir)
    if tokenizer_spec is not None:
        model.tokenizer_spec = tokenizer_spec
    return model


__all__ = ["CHECKPOINT_FORMAT", "CHECKPOINT_NAME", "CheckpointError", "checkpoint_payload",
           "config_from_option", "gpt2_params", "load_checkpoint", "load_model",
           "load_model_and_tokenizer", "load_model_state", "one_line", "refused_by_safe_load",
           "restore_state", "rng_state", "save_checkpoint",
           "set_rng_state"]
