# Generated from the package llms_from_scratch (gpt2).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: GPT-2 の公開済みの重みをダウンロードして読み込むコード。ノートブックがこのフォルダだけで動くようにするためのものです。

from pathlib import Path
import importlib.util
import json
import sys

from gpt2_formats import GPT2_CONFIGS, GPT2_SIZES, _first_line, config_from_settings, gpt2_config, normalize_gpt2_size, settings_from_params
from gpt2_formats import GPT2_HF_REPOS, GPT2_HF_URL, download_gpt2_safetensors, load_gpt2_params_from_safetensors
from gpt2_formats import _TF_INSTALL_HINT, _tensorflow_installed, list_tf_checkpoint_variables, load_gpt2_params_from_tf_ckpt, save_gpt2_tf_checkpoint
from previous_chapters import GPT2_MODEL_FILES, GPT2_MODELS_URL, cache_dir
from previous_chapters import download_file


# ============================================================================
# llms_from_scratch.gpt2: GPT-2's published weights: download them and read them into NumPy arrays.
# ============================================================================

def download_gpt2_files(model_size, models_dir=None, base_url=None, progress=True):
    """Fetch OpenAI's files of one GPT-2 size into ``models_dir/<size>/``.

    Files already present are kept. ``models_dir`` defaults to the ``gpt2``
    folder of the package's cache (where ``llms-from-scratch download
    gpt2-124M`` puts them). Returns the folder.
    """
    size = normalize_gpt2_size(model_size)
    base_url = (base_url or GPT2_MODELS_URL).rstrip("/")
    model_dir = Path(models_dir if models_dir is not None else cache_dir() / "gpt2") / size
    for name in GPT2_MODEL_FILES:
        dest = model_dir / name
        if not dest.exists():
            download_file(f"{base_url}/{size}/{name}", dest, progress=progress,
                          desc=f"{size}/{name}")
    return model_dir


def read_hparams(model_dir):
    """The settings in ``model_dir/hparams.json`` as a dict."""
    path = Path(model_dir) / "hparams.json"
    if not path.is_file():
        raise FileNotFoundError(f"no hparams.json in {model_dir}; the checkpoint folder is "
                                "incomplete: download it again (llms-from-scratch download "
                                "gpt2-124M, or the size you use)")
    try:
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON ({_first_line(err)}); delete it and "
                         "download again") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{path} must hold a JSON object of settings (n_vocab, n_ctx, "
                         "n_embd, n_head, n_layer); delete it and download again")
    return settings


def download_and_load_gpt2(model_size, models_dir=None, base_url=None, progress=True):
    """Download (if needed) and read OpenAI's GPT-2 checkpoint of ``model_size``.

    Returns ``(settings, params)``: the ``hparams.json`` dict and the nested
    NumPy dict described in this module's docstring. Needs TensorFlow.
    """
    size = normalize_gpt2_size(model_size)
    if not _tensorflow_installed():  # say so before downloading hundreds of megabytes
        raise ImportError(_TF_INSTALL_HINT)
    model_dir = download_gpt2_files(size, models_dir, base_url, progress)
    settings = read_hparams(model_dir)
    params = load_gpt2_params_from_tf_ckpt(model_dir, settings)
    return settings, params


def gpt2_params(size, models_dir=None):
    """``(params, where)``: OpenAI's GPT-2 weights of ``size`` as the nested dict
    of NumPy arrays that ``ch05.load_weights_into_gpt`` copies into a ``GPTModel``.

    The one GPT-2 weight loader: the package's ``generate --model gpt2-124M``
    and ``train --init-from`` read through it (``model_files`` checks the
    weights). OpenAI's TensorFlow checkpoint is read where it was downloaded
    and TensorFlow is installed; otherwise Hugging Face's safetensors copy of
    the same weights is fetched into the cache. ``where`` names the files read.
    """
    folder = Path(models_dir or cache_dir() / "gpt2") / size
    if all((folder / name).exists() for name in GPT2_MODEL_FILES) \
            and importlib.util.find_spec("tensorflow") is not None:
        return load_gpt2_params_from_tf_ckpt(folder, read_hparams(folder)), folder
    path = download_gpt2_safetensors(size, models_dir, progress=sys.stderr.isatty())
    return load_gpt2_params_from_safetensors(path), path
