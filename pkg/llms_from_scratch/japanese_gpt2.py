"""Japanese GPT-2 weights (rinna's) in the book's ``GPTModel``, with their SentencePiece tokenizer.

rinna's japanese-gpt2-small and -medium are ``transformers``'
``GPT2LMHeadModel`` with a 32,000-piece SentencePiece vocabulary, so their
weights have GPT-2's names and ``gpt2_formats.params_from_hf_tensors`` reads
them. A model comes from a folder in the Hub's layout (``config.json``,
``model.safetensors`` or ``pytorch_model.bin``, ``spiece.model``, optionally
``tokenizer_config.json``) or from a Hub repository such as
``rinna/japanese-gpt2-small``, fetched into that layout through ``hub``.
"""

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import UserError, one_line
from .i18n import _
from .sp_tokenizer import SPIECE_FILE, SentencePieceTokenizer

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_MARKERS = (SPIECE_FILE, "pytorch_model.bin", "tokenizer_config.json")


class JapaneseGPT2Error(UserError):
    """A folder or repository that cannot be loaded; the message says what to do."""


@dataclass
class JapaneseGPT2:
    """What a folder holds: the ``GPTModel`` config, GPT-2 ``params``, the head, the tokenizer."""

    config: dict
    params: dict
    lm_head: object  # an (vocab, emb) array when the output head is not tied, else None
    tokenizer: SentencePieceTokenizer
    folder: Path


def is_japanese_gpt2_folder(path):
    """Whether ``path`` is a folder in the Hub's layout for a SentencePiece GPT-2."""
    path = Path(path)
    if not path.is_dir() or (path / "hparams.json").exists():
        return False
    if any((path / name).exists() for name in _MARKERS):
        return True
    try:  # GPT-2's own Hugging Face folder has config.json too, with GPT-2's vocabulary
        vocab_size = json.loads((path / "config.json").read_text(encoding="utf-8"))["vocab_size"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return vocab_size != 50257


_FILE_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".json", ".ckpt", ".model", ".txt")


def is_repo_id(spec):
    """Whether ``spec`` names a Hub repository (``owner/name``), not a local path or file."""
    spec = str(spec)
    return bool(_REPO_ID.fullmatch(spec)) and Path(spec).suffix not in _FILE_SUFFIXES \
        and not Path(spec).expanduser().exists()


def fetch_repo(repo, models_dir=None, progress=True):
    """The local folder of Hub repository ``repo`` with the files a model needs."""
    from .errors import DownloadError
    from .hub import hub_file

    local_dir = Path(models_dir).expanduser() / repo if models_dir is not None else None
    folder = Path(hub_file(repo, "config.json", local_dir, progress)).parent
    hub_file(repo, SPIECE_FILE, local_dir, progress)
    with contextlib.suppress(DownloadError):  # optional: lower-casing is then on
        hub_file(repo, "tokenizer_config.json", local_dir, progress)
    errors = []
    for name in WEIGHT_FILES:  # rinna's repositories may hold either
        try:
            hub_file(repo, name, local_dir, progress)
            return folder
        except DownloadError as err:
            errors.append(err)
    raise errors[0]


def _read_json(path, required=True):
    if not path.exists() and not required:
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JapaneseGPT2Error(_("{folder} has no {name}; a model folder needs config.json, "
                                  "model.safetensors or pytorch_model.bin and spiece.model")
                                .format(folder=path.parent, name=path.name)) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise JapaneseGPT2Error(_("cannot read {path}: {error}")
                                .format(path=path, error=one_line(err))) from None
    if not isinstance(value, dict):
        raise JapaneseGPT2Error(_("{path} must hold a JSON object").format(path=path))
    return value


def config_from_hf(hf_config, where):
    """The ``GPTModel`` config of a ``GPT2LMHeadModel``'s ``config.json``."""
    try:
        cfg = {"vocab_size": int(hf_config["vocab_size"]),
               "context_length": int(hf_config.get("n_positions", hf_config.get("n_ctx"))),
               "emb_dim": int(hf_config["n_embd"]), "n_heads": int(hf_config["n_head"]),
               "n_layers": int(hf_config["n_layer"]), "drop_rate": 0.0, "qkv_bias": True}
    except (KeyError, TypeError, ValueError) as err:
        raise JapaneseGPT2Error(_("{where} lacks or garbles {key}; it must be the config.json "
                                  "of a GPT-2 model")
                                .format(where=where, key=one_line(err))) from None
    if hf_config.get("model_type", "gpt2") != "gpt2":
        raise JapaneseGPT2Error(_("{where} describes a {model_type!r} model; only GPT-2 models "
                                  "(model_type gpt2) fit the book's GPTModel")
                                .format(where=where, model_type=hf_config["model_type"]))
    # The book's GELU is the tanh approximation and its LayerNorm uses eps 1e-5, as GPT-2's.
    if hf_config.get("activation_function", "gelu_new") != "gelu_new" or \
            float(hf_config.get("layer_norm_epsilon", 1e-5)) != 1e-5:
        raise JapaneseGPT2Error(_("{where}: activation {activation!r}, layer_norm_epsilon "
                                  "{epsilon}; the book's GPTModel has GPT-2's gelu_new and 1e-5")
                                .format(where=where,
                                        activation=hf_config.get("activation_function"),
                                        epsilon=hf_config.get("layer_norm_epsilon")))
    return cfg


def _read_tensors(folder):
    """``(keys, read)`` of the folder's weights: safetensors first, else pytorch_model.bin."""
    path = folder / WEIGHT_FILES[0]
    if path.exists():
        from safetensors import safe_open

        try:
            handle = safe_open(str(path), framework="pt")
            keys = list(handle.keys())
        except Exception as err:  # the library's own error types
            raise JapaneseGPT2Error(_("cannot read {path} ({error}); it is truncated or "
                                      "corrupt: download it again")
                                    .format(path=path, error=one_line(err))) from None
        return keys, lambda key: handle.get_tensor(key).float().numpy(), path
    path = folder / WEIGHT_FILES[1]
    if not path.exists():
        raise JapaneseGPT2Error(_("{folder} has neither model.safetensors nor "
                                  "pytorch_model.bin; download the weights into it")
                                .format(folder=folder))
    import torch

    try:  # tensors and plain containers only: nothing pickled runs
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, corrupt, or holding other Python objects
        raise JapaneseGPT2Error(_("cannot read {path} safely ({error}); download it again")
                                .format(path=path, error=f"{type(err).__name__}: "
                                                         f"{one_line(err)[:120]}")) from None
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise JapaneseGPT2Error(_("{path} holds no state_dict of tensors").format(path=path))
    return list(state), lambda key: state[key].float().numpy(), path


def read_japanese_tokenizer(folder):
    """``(hf_config, GPTModel config, tokenizer)`` of a model folder, weights not read."""
    folder = Path(folder).expanduser()
    hf_config = _read_json(folder / "config.json")
    config = config_from_hf(hf_config, folder / "config.json")
    if not (folder / SPIECE_FILE).is_file():
        raise JapaneseGPT2Error(_("{folder} has no spiece.model (the model's SentencePiece "
                                  "tokenizer); download it into the folder").format(folder=folder))
    tokenizer_config = _read_json(folder / "tokenizer_config.json", required=False)
    tokenizer = SentencePieceTokenizer(folder / SPIECE_FILE,
                                       lower_case=tokenizer_config.get("do_lower_case", True),
                                       eos_id=hf_config.get("eos_token_id"))
    if tokenizer.n_vocab > config["vocab_size"]:
        raise JapaneseGPT2Error(_("{spiece} has {n_vocab} pieces but config.json's vocab_size "
                                  "is {vocab_size}; the tokenizer and the weights belong to "
                                  "different models")
                                .format(spiece=folder / SPIECE_FILE, n_vocab=tokenizer.n_vocab,
                                        vocab_size=config["vocab_size"]))
    return hf_config, config, tokenizer


def read_japanese_gpt2(folder):
    """The parts of a model folder (a ``JapaneseGPT2``); ``JapaneseGPT2Error`` if unusable."""
    from .gpt2_formats import params_from_hf_tensors

    folder = Path(folder).expanduser()
    hf_config, config, tokenizer = read_japanese_tokenizer(folder)
    keys, read, path = _read_tensors(folder)
    try:
        params = params_from_hf_tensors(keys, read, path)
    except (ValueError, RuntimeError) as err:
        raise JapaneseGPT2Error(one_line(err)) from None
    shapes = {"wte": (config["vocab_size"], config["emb_dim"]),
              "wpe": (config["context_length"], config["emb_dim"])}
    for name, shape in shapes.items():
        if np.shape(params[name]) != shape or len(params["blocks"]) != config["n_layers"]:
            raise JapaneseGPT2Error(_("{path} does not fit {config_file}: {name} has shape "
                                      "{shape}, the config needs {expected} and {n_layers} "
                                      "blocks")
                                    .format(path=path, config_file=folder / "config.json",
                                            name=name, shape=np.shape(params[name]),
                                            expected=shape, n_layers=config["n_layers"]))
    lm_head = None
    if not hf_config.get("tie_word_embeddings", True):
        if "lm_head.weight" not in keys:
            raise JapaneseGPT2Error(_("{path} lacks lm_head.weight, which its config does not "
                                      "tie to the token embeddings").format(path=path))
        lm_head = read("lm_head.weight")
    return JapaneseGPT2(config, params, lm_head, tokenizer, folder)


def build_gpt_model(parts, context_length=None):
    """A ``GPTModel`` with the weights of ``parts`` (a ``JapaneseGPT2``), context cut if asked."""
    import torch

    from .ch04 import GPTModel
    from .ch05 import load_weights_into_gpt

    config, params = dict(parts.config), parts.params
    if context_length is not None:
        config["context_length"] = context_length
        params = dict(params, wpe=np.asarray(params["wpe"])[:context_length])
    model = GPTModel(config)
    load_weights_into_gpt(model, params)  # ties the output head to the token embeddings
    if parts.lm_head is not None:
        model.out_head.weight = torch.nn.Parameter(torch.tensor(parts.lm_head))
    return model.eval()


def local_folder(spec, models_dir=None, progress=True):
    """The folder of ``spec``: a folder as it is, a Hub repository fetched."""
    if is_repo_id(spec):
        return fetch_repo(spec, models_dir, progress)
    return Path(spec).expanduser()


def load_japanese_gpt2(spec, models_dir=None, progress=True):
    """``(GPTModel, SentencePieceTokenizer)`` of a folder or a Hub repository ``spec``."""
    parts = read_japanese_gpt2(local_folder(spec, models_dir, progress))
    return build_gpt_model(parts), parts.tokenizer


__all__ = ["JapaneseGPT2", "JapaneseGPT2Error", "WEIGHT_FILES", "build_gpt_model", "config_from_hf",
           "fetch_repo", "is_japanese_gpt2_folder", "is_repo_id", "load_japanese_gpt2",
           "local_folder", "read_japanese_gpt2", "read_japanese_tokenizer"]
