"""GPT-2's sizes and configs, and the layout of its weights as NumPy arrays.

Both routes to GPT-2's published weights (``gpt2_tf``: OpenAI's TensorFlow
checkpoints; ``gpt2_hf``: Hugging Face's safetensors files) return the same
nested dict ``params``, which ``ch05.load_weights_into_gpt`` copies into a
``GPTModel``. ``params`` has the layout of OpenAI's checkpoint::

    {"wte": (vocab, emb), "wpe": (ctx, emb), "g": (emb,), "b": (emb,),   # g, b: final LayerNorm
     "blocks": [{"attn": {"c_attn": {"w": (emb, 3*emb), "b": (3*emb,)},
                          "c_proj": {"w": (emb, emb), "b": (emb,)}},
                 "mlp": {"c_fc": {"w": (emb, 4*emb), "b": ...},
                         "c_proj": {"w": (4*emb, emb), "b": ...}},
                 "ln_1": {"g": ..., "b": ...}, "ln_2": {"g": ..., "b": ...}}, ...]}

Weight matrices are (in, out), as GPT-2's Conv1D layers store them.
"""

import numpy as np

GPT2_SIZES = ("124M", "355M", "774M", "1558M")

_GPT2_SHAPES = {  # size: (emb_dim, n_layers, n_heads)
    "124M": (768, 12, 12),
    "355M": (1024, 24, 16),
    "774M": (1280, 36, 20),
    "1558M": (1600, 48, 25),
}

GPT2_CONFIGS = {
    size: {
        "vocab_size": 50257,
        "context_length": 1024,
        "emb_dim": emb_dim,
        "n_layers": n_layers,
        "n_heads": n_heads,
        "drop_rate": 0.0,
        "qkv_bias": True,
    }
    for size, (emb_dim, n_layers, n_heads) in _GPT2_SHAPES.items()
}


def normalize_gpt2_size(model_size):
    """``"124M"``, ``"gpt2-124M"`` or ``"124m"`` -> ``"124M"``; ValueError otherwise."""
    text = str(model_size).strip()
    if text.lower().startswith("gpt2-"):
        text = text[len("gpt2-"):]
    text = text.upper()
    if text not in GPT2_SIZES:
        raise ValueError(f"unknown GPT-2 size {model_size!r}; valid sizes: "
                         f"{', '.join(GPT2_SIZES)}")
    return text


def gpt2_config(model_size, **overrides):
    """A fresh ``GPTModel`` config for a GPT-2 size, with ``overrides`` applied.

    ``gpt2_config("124M", context_length=256)`` shortens the context, for example.
    """
    cfg = dict(GPT2_CONFIGS[normalize_gpt2_size(model_size)])
    unknown = sorted(set(overrides) - set(cfg))
    if unknown:
        raise ValueError(f"unknown config keys {', '.join(unknown)}; a GPT config has "
                         f"{', '.join(cfg)}")
    cfg.update(overrides)
    return cfg


def config_from_settings(settings):
    """A ``GPTModel`` config from OpenAI's ``hparams.json`` settings."""
    missing = [k for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")
               if k not in settings]
    if missing:
        raise ValueError(f"the GPT-2 settings lack {', '.join(missing)}; hparams.json "
                         "needs n_vocab, n_ctx, n_embd, n_head and n_layer")
    return {
        "vocab_size": int(settings["n_vocab"]),
        "context_length": int(settings["n_ctx"]),
        "emb_dim": int(settings["n_embd"]),
        "n_layers": int(settings["n_layer"]),
        "n_heads": int(settings["n_head"]),
        "drop_rate": 0.0,
        "qkv_bias": True,
    }


def settings_from_params(params, n_head=None):
    """OpenAI-style settings inferred from the array shapes of ``params``.

    The number of heads is not visible in the shapes; it is taken from the
    GPT-2 size with the same width unless ``n_head`` is given.
    """
    n_vocab, n_embd = np.shape(params["wte"])
    if n_head is None:
        by_width = {emb: heads for emb, _, heads in _GPT2_SHAPES.values()}
        if n_embd not in by_width:
            raise ValueError(f"cannot tell the number of heads of a model {n_embd} wide "
                             "(not a GPT-2 size); give n_head explicitly")
        n_head = by_width[n_embd]
    return {"n_vocab": int(n_vocab), "n_ctx": int(np.shape(params["wpe"])[0]),
            "n_embd": int(n_embd), "n_head": int(n_head), "n_layer": len(params["blocks"])}


def _first_line(err):
    return (str(err).strip() or type(err).__name__).splitlines()[0]


def _set_nested(tree, keys, value):
    for key in keys[:-1]:
        tree = tree.setdefault(key, {})
    tree[keys[-1]] = value


_EXPECTED_BLOCK_KEYS = ("attn/c_attn/w", "attn/c_attn/b", "attn/c_proj/w", "attn/c_proj/b",
                        "mlp/c_fc/w", "mlp/c_fc/b", "mlp/c_proj/w", "mlp/c_proj/b",
                        "ln_1/g", "ln_1/b", "ln_2/g", "ln_2/b")


def _check_complete(params, n_layer, where):
    missing = [k for k in ("wte", "wpe", "g", "b") if k not in params]
    for i, block in enumerate(params["blocks"]):
        for key in _EXPECTED_BLOCK_KEYS:
            node = block
            for part in key.split("/"):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                missing.append(f"h{i}/{key}")
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"{where} lacks {len(missing)} GPT-2 weights ({shown}); it is "
                         "incomplete or not a GPT-2 checkpoint: download it again")
    if n_layer is not None and len(params["blocks"]) != n_layer:
        raise ValueError(f"{where} has {len(params['blocks'])} blocks but the settings "
                         f"say n_layer = {n_layer}")
