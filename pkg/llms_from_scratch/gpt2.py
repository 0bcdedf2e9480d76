"""GPT-2's published weights: the one loader (download, read, config).

Two routes lead to the same nested dict of NumPy arrays ``params`` (layout in
``gpt2_formats``), which ``ch05.load_weights_into_gpt`` copies into a
``GPTModel``: OpenAI's original TensorFlow checkpoints (reading them needs
TensorFlow: ``pip install "llms-from-scratch[tensorflow]"``), or Hugging
Face's ``model.safetensors`` copies of the same weights (only the small
``safetensors`` package). This module downloads the files and gathers the
public names of both in one place.
"""

import importlib.util
import json
import sys
from pathlib import Path

from .assets import download_file
from .catalog import GPT2_MODEL_FILES, GPT2_MODELS_URL, cache_dir
from .errors import DownloadError, one_line
from .gpt2_formats import (
    GPT2_CONFIGS,
    GPT2_SIZES,
    config_from_settings,
    gpt2_config,
    list_tf_checkpoint_variables,
    load_gpt2_params_from_safetensors,
    load_gpt2_params_from_tf_ckpt,
    normalize_gpt2_size,
    save_gpt2_tf_checkpoint,
    settings_from_params,
    tensorflow_installed,
    tf_install_hint,
)
from .hub import hub_file
from .i18n import _

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


def gpt2_params(size, models_dir=None):
    """``(params, where)``: OpenAI's GPT-2 weights of ``size`` as the nested dict
    of NumPy arrays that ``ch05.load_weights_into_gpt`` copies into a ``GPTModel``.

    OpenAI's TensorFlow checkpoint is read where it was downloaded and
    TensorFlow is installed; otherwise Hugging Face's safetensors copy is
    fetched into the cache. ``where`` names the files read.
    """
    folder = Path(models_dir or cache_dir() / "gpt2") / size
    if all((folder / name).exists() for name in GPT2_MODEL_FILES) \
            and importlib.util.find_spec("tensorflow") is not None:
        return load_gpt2_params_from_tf_ckpt(folder, read_hparams(folder)), folder
    path = download_gpt2_safetensors(size, models_dir, progress=sys.stderr.isatty())
    return load_gpt2_params_from_safetensors(path), path


__all__ = ["GPT2_CONFIGS", "GPT2_HF_REPOS", "GPT2_HF_URL", "GPT2_MODEL_FILES", "GPT2_MODELS_URL",
           "GPT2_SIZES", "config_from_settings", "download_and_load_gpt2", "download_gpt2_files",
           "download_gpt2_safetensors", "gpt2_config", "gpt2_params",
           "list_tf_checkpoint_variables", "load_gpt2_params_from_safetensors",
           "load_gpt2_params_from_tf_ckpt",
           "normalize_gpt2_size", "read_hparams", "save_gpt2_tf_checkpoint",
           "settings_from_params"]
