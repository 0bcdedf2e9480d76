# Generated from the package llms_from_scratch (device).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 本のデータのダウンロードとデバイスの選択（このフォルダで使うものだけ）。ノートブックがこのフォルダだけで動くようにするためのものです。

import os

import torch


# ============================================================================
# llms_from_scratch.device: Pick the device the book's code runs on: CUDA, then Apple MPS, then CPU. (only get_device and what it uses)
# ============================================================================

DEVICE_ENV_VAR = "LLMS_FROM_SCRATCH_DEVICE"


def _mps_available():
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def get_device(override=None):
    """Return a ``torch.device``: ``override``, else the env var, else the best available.

    An explicit request for a device that is not available raises
    ``RuntimeError`` instead of silently falling back.
    """
    requested = override if override is not None else os.environ.get(DEVICE_ENV_VAR, "")
    requested = str(requested).strip().lower()
    if requested in ("", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    try:
        device = torch.device(requested)
    except RuntimeError:
        raise ValueError(
            f"unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps "
            f"(argument or ${DEVICE_ENV_VAR})"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"device {requested!r} was requested but CUDA is not "
                               "available; install a CUDA build of torch or use cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(f"device {requested!r} was requested but only "
                               f"{torch.cuda.device_count()} CUDA device(s) exist")
    elif device.type == "mps":
        if not _mps_available():
            raise RuntimeError(f"device {requested!r} was requested but MPS is not "
                               "available (it needs Apple silicon and macOS 12.3+); use cpu")
    elif device.type != "cpu":
        raise ValueError(f"unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
    return device
