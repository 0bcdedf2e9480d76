"""Load a ``GPTModel`` for generation from whatever the reader has.

``load_model(spec)`` accepts

- a GPT-2 size (``124M`` ... ``1558M``, also ``gpt2-124M``): OpenAI's
  TensorFlow checkpoint when it is cached and TensorFlow is installed,
  otherwise Hugging Face's ``model.safetensors`` (downloaded once);
- a folder with OpenAI's files (``hparams.json``, ``model.ckpt.*``) or with a
  ``model.safetensors``;
- a ``.safetensors`` file;
- a file written by ``torch.save``: ``{"config": cfg, "model": state_dict}``
  (what ``llms-from-scratch train`` writes; its tokenizer comes along as
  ``model.tokenizer_spec``), ``{"model_state_dict": ...}`` or a bare
  ``state_dict`` together with ``config``.

Files are read with ``torch.load(..., weights_only=True)``: a file that
carries pickled Python objects is refused and nothing in it runs. Anything
that cannot be used raises ``CheckpointError`` (a ``ValueError``) with one
line that says what to do; the command line prints it as it is.
"""

import json
import sys
import zipfile
from pathlib import Path


class CheckpointError(ValueError):
    """A model file or config that cannot be used; the message says what to do."""


def one_line(err):
    """The first line of an exception's message (its type name if it has none)."""
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


def config_from_option(value):
    """``--config``: a GPT-2 size or a JSON file with the ``GPTModel`` config dict."""
    from . import gpt2

    path = Path(value).expanduser()
    if not path.exists():
        try:
            return gpt2.gpt2_config(value)
        except ValueError:
            raise CheckpointError(f"--config {value!r} is neither a JSON file nor a GPT-2 "
                               f"size ({', '.join(gpt2.GPT2_SIZES)})") from None
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"cannot read the config {path}: {one_line(err)}") from None
    if not isinstance(cfg, dict):
        raise CheckpointError(f"the config {path} must hold a JSON object (the GPTModel "
                           "config dict)")
    return cfg


def _build_model(cfg, where):
    from .ch04 import GPTModel

    try:
        return GPTModel(cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise CheckpointError(f"bad model config for {where}: {one_line(err)}; fix the config "
                           "(or give --config)") from None


def _model_from_params(params, settings, where):
    from . import ch05, gpt2

    model = _build_model(gpt2.config_from_settings(settings), where)
    try:
        ch05.load_weights_into_gpt(model, params)
    except ValueError as err:
        raise CheckpointError(f"{where} does not fit its config: {one_line(err)}") from None
    return model


def _model_from_tf_dir(folder):
    from . import gpt2

    settings = gpt2.read_hparams(folder)
    return _model_from_params(gpt2.load_gpt2_params_from_tf_ckpt(folder, settings),
                              settings, folder)


def _model_from_safetensors(path, config):
    from . import gpt2

    params = gpt2.load_gpt2_params_from_safetensors(path)
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
        raise CheckpointError(f"{path}: {one_line(err)} (with --config)") from None
    return _model_from_params(params, settings, path)


def _model_from_torch_file(path, config):
    import torch

    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as err:
        raise CheckpointError(f"cannot read the checkpoint {path}: {err.strerror or err}; "
                           "check the path and its permissions") from None
    if size == 0:
        raise CheckpointError(f"the checkpoint {path} is empty (0 bytes); save it again")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt, truncated or not a torch file at all
        from .train import refused_by_safe_load

        if refused_by_safe_load(err):
            reason = ("it holds Python objects that a safe load (weights_only=True) "
                      "refuses, so it was not loaded and nothing in it ran; do not trust a "
                      "file you did not write, and save only tensors, dicts, lists, numbers "
                      'and strings, e.g. {"config": cfg, "model": model.state_dict()}')
        elif not zipfile.is_zipfile(path):
            reason = ("it is not a file written by torch.save, or it is truncated or "
                      "corrupt; save it again")
        else:
            reason = f"it is truncated or corrupt ({type(err).__name__}); save it again"
        raise CheckpointError(f"cannot read the checkpoint {path}: {reason}") from None
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
        raise CheckpointError(f"{path} holds no state_dict; save one with torch.save("
                           '{"config": cfg, "model": model.state_dict()}, path)')
    if cfg is None:
        raise CheckpointError(f"{path} holds no config; give --config (a JSON file with the "
                           'model config, or a GPT-2 size), or save {"config": cfg, '
                           '"model": model.state_dict()}')
    # A model trained under torch.compile saves its weights under "_orig_mod.".
    state = {k.removeprefix("_orig_mod."): v for k, v in state.items()}
    model = _build_model(cfg, path)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        detail = "; ".join(part for part in (
            f"missing {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"
            if missing else "",
            f"unexpected {', '.join(unexpected[:3])}{' ...' if len(unexpected) > 3 else ''}"
            if unexpected else "") if part)
        raise CheckpointError(f"{path} is not a checkpoint of this GPTModel config ({detail})")
    for key, value in expected.items():
        if tuple(state[key].shape) != tuple(value.shape):
            raise CheckpointError(f"{path}: {key} has shape {tuple(state[key].shape)} but the "
                               f"config needs {tuple(value.shape)}; is the config right?")
    model.load_state_dict(state)
    if isinstance(checkpoint, dict) and "tokenizer" in checkpoint:
        # e.g. the char-level vocabulary of a model from `llms-from-scratch train`
        model.tokenizer_spec = checkpoint["tokenizer"]
    return model


def _model_from_gpt2_size(size, models_dir):
    import importlib.util

    from . import assets, gpt2

    folder = Path(models_dir or assets.cache_dir() / "gpt2") / size
    tf_ready = all((folder / name).exists() for name in assets.GPT2_MODEL_FILES)
    if tf_ready and importlib.util.find_spec("tensorflow") is not None:
        return _model_from_tf_dir(folder)
    path = gpt2.download_gpt2_safetensors(size, models_dir, progress=sys.stderr.isatty())
    params = gpt2.load_gpt2_params_from_safetensors(path)
    settings = gpt2.settings_from_params(params, n_head=gpt2.GPT2_CONFIGS[size]["n_heads"])
    return _model_from_params(params, settings, path)


def load_model(spec, config=None, models_dir=None):
    """A ``GPTModel`` (on the CPU) from a GPT-2 size, a folder or a file (see the module).

    ``config`` (a GPT-2 size or a JSON file with the config dict) is needed
    only for files that do not carry their own; ``models_dir`` is where GPT-2
    sizes are looked for and downloaded to.
    """
    from . import gpt2

    path = Path(spec).expanduser()
    if path.is_dir():
        if (path / "hparams.json").exists() or any(path.glob("model.ckpt*")):
            return _model_from_tf_dir(path)  # a missing hparams.json is reported there
        if (path / "model.safetensors").exists():
            return _model_from_safetensors(path / "model.safetensors", config)
        raise CheckpointError(f"{path} is a folder without a checkpoint (hparams.json with "
                           "model.ckpt.*, or model.safetensors)")
    if path.exists():
        if path.suffix == ".safetensors":
            return _model_from_safetensors(path, config)
        return _model_from_torch_file(path, config)
    try:
        size = gpt2.normalize_gpt2_size(spec)
    except ValueError:
        raise CheckpointError(f"--model {spec!r}: no such file, and not a GPT-2 size "
                           f"({', '.join(gpt2.GPT2_SIZES)})") from None
    return _model_from_gpt2_size(size, models_dir)


__all__ = ["CheckpointError", "config_from_option", "load_model", "one_line"]
