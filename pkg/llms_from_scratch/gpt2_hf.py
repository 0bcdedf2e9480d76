"""Hugging Face's ``model.safetensors`` of GPT-2: fetch it and read it into ``params``.

The download goes through ``hub`` (``huggingface_hub``); reading needs only
the small ``safetensors`` package, no TensorFlow.
"""

from pathlib import Path

from .assets import download_file
from .catalog import cache_dir
from .gpt2_layout import _check_complete, _first_line, _set_nested, normalize_gpt2_size
from .hub import hub_file

# Hugging Face's copies of the same weights, one repository per size.
GPT2_HF_REPOS = {
    "124M": "openai-community/gpt2",
    "355M": "openai-community/gpt2-medium",
    "774M": "openai-community/gpt2-large",
    "1558M": "openai-community/gpt2-xl",
}
GPT2_HF_URL = "https://huggingface.co/{repo}/resolve/main/model.safetensors"


# -- Hugging Face's safetensors files (no TensorFlow needed) -------------------------------


def download_gpt2_safetensors(model_size, models_dir=None, url=None, progress=True):
    """Fetch Hugging Face's ``model.safetensors`` of a GPT-2 size; return its path.

    The Hub's own client (``huggingface_hub``) does the download: it resumes
    an interrupted one, locks the file against a second process, honours
    ``HF_ENDPOINT`` (a mirror) and offline mode (``HF_HUB_OFFLINE=1``). With
    ``models_dir`` the file is stored as ``models_dir/<size>/model.safetensors``;
    without it, in the reader's Hugging Face cache (``HF_HOME``, shared with
    ``transformers``). A file already there is used without asking the Hub.
    ``url`` fetches the file from another address with the package's own
    download instead. Failures raise ``DownloadError`` (one line).
    """
    size = normalize_gpt2_size(model_size)
    local_dir = Path(models_dir) / size if models_dir is not None else None
    if url is None:
        return hub_file(GPT2_HF_REPOS[size], "model.safetensors", local_dir, progress)
    dest = (local_dir or cache_dir() / "gpt2" / size) / "model.safetensors"
    if not dest.exists():
        download_file(url, dest, progress=progress, desc=f"{size}/model.safetensors")
    return dest


_HF_NAMES = {"weight": "w", "bias": "b"}
_HF_NORM_NAMES = {"weight": "g", "bias": "b"}


def load_gpt2_params_from_safetensors(path):
    """Read a Hugging Face GPT-2 ``model.safetensors`` into the nested NumPy dict.

    Keys such as ``h.0.attn.c_attn.weight`` (optionally prefixed with
    ``transformer.``) are mapped to OpenAI's layout; Hugging Face's Conv1D
    already stores weights as (in, out). The attention-mask buffers and the
    (tied) ``lm_head.weight`` are ignored. Arrays come back as float32.
    """
    try:
        from safetensors import safe_open
    except ImportError as err:
        raise ImportError("reading .safetensors files needs the safetensors package: "
                          "pip install safetensors") from err
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no safetensors file at {path}; check the path, or download "
                                "the weights again (download_gpt2_safetensors)")
    params = {"blocks": []}
    blocks = {}
    try:
        handle = safe_open(str(path), framework="pt")
    except Exception as err:  # the library raises its own error types for bad headers
        what = "empty" if path.stat().st_size == 0 else "not a readable safetensors file"
        raise ValueError(f"{path} is {what} ({_first_line(err)}); it is truncated or "
                         "corrupt: delete it and download it again") from None
    with handle as f:
        for key in f.keys():  # noqa: SIM118 (safe_open is not a dict)
            name = key[len("transformer."):] if key.startswith("transformer.") else key
            parts = name.split(".")
            if parts[-1] == "masked_bias" or parts[-2:] == ["attn", "bias"]:
                continue  # causal-mask buffers, not weights
            if parts[0] == "lm_head":
                continue  # tied to wte in GPT-2
            try:
                array = f.get_tensor(key).float().numpy()
            except Exception as err:  # safetensors' own error type for truncated data
                raise ValueError(f"cannot read {key!r} from {path} ({_first_line(err)}); the "
                                 "file is truncated or corrupt: delete it and download it "
                                 "again") from None
            if parts[0] in ("wte", "wpe") and parts[1:] == ["weight"]:
                params[parts[0]] = array
            elif parts[0] == "ln_f" and len(parts) == 2:
                params[_HF_NORM_NAMES[parts[1]]] = array
            elif parts[0] == "h" and len(parts) >= 4:
                block = blocks.setdefault(int(parts[1]), {})
                inner = parts[2:-1]
                leaf = (_HF_NORM_NAMES if inner[0].startswith("ln_") else _HF_NAMES).get(
                    parts[-1])
                if leaf is None:
                    raise ValueError(f"{path} has an unexpected tensor {key!r}; is it a "
                                     "GPT-2 model?")
                _set_nested(block, [*inner, leaf], array)
            else:
                raise ValueError(f"{path} has an unexpected tensor {key!r}; is it a "
                                 "GPT-2 model?")
    if blocks and sorted(blocks) != list(range(len(blocks))):
        raise ValueError(f"{path} has blocks {sorted(blocks)}; expected 0..{len(blocks) - 1}")
    params["blocks"] = [blocks[i] for i in range(len(blocks))]
    _check_complete(params, None, str(path))
    return params
