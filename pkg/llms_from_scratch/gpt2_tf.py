"""OpenAI's TensorFlow checkpoints of GPT-2: read, list and write them.

Reading needs TensorFlow (``pip install "llms-from-scratch[tensorflow]"``),
imported lazily and kept quiet. ``save_gpt2_tf_checkpoint`` writes a
``params`` dict (see ``gpt2_layout``) back in OpenAI's layout, so that small
checkpoints can be built and tested offline.
"""

import contextlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import numpy as np

from .gpt2_layout import _EXPECTED_BLOCK_KEYS, _check_complete, _first_line, _set_nested

_TF_INSTALL_HINT = (
    'reading OpenAI\'s TensorFlow checkpoints needs TensorFlow: pip install '
    '"llms-from-scratch[tensorflow]" (or pip install tensorflow). Without TensorFlow, '
    "use the safetensors route: download_gpt2_safetensors() and "
    "load_gpt2_params_from_safetensors()"
)


# -- OpenAI's TensorFlow checkpoints -------------------------------------------------------


def _tensorflow_installed():
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):  # e.g. sys.modules["tensorflow"] is None
        return False


@contextlib.contextmanager
def _tensorflow():
    """Import TensorFlow (lazily: it is big and optional) and keep it quiet.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences most of TensorFlow's C++ logging, but
    recent versions still write start-up lines (oneDNN, CUDA drivers) straight
    to file descriptor 2, which notebooks would show in their outputs. While
    TensorFlow works here, that descriptor points at the null device, unless
    the user set ``TF_CPP_MIN_LOG_LEVEL`` below 3 to see the logs. Python
    exceptions are unaffected.
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
            raise ImportError(_TF_INSTALL_HINT) from err
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
        raise FileNotFoundError(f"no TensorFlow checkpoint at {path} (expected "
                                f"{path}.index and {path}.data-*); download it again")
    return str(path)


def load_gpt2_params_from_tf_ckpt(ckpt_path, settings):
    """Read an OpenAI GPT-2 TensorFlow checkpoint into the nested NumPy dict.

    ``ckpt_path`` is the checkpoint prefix (``.../model.ckpt``) or its folder.
    Conv1D weights, stored as (1, in, out), come back as (in, out).
    """
    try:
        n_layer = int(settings["n_layer"])
    except (KeyError, TypeError, ValueError):
        raise ValueError("the settings need an integer n_layer (from hparams.json); "
                         "read them with read_hparams(folder)") from None
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
            raise ValueError(f"cannot read the TensorFlow checkpoint {prefix} "
                             f"({_first_line(err)}); it is truncated or corrupt: delete it "
                             "and download again") from None
    params = {"blocks": [{} for _ in range(n_layer)]}
    for name, array in arrays.items():
        parts = name.split("/")[1:]  # "model/h0/attn/c_attn/w" -> ["h0", "attn", ...]
        if parts[-1] == "w" and array.ndim == 3 and array.shape[0] == 1:
            array = array[0]  # Conv1D weight (1, in, out) -> (in, out)
        block = re.fullmatch(r"h(\d+)", parts[0])
        if block:
            index = int(block.group(1))
            if index >= n_layer:
                raise ValueError(f"{prefix} has block {name} but the settings say "
                                 f"n_layer = {n_layer}; hparams.json does not match")
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

    ``out_dir`` gets ``model.ckpt.{index,data-00000-of-00001,meta}``, a
    ``checkpoint`` file and ``hparams.json``, like OpenAI's downloads (minus
    the tokenizer files). Returns the checkpoint prefix. Needs TensorFlow.
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
