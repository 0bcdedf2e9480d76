"""Load any model file or folder as a ``GPTModel``: for ``generate`` and ``--init-from``.

A model is a GPT-2 size, a folder of OpenAI's files or with a
``model.safetensors``, a Japanese GPT-2 folder or Hub repository, a
``.safetensors`` file, or a ``torch.save`` file (``{"config": cfg, "model":
state_dict}`` as ``train`` writes, ``{"model_state_dict": ...}``, or a bare
``state_dict`` with ``config``). Nothing pickled runs; failures raise
``ModelFileError``. The ``ckpt.pt`` format of ``train`` is in ``ckpt``.
"""

import json
import sys
import zipfile
from pathlib import Path

import torch

from . import fileio, integrity
from .errors import UserError, one_line
from .i18n import _


class ModelFileError(UserError):
    """A model file or config that cannot be used; the message says what to do."""


# -- GPT-2's published weights, checked ---------------------------------------------------


def verified_gpt2_params(size, models_dir=None):
    """``gpt2.gpt2_params(size, models_dir)``, checked: ``(params, where)``.

    A damaged file or a NaN/Inf weight is a ``ModelFileError``; a failed
    download stays a ``DownloadError``.
    """
    from . import gpt2

    params, where = _read_weights(gpt2.gpt2_params, size, models_dir)
    return _finite(params, where), where


def _finite(params, where):
    """``params`` (GPT-2's nested dict); a ``ModelFileError`` if a weight holds NaN or Inf."""
    bad = integrity.nonfinite(params)
    if bad:
        raise ModelFileError(_("the GPT-2 weights in {where} hold NaN or Inf in {bad}; they "
                                "are damaged: delete the file and let it be downloaded again")
                              .format(where=where, bad=integrity.describe(bad)))
    return params


def _read_weights(read, *args):
    """``read(*args)`` with one of ``gpt2``'s readers; a damaged file is a ``ModelFileError``."""
    try:
        return read(*args)
    except UserError:  # already one line saying what to do
        raise
    except (ValueError, OSError) as err:  # truncated, corrupt or missing files
        raise ModelFileError(one_line(err)) from None


def _tf_params(folder):
    """``(params, settings)`` of a folder of OpenAI's TensorFlow files."""
    from . import gpt2

    settings = _read_weights(gpt2.read_hparams, folder)
    return _read_weights(gpt2.load_gpt2_params_from_tf_ckpt, folder, settings), settings


# -- a GPTModel from a file, a folder or a GPT-2 size -------------------------------------


def config_from_option(value):
    """``--config``: a GPT-2 size or a JSON file with the ``GPTModel`` config dict."""
    from . import gpt2

    path = Path(value).expanduser()
    if not path.exists():
        try:
            return gpt2.gpt2_config(value)
        except ValueError:
            raise ModelFileError(_("--config {value!r} is neither a JSON file nor a GPT-2 size "
                                    "({gpt2_sizes})")
                                  .format(value=value,
                                          gpt2_sizes=', '.join(gpt2.GPT2_SIZES))) from None
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(_("cannot read the config {path}: {one_line}")
                              .format(path=path, one_line=one_line(err))) from None
    if not isinstance(cfg, dict):
        raise ModelFileError(_("the config {path} must hold a JSON object (the GPTModel config "
                                "dict)")
                              .format(path=path))
    return cfg


def _build_model(cfg, where):
    from .ch04 import GPTModel

    try:
        return GPTModel(cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise ModelFileError(_("bad model config for {where}: {one_line}; fix the config (or "
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
        raise ModelFileError(_("{where} does not fit its config: {one_line}")
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
        raise ModelFileError(_("{path}: {one_line} (with --config)")
                              .format(path=path, one_line=one_line(err))) from None
    return _model_from_params(params, settings, path)


def _torch_load(path):
    """``torch.load(path, weights_only=True)``; every failure a ``ModelFileError``."""
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as err:
        raise ModelFileError(_("cannot read the checkpoint {path}: {strerror}; check the path "
                                "and its permissions")
                              .format(path=path, strerror=fileio.os_reason(err))) from None
    if size == 0:
        raise ModelFileError(_("the checkpoint {path} is empty (0 bytes); save it again")
                              .format(path=path))
    reason = integrity.damaged_record(path)
    if reason is not None:
        raise ModelFileError(_("the checkpoint {path} is damaged: {reason}; it was left in "
                                "place and not used: save it again, or copy it again from a "
                                "good copy").format(path=path, reason=reason))
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt, truncated or not a torch file at all
        if integrity.refused_by_safe_load(err):
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
        raise ModelFileError(_("cannot read the checkpoint {path}: {reason}")
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
        raise ModelFileError(_("{path} is not a checkpoint of this GPTModel config ({detail})")
                              .format(path=path, detail=detail))
    for key, value in expected.items():
        if tuple(state[key].shape) != tuple(value.shape):
            raise ModelFileError(_("{path}: {key} has shape {tuple} but the config needs "
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
        raise ModelFileError(_("{path} holds no state_dict; save one with "
                                "torch.save({{\"config\": cfg, \"model\": model.state_dict()}}, "
                                "path)")
                              .format(path=path))
    if cfg is None:
        raise ModelFileError(_("{path} holds no config; give --config (a JSON file with the "
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

    params, where = verified_gpt2_params(size, models_dir)
    settings = gpt2.settings_from_params(params, n_head=gpt2.GPT2_CONFIGS[size]["n_heads"])
    return _model_from_params(params, settings, where)


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
        raise ModelFileError(_("{path} is a folder without a checkpoint (hparams.json with "
                                "model.ckpt.*, or model.safetensors)")
                              .format(path=path))
    if path.exists():
        if path.suffix == ".safetensors":
            return _model_from_safetensors(path, config), None
        return _model_from_torch_file(path, config)
    try:
        size = gpt2.normalize_gpt2_size(spec)
    except ValueError:
        raise ModelFileError(_("--model {spec!r}: no such file, and not a GPT-2 size "
                                "({gpt2_sizes})")
                              .format(spec=spec, gpt2_sizes=', '.join(gpt2.GPT2_SIZES))) from None
    return _model_from_gpt2_size(size, models_dir), None


def load_model_and_tokenizer(spec, config=None, models_dir=None):
    """``(model, tokenizer_spec)``: the model of ``load_model`` and its tokenizer entry.

    ``tokenizer_spec`` is the tokenizer entry the checkpoint carries (e.g.
    ``{"kind": "char", "chars": ...}``; ``data.tokenizer_from_spec`` builds the
    tokenizer), or None when it names none (GPT-2's tokenizer then). NaN or Inf
    weights are refused.
    """
    model, tokenizer_spec = _load_any(spec, config, models_dir)
    bad = integrity.nonfinite(model.state_dict())
    if bad:
        raise ModelFileError(_("the model {spec} holds NaN or Inf in {where}; it was left in "
                                "place and not used: the file is damaged, or it was saved after "
                                "training diverged (train again with a lower learning rate)")
                              .format(spec=spec, where=integrity.describe(bad)))
    return model, tokenizer_spec


def load_model(spec, config=None, models_dir=None):
    """A ``GPTModel`` (on the CPU) from a GPT-2 size, a folder or a file (see the module).

    ``config`` (a GPT-2 size or a JSON file with the config dict) is needed
    only for files that do not carry their own; ``models_dir`` is where GPT-2
    sizes are looked for and downloaded to.
    """
    return load_model_and_tokenizer(spec, config, models_dir)[0]


__all__ = ["ModelFileError", "config_from_option", "load_model", "load_model_and_tokenizer",
           "verified_gpt2_params"]
