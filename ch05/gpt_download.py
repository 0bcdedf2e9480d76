# Generated from the package llms_from_scratch (hub, gpt2_formats, gpt2).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: GPT-2 の公開済みの重みのダウンロードと読み込み（形式の読み書きも含む）。
# ノートブックの横で読めるように写したもので、補助のコード（ダウンロード、デバイスの
# 選択、引数のチェックなど）はインストールしたパッケージ llms_from_scratch から読み込みます。

import contextlib
import importlib.util
import json
import logging
import os
import re
import socket
import sys
import urllib.parse
from pathlib import Path

import numpy as np

from llms_from_scratch.assets import download_file
from llms_from_scratch.catalog import GPT2_MODEL_FILES, GPT2_MODELS_URL, cache_dir
from llms_from_scratch.errors import DownloadError, one_line
from llms_from_scratch.i18n import _


# ============================================================================
# llms_from_scratch.hub: Files from the Hugging Face Hub, through its own client ``huggingface_hub``. (only hub_file and what it uses)
# ============================================================================

@contextlib.contextmanager
def _quiet_hub(progress):
    """No retry warnings from the Hub's client (our error says it all), and a bar only
    when ``progress``."""
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    logger = logging.getLogger("huggingface_hub")
    level, bars_were_off = logger.level, are_progress_bars_disabled()
    logger.setLevel(logging.ERROR)
    if not progress:
        disable_progress_bars()
    try:
        yield
    finally:
        logger.setLevel(level)
        if not progress and not bars_were_off:
            enable_progress_bars()


def hub_file(repo, filename, local_dir=None, progress=True):
    """The path of ``filename`` of Hub repository ``repo`` (revision ``main``), downloaded
    if needed: into ``local_dir`` when given, else into the Hugging Face cache. A file
    already there is used without a request; failures raise a one-line ``DownloadError``."""
    from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache

    if local_dir is not None and (local_dir / filename).is_file():
        return local_dir / filename
    cached = try_to_load_from_cache(repo, filename) if local_dir is None else None
    if isinstance(cached, str):
        return Path(cached)
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    offline = constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").upper() in {
        "1", "ON", "YES", "TRUE"}
    try:
        with _quiet_hub(progress):
            return Path(hf_hub_download(repo, filename, local_dir=local_dir, endpoint=endpoint,
                                        local_files_only=offline))
    except OSError as err:  # the Hub client's errors are OSErrors
        url = f"{endpoint}/{repo}/resolve/main/{filename}"
        where = local_dir / filename if local_dir is not None else None
        raise _hub_error(err, url, where, offline) from None


def _reason(cause, url):
    """What went wrong with the connection, in words."""
    if isinstance(cause, socket.gaierror):
        host = urllib.parse.urlsplit(url).hostname
        return _("the host name {host} cannot be resolved ({one_line}); there may be no network "
                 "connection, or the DNS does not answer").format(host=host,
                                                                  one_line=one_line(cause))
    if isinstance(cause, ConnectionRefusedError):
        return _("the connection was refused (no network, or the server is down)")
    if isinstance(cause, TimeoutError):
        return _("the server did not answer in time (timed out)")
    return one_line(cause)


def _hub_error(err, url, where, offline):
    """A one-line ``DownloadError`` for a failed Hub download, in the reader's language."""
    if where is not None:
        by_hand = _("To work offline, {what} on a machine with internet and place it at "
                    "{dest}").format(what=_("download {url}").format(url=url), dest=where)
    else:
        by_hand = _("To work offline, download {url} elsewhere and pass its folder as "
                    "models_dir (--models-dir) with the file at <size>/model.safetensors"
                    ).format(url=url)
    if offline:
        reason = _("it is not cached and the Hub's offline mode is on (HF_HUB_OFFLINE)")
        advice = _("Unset HF_HUB_OFFLINE on a machine with internet and run again.")
    else:
        cause = err
        while cause.__cause__ is not None or cause.__context__ is not None:
            cause = cause.__cause__ or cause.__context__
        status = getattr(getattr(err, "response", None), "status_code", None)
        reason = (_("the Hub answered HTTP {status}").format(status=status) if status
                  else _reason(cause, url))
        advice = (_("Check the model name, or update llms-from-scratch.") if status and status < 500
                  else _("Check the internet connection (and proxy settings) and run the "
                         "command again{resume}.").format(resume=""))
    message = _("could not download {url}: {reason}. {advice} {hint}.").format(
        url=url, reason=reason, advice=advice, hint=by_hand)
    return DownloadError(message, url=url, reason=reason, advice=advice)


# ============================================================================
# llms_from_scratch.gpt2_formats: GPT-2's weight formats: OpenAI's TensorFlow checkpoints and Hugging Face's safetensors. (only GPT2_CONFIGS, config_from_settings, list_tf_checkpoint_variables, load_gpt2_params_from_safetensors, load_gpt2_params_from_tf_ckpt, normalize_gpt2_size, save_gpt2_tf_checkpoint, tensorflow_installed, tf_install_hint and what it uses)
# ============================================================================

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


# ============================================================================
# llms_from_scratch.gpt2: GPT-2's published weights: the one loader (download, read, config). (only GPT2_HF_REPOS, GPT2_HF_URL, download_and_load_gpt2, download_gpt2_safetensors, read_hparams and what it uses)
# ============================================================================

# Hugging Face's copies of the same weights, one repository per size.
GPT2_HF_REPOS = {
    "124M": "openai-community/gpt2",
    "355M": "openai-community/gpt2-medium",
    "774M": "openai-community/gpt2-large",
    "1558M": "openai-community/gpt2-xl",
}
GPT2_HF_URL = "https://huggingface.co/{repo}/resolve/main/model.safetensors"


def download_gpt2_safetensors(model_size, models_dir=None, url=None, progress=True):
    """Fetch Hugging Face's ``model.safetensors`` of a GPT-2 size; return its path.

    The download goes through ``hub.hub_file``. With ``models_dir`` the file is
    stored as ``models_dir/<size>/model.safetensors``; without it, in the
    reader's Hugging Face cache. ``url`` fetches it from another address with
    the package's own download instead. Failures raise ``DownloadError``.
    """
    size = normalize_gpt2_size(model_size)
    local_dir = Path(models_dir) / size if models_dir is not None else None
    if url is None:
        return hub_file(GPT2_HF_REPOS[size], "model.safetensors", local_dir, progress)
    dest = (local_dir or cache_dir() / "gpt2" / size) / "model.safetensors"
    if not dest.exists():
        download_file(url, dest, progress=progress, desc=f"{size}/model.safetensors")
    return dest


def download_gpt2_files(model_size, models_dir=None, base_url=None, progress=True):
    """Fetch OpenAI's files of one GPT-2 size into ``models_dir/<size>/``.

    Files already present are kept. ``models_dir`` defaults to the ``gpt2``
    folder of the package's cache. Returns the folder.
    """
    size = normalize_gpt2_size(model_size)
    base_url = (base_url or GPT2_MODELS_URL).rstrip("/")
    model_dir = Path(models_dir if models_dir is not None else cache_dir() / "gpt2") / size
    for name in GPT2_MODEL_FILES:
        dest = model_dir / name
        if dest.exists():
            continue
        try:
            download_file(f"{base_url}/{size}/{name}", dest, progress=progress,
                          desc=f"{size}/{name}")
        except (OSError, ValueError) as err:  # the one failure, then every file it takes
            raise DownloadError(_("{error} GPT-2 {size} needs all {count} files in {folder}: "
                                  "{names} (each from {url}/)")
                                .format(error=one_line(err), size=size,
                                        count=len(GPT2_MODEL_FILES), folder=model_dir,
                                        names=", ".join(GPT2_MODEL_FILES),
                                        url=f"{base_url}/{size}")) from None
    return model_dir


def read_hparams(model_dir):
    """The settings in ``model_dir/hparams.json`` as a dict."""
    path = Path(model_dir) / "hparams.json"
    if not path.is_file():
        raise FileNotFoundError(_("no hparams.json in {folder}; the checkpoint folder is "
                                  "incomplete: download it again (llms-from-scratch download "
                                  "gpt2-124M, or the size you use)").format(folder=model_dir))
    try:
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(_("{path} is not valid JSON ({error}); delete it and download again")
                         .format(path=path, error=one_line(err))) from None
    if not isinstance(settings, dict):
        raise ValueError(_("{path} must hold a JSON object of settings (n_vocab, n_ctx, "
                           "n_embd, n_head, n_layer); delete it and download again")
                         .format(path=path))
    return settings


def download_and_load_gpt2(model_size, models_dir=None, base_url=None, progress=True):
    """Download (if needed) and read OpenAI's GPT-2 checkpoint of ``model_size``.

    Returns ``(settings, params)``: the ``hparams.json`` dict and the nested
    NumPy dict described in this module's docstring. Needs TensorFlow.
    """
    size = normalize_gpt2_size(model_size)
    if not tensorflow_installed():  # say so before downloading hundreds of megabytes
        raise ImportError(tf_install_hint())
    model_dir = download_gpt2_files(size, models_dir, base_url, progress)
    settings = read_hparams(model_dir)
    params = load_gpt2_params_from_tf_ckpt(model_dir, settings)
    return settings, params
