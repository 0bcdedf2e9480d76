"""GPT-2's weight formats: OpenAI's TensorFlow checkpoints and Hugging Face's safetensors.

Both are read into one layout, the nested dict of NumPy arrays ``params``
(OpenAI's names), which ``ch05.load_weights_into_gpt`` copies into a
``GPTModel``::

    {"wte": (vocab, emb), "wpe": (ctx, emb), "g": (emb,), "b": (emb,),   # g, b: final LayerNorm
     "blocks": [{"attn": {"c_attn": {"w": (emb, 3*emb), "b": (3*emb,)},
                          "c_proj": {"w": (emb, emb), "b": (emb,)}},
                 "mlp": {"c_fc": {"w": (emb, 4*emb), "b": ...},
                         "c_proj": {"w": (4*emb, emb), "b": ...}},
                 "ln_1": {"g": ..., "b": ...}, "ln_2": {"g": ..., "b": ...}}, ...]}

Weight matrices are (in, out), as GPT-2's Conv1D layers store them. This
module also holds GPT-2's sizes and configs; it touches no network (the
downloads are in ``gpt2``). Writing a checkpoint lets small ones be built and
tested offline.
"""

import contextlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

from .i18n import _

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
        raise ValueError(_("unknown GPT-2 size {size!r}; valid sizes: {sizes}")
                         .format(size=model_size, sizes=", ".join(GPT2_SIZES)))
    return text


def gpt2_config(model_size, **overrides):
    """A fresh ``GPTModel`` config for a GPT-2 size, with ``overrides`` (e.g.
    ``context_length=256``) applied."""
    cfg = dict(GPT2_CONFIGS[normalize_gpt2_size(model_size)])
    unknown = sorted(set(overrides) - set(cfg))
    if unknown:
        raise ValueError(_("unknown config keys {unknown}; a GPT config has {keys}")
                         .format(unknown=", ".join(unknown), keys=", ".join(cfg)))
    cfg.update(overrides)
    return cfg


def config_from_settings(settings):
    """A ``GPTModel`` config from OpenAI's ``hparams.json`` settings."""
    missing = [k for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")
               if k not in settings]
    if missing:
        raise ValueError(_("the GPT-2 settings lack {missing}; hparams.json needs n_vocab, "
                           "n_ctx, n_embd, n_head and n_layer").format(missing=", ".join(missing)))
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
            raise ValueError(_("cannot tell the number of heads of a model {width} wide (not "
                               "a GPT-2 size); give n_head explicitly").format(width=n_embd))
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
        raise ValueError(_("{where} lacks {count} GPT-2 weights ({shown}); it is incomplete or "
                           "not a GPT-2 checkpoint: download it again")
                         .format(where=where, count=len(missing), shown=shown))
    if n_layer is not None and len(params["blocks"]) != n_layer:
        raise ValueError(_("{where} has {count} blocks but the settings say n_layer = "
                           "{n_layer}").format(where=where, count=len(params["blocks"]),
                                               n_layer=n_layer))


# -- OpenAI's TensorFlow checkpoints -------------------------------------------------------

def tf_install_hint():
    """What to do when TensorFlow is missing, in the reader's language."""
    return _("reading OpenAI's TensorFlow checkpoints needs TensorFlow: pip install "
             '"llms-from-scratch[tensorflow]" (or pip install tensorflow). Without '
             "TensorFlow, use the safetensors route: download_gpt2_safetensors() and "
             "load_gpt2_params_from_safetensors()")


def tensorflow_installed():
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["tensorflow"] is None
        return False


@contextlib.contextmanager
def _tensorflow():
    """Import TensorFlow (lazily: it is big and optional) and keep it quiet.

    Even with ``TF_CPP_MIN_LOG_LEVEL=3`` recent versions write start-up lines
    straight to file descriptor 2, which notebooks would show; so while
    TensorFlow works here, fd 2 points at the null device, unless the user set
    the level below 3. Python exceptions are unaffected.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    quiet = os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    saved = None
    if quiet:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:  # no usable descriptor 2 (some embedded interpreters)
            saved = None
    try:
        try:
            import tensorflow as tf
        except ImportError as err:
            raise ImportError(tf_install_hint()) from err
        yield tf
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def _checkpoint_prefix(path, tf):
    """The ``model.ckpt`` prefix of a checkpoint given as folder or prefix."""
    path = Path(path)
    if path.is_dir():
        latest = tf.train.latest_checkpoint(str(path))
        if latest is None:
            latest = str(path / "model.ckpt")
        path = Path(latest)
    if not Path(str(path) + ".index").exists():
        raise FileNotFoundError(_("no TensorFlow checkpoint at {path} (expected {path}.index "
                                  "and {path}.data-*); download it again").format(path=path))
    return str(path)


def load_gpt2_params_from_tf_ckpt(ckpt_path, settings):
    """Read an OpenAI GPT-2 TensorFlow checkpoint into the nested NumPy dict.

    ``ckpt_path`` is the checkpoint prefix (``.../model.ckpt``) or its folder.
    Conv1D weights, stored as (1, in, out), come back as (in, out).
    """
    try:
        n_layer = int(settings["n_layer"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(_("the settings need an integer n_layer (from hparams.json); read "
                           "them with read_hparams(folder)")) from None
    with _tensorflow() as tf:
        prefix = _checkpoint_prefix(ckpt_path, tf)
        try:
            reader = tf.train.load_checkpoint(prefix)
            # Other variables (e.g. optimizer state of a training checkpoint) are skipped.
            arrays = {name: reader.get_tensor(name)
                      for name, _shape in tf.train.list_variables(prefix)
                      if name.startswith("model/")}
        except (tf.errors.OpError, IndexError, RuntimeError, ValueError, OSError) as err:
            # A short data file surfaces as IndexError, a damaged index as an OpError.
            raise ValueError(_("cannot read the TensorFlow checkpoint {prefix} ({error}); it "
                               "is truncated or corrupt: delete it and download again")
                             .format(prefix=prefix, error=_first_line(err))) from None
    params = {"blocks": [{} for _ in range(n_layer)]}
    for name, array in arrays.items():
        parts = name.split("/")[1:]  # "model/h0/attn/c_attn/w" -> ["h0", "attn", ...]
        if parts[-1] == "w" and array.ndim == 3 and array.shape[0] == 1:
            array = array[0]  # Conv1D weight (1, in, out) -> (in, out)
        block = re.fullmatch(r"h(\d+)", parts[0])
        if block:
            index = int(block.group(1))
            if index >= n_layer:
                raise ValueError(_("{prefix} has block {name} but the settings say n_layer = "
                                   "{n_layer}; hparams.json does not match")
                                 .format(prefix=prefix, name=name, n_layer=n_layer))
            _set_nested(params["blocks"][index], parts[1:], array)
        elif parts == ["ln_f", "g"] or parts == ["ln_f", "b"]:
            params[parts[1]] = array
        else:
            _set_nested(params, parts, array)
    _check_complete(params, n_layer, prefix)
    return params


def list_tf_checkpoint_variables(ckpt_path):
    """``[(name, shape), ...]`` of a TensorFlow checkpoint (prefix or folder), sorted."""
    with _tensorflow() as tf:
        prefix = _checkpoint_prefix(ckpt_path, tf)
        return [(name, tuple(shape)) for name, shape in tf.train.list_variables(prefix)]


def save_gpt2_tf_checkpoint(params, settings, out_dir):
    """Write ``params`` as a TensorFlow checkpoint with OpenAI's variable names.

    ``out_dir`` gets ``model.ckpt.*``, ``checkpoint`` and ``hparams.json``, as
    OpenAI's downloads have. Returns the checkpoint prefix. Needs TensorFlow.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_layer = int(settings["n_layer"])
    _check_complete(params, n_layer, "params")

    arrays = {"model/wte": params["wte"], "model/wpe": params["wpe"],
              "model/ln_f/g": params["g"], "model/ln_f/b": params["b"]}
    for i, block in enumerate(params["blocks"]):
        for key in _EXPECTED_BLOCK_KEYS:
            node = block
            for part in key.split("/"):
                node = node[part]
            array = np.asarray(node, dtype=np.float32)
            if key.endswith("/w"):
                array = array[np.newaxis]  # (in, out) -> (1, in, out), as OpenAI stores it
            arrays[f"model/h{i}/{key}"] = array

    # Graph mode with the v1 Saver keeps the variable names exactly as given
    # (tf.train.Checkpoint would store object paths instead). Values are fed
    # through placeholders so the .meta graph does not embed the weights.
    with _tensorflow() as tf:
        graph = tf.Graph()
        with graph.as_default():
            variables, feeds, assigns = {}, {}, []
            for name, array in arrays.items():
                array = np.asarray(array, dtype=np.float32)
                var = tf.compat.v1.get_variable(name, shape=array.shape, dtype=tf.float32,
                                                initializer=tf.compat.v1.zeros_initializer())
                holder = tf.compat.v1.placeholder(tf.float32, shape=array.shape)
                assigns.append(var.assign(holder))
                variables[name] = var
                feeds[holder] = array
            saver = tf.compat.v1.train.Saver(var_list=variables)
            with tf.compat.v1.Session(graph=graph) as session:
                session.run(assigns, feed_dict=feeds)
                prefix = saver.save(session, str(out_dir / "model.ckpt"),
                                    write_meta_graph=True, write_state=False)
    # A relative path, as in OpenAI's files, so the folder can be moved.
    (out_dir / "checkpoint").write_text(
        'model_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n',
        encoding="utf-8")
    hparams = {k: int(settings[k]) for k in ("n_vocab", "n_ctx", "n_embd", "n_head", "n_layer")}
    (out_dir / "hparams.json").write_text(json.dumps(hparams, indent=2) + "\n",
                                          encoding="utf-8")
    return prefix


# -- Hugging Face's safetensors files (no TensorFlow needed) ------------------------------


_HF_NAMES = {"weight": "w", "bias": "b"}
_HF_NORM_NAMES = {"weight": "g", "bias": "b"}


def load_gpt2_params_from_safetensors(path):
    """Read a Hugging Face GPT-2 ``model.safetensors`` into the nested NumPy dict.

    Hugging Face's Conv1D already stores weights as (in, out). Arrays come back
    as float32.
    """
    try:
        from safetensors import safe_open
    except ImportError as err:
        raise ImportError(_("reading .safetensors files needs the safetensors package: pip "
                            "install safetensors")) from err
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(_("no safetensors file at {path}; check the path, or download "
                                  "the weights again (download_gpt2_safetensors)")
                                .format(path=path))
    try:
        handle = safe_open(str(path), framework="pt")
    except Exception as err:  # the library raises its own error types for bad headers
        what = (_("{path} is empty") if path.stat().st_size == 0
                else _("{path} is not a readable safetensors file")).format(path=path)
        raise ValueError(_("{what} ({error}); it is truncated or corrupt: delete it and "
                           "download it again").format(what=what, error=_first_line(err))) from None

    def read(key):
        try:
            return handle.get_tensor(key).float().numpy()
        except Exception as err:  # safetensors' own error type for truncated data
            raise ValueError(_("cannot read {key!r} from {path} ({error}); the file is "
                               "truncated or corrupt: delete it and download it again")
                             .format(key=key, path=path, error=_first_line(err))) from None

    with handle:
        return params_from_hf_tensors(list(handle.keys()), read, path)


def params_from_hf_tensors(keys, read, where):
    """The nested ``params`` of Hugging Face GPT-2 tensors: ``keys`` and ``read(key)``.

    ``read`` returns a tensor as a float32 NumPy array; the causal-mask
    buffers and ``lm_head.weight`` (tied to ``wte`` in GPT-2) are skipped.
    """
    params = {"blocks": []}
    blocks = {}
    for key in keys:
        name = key[len("transformer."):] if key.startswith("transformer.") else key
        parts = name.split(".")
        if parts[-1] == "masked_bias" or parts[-2:] == ["attn", "bias"]:
            continue  # causal-mask buffers, not weights
        if parts[0] == "lm_head":
            continue  # tied to wte in GPT-2
        if parts[0] in ("wte", "wpe") and parts[1:] == ["weight"]:
            params[parts[0]] = read(key)
        elif parts[0] == "ln_f" and len(parts) == 2:
            params[_HF_NORM_NAMES[parts[1]]] = read(key)
        elif parts[0] == "h" and len(parts) >= 4:
            block = blocks.setdefault(int(parts[1]), {})
            inner = parts[2:-1]
            leaf = (_HF_NORM_NAMES if inner[0].startswith("ln_") else _HF_NAMES).get(parts[-1])
            if leaf is None:
                raise ValueError(_("{where} has an unexpected tensor {key!r}; is it a GPT-2 "
                                   "model?").format(where=where, key=key))
            _set_nested(block, [*inner, leaf], read(key))
        else:
            raise ValueError(_("{where} has an unexpected tensor {key!r}; is it a GPT-2 "
                               "model?").format(where=where, key=key))
    if blocks and sorted(blocks) != list(range(len(blocks))):
        raise ValueError(_("{where} has blocks {blocks}; expected 0..{last}")
                         .format(where=where, blocks=sorted(blocks), last=len(blocks) - 1))
    params["blocks"] = [blocks[i] for i in range(len(blocks))]
    _check_complete(params, None, str(where))
    return params
