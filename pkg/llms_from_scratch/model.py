"""The model a training run trains: its config, GPT-2's weights, and its forward pass.

``model_config`` is the ``GPTModel`` config of a run from scratch;
``gpt2_start`` the config and OpenAI's weights for ``--init-from gpt2-*``
(read by ``checkpoint.gpt2_params``, the one GPT-2 weight loader);
``build_model`` builds ``ch04.GPTModel`` or, with ``--fast``,
``fast.GPTModelFast`` (the same weights); ``forward_context`` is the autocast
(and attention kernel) of every forward pass.
"""

import contextlib

import numpy as np
import torch

from . import amp, checkpoint
from .config import TrainError, flag
from .errors import one_line


def forward_context(cfg, device):
    """Autocast, plus the attention that is fastest for the case.

    On CPUs under bfloat16, ``GPTModelFast`` spells attention out
    (``fast.explicit_attention``): for the book's small heads that beat every
    kernel of ``scaled_dot_product_attention`` (27.6 against 34.0 ms per
    training step of the CPU recipe with its "math" backend, and flash
    attention was slower still, measured here).
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


def gpt2_start(cfg, explicit):
    """``(model_config, params)`` to fine-tune GPT-2 of the size in ``--init-from``."""
    from . import gpt2
    from .assets import DownloadError

    size = gpt2.normalize_gpt2_size(cfg["init_from"])
    clash = [k for k in GPT2_SHAPE if k in explicit]
    if clash:
        raise TrainError(f"{', '.join(flag(k) for k in clash)} cannot be set with "
                         f"--init-from {cfg['init_from']}: GPT-2 {size} has a fixed shape")
    try:
        params, _ = checkpoint.gpt2_params(size, cfg["models_dir"])
    except (ImportError, DownloadError, FileNotFoundError, ValueError) as err:
        raise TrainError(one_line(err)) from None
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
    """The model of ``model_cfg``, with GPT-2's ``params`` loaded if given (and emptied)."""
    from .ch04 import GPTModel
    from .fast import GPTModelFast

    # With GPT-2's weights the model is built on the meta device (no memory, no random
    # initialisation) and filled while the arrays are freed (lean_load).
    try:
        with torch.device("meta") if params is not None else contextlib.nullcontext():
            model = (GPTModelFast if cfg["fast"] else GPTModel)(model_cfg)
    except (TypeError, ValueError, KeyError) as err:
        raise TrainError(f"bad model configuration: {err}") from None
    if params is not None:
        from .lean_load import fill_meta_model

        fill_meta_model(model, params)  # also ties the output head; empties params
    elif tie_weights:
        model.out_head.weight = model.tok_emb.weight
    return model


__all__ = ["build_model", "forward_context", "gpt2_start", "model_config"]
