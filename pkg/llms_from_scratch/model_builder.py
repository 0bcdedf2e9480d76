"""The model a training run trains: its config, GPT-2's weights, and its forward pass.

``ch04.GPTModel`` or, with ``--fast``, ``fast.GPTModelFast`` (the same
weights), from scratch or from OpenAI's GPT-2 (read by ``gpt2.gpt2_params``,
the one GPT-2 weight loader, checked by ``model_files.verified_gpt2_params``)
or a Japanese GPT-2 (``japanese_gpt2``).
"""

import contextlib

import numpy as np
import torch

from . import amp, model_files
from .config import TrainError, flag
from .errors import one_line
from .i18n import _


def forward_context(cfg, device):
    """Autocast, plus the attention that is fastest for the case.

    On CPUs under bfloat16, ``GPTModelFast`` spells attention out
    (``fast.explicit_attention``): for the book's small heads that beat every
    kernel of ``scaled_dot_product_attention`` (docs/performance.md).
    """
    stack = contextlib.ExitStack()
    stack.enter_context(amp.autocast(device, cfg["dtype"]))
    if cfg["fast"] and device.type == "cpu" and cfg["dtype"] == "bfloat16":
        from .fast import explicit_attention

        stack.enter_context(explicit_attention())
    return stack


def model_config(cfg, vocab_size):
    """The ``GPTModel`` config dict of a model trained from scratch."""
    return {"vocab_size": int(vocab_size), "context_length": cfg["context_length"],
            "emb_dim": cfg["n_embd"], "n_heads": cfg["n_head"], "n_layers": cfg["n_layer"],
            "drop_rate": float(cfg["dropout"]), "qkv_bias": cfg["qkv_bias"]}


GPT2_SHAPE = ("n_layer", "n_head", "n_embd", "qkv_bias")


def japanese_start(cfg):
    """``(model_config, params)`` of a Japanese GPT-2 (``japanese_gpt2``) to fine-tune;
    ``params["lm_head"]`` holds its output head when that is not tied."""
    from .errors import DownloadError
    from .japanese_gpt2 import JapaneseGPT2Error, local_folder, read_japanese_gpt2

    try:
        parts = read_japanese_gpt2(local_folder(cfg["init_from"], cfg["models_dir"]))
    except (JapaneseGPT2Error, DownloadError, OSError) as err:
        raise TrainError(one_line(err)) from None
    n_ctx = parts.config["context_length"]
    if cfg["context_length"] > n_ctx:
        raise TrainError(_("--context-length {context_length} exceeds the model's {n_ctx} "
                           "positions").format(context_length=cfg["context_length"], n_ctx=n_ctx))
    params = dict(parts.params, wpe=np.asarray(parts.params["wpe"])[:cfg["context_length"]])
    if parts.lm_head is not None:
        params["lm_head"] = parts.lm_head
    model_cfg = dict(parts.config, context_length=cfg["context_length"],
                     drop_rate=float(cfg["dropout"]))
    return model_cfg, params


def gpt2_start(cfg, explicit):
    """``(model_config, params)`` to fine-tune GPT-2 of the size in ``--init-from``
    (or a Japanese GPT-2, see ``japanese_start``)."""
    from . import gpt2
    from .assets import DownloadError
    from .config import is_japanese_init

    if is_japanese_init(cfg["init_from"]):
        return japanese_start(cfg)
    size = gpt2.normalize_gpt2_size(cfg["init_from"])
    clash = [k for k in GPT2_SHAPE if k in explicit]
    if clash:
        raise TrainError(_("{clash} cannot be set with --init-from {init_from}: GPT-2 {size} has "
                           "a fixed shape")
                         .format(clash=', '.join(flag(k) for k in clash),
                                 init_from=cfg['init_from'], size=size))
    try:
        params, _where = model_files.verified_gpt2_params(size, cfg["models_dir"])
    except (ImportError, DownloadError, FileNotFoundError, ValueError) as err:
        raise TrainError(one_line(err)) from None
    n_ctx = int(np.shape(params["wpe"])[0])
    if cfg["context_length"] > n_ctx:
        raise TrainError(_("--context-length {context_length} exceeds GPT-2's {n_ctx} positions")
                         .format(context_length=cfg['context_length'], n_ctx=n_ctx))
    # A shorter context keeps the first positions' embeddings.
    params = dict(params, wpe=np.asarray(params["wpe"])[:cfg["context_length"]])
    settings = gpt2.settings_from_params(params, n_head=gpt2.GPT2_CONFIGS[size]["n_heads"])
    model_cfg = gpt2.config_from_settings(settings)
    model_cfg["drop_rate"] = float(cfg["dropout"])
    return model_cfg, params


def build_model(cfg, model_cfg, tie_weights, params=None):
    """The model of ``model_cfg``, with GPT-2's ``params`` loaded if given (and emptied)."""
    from .ch04 import GPTModel
    from .fast import GPTModelFast

    # With GPT-2's weights the model is built on the meta device (no memory, no random
    # initialisation) and filled while the arrays are freed (lean_load).
    try:
        with torch.device("meta") if params is not None else contextlib.nullcontext():
            model = (GPTModelFast if cfg["fast"] else GPTModel)(model_cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise TrainError(_("bad model configuration: {err}")
                         .format(err=err)) from None
    if params is not None:
        from .lean_load import fill_meta_model

        fill_meta_model(model, params)  # also ties the output head; empties params
        if params.get("lm_head") is not None:  # an output head of its own (not tied)
            model.out_head.weight = torch.nn.Parameter(torch.tensor(params["lm_head"]))
    elif tie_weights:
        model.out_head.weight = model.tok_emb.weight
    return model


__all__ = ["build_model", "forward_context", "gpt2_start", "model_config"]
