# Generated from the package llms_from_scratch (i18n, device).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: 本のデータのダウンロードとデバイスの選択（このフォルダで使うものだけ）。ノートブックがこのフォルダだけで動くようにするためのものです。

import os

import torch


# ============================================================================
# llms_from_scratch.i18n: the messages of this file in the reader's language
# ============================================================================

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language():
    """``"ja"`` when the environment's locale is Japanese, else ``"en"``."""
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if value:
            first = value.split(":")[0]  # LANGUAGE may list several: ja:en
            return "ja" if first.lower().startswith("ja") else "en"
    return "en"


# The Japanese texts of this file's messages, from the package's catalog.
_JA = {
    'unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps (argument or ${env_var})':
        'デバイス {requested!r} は使えません。auto、cpu、cuda、cuda:N、mps のどれかを指定してください（引数または ${env_var}）',
    'device {requested!r} was requested but CUDA is not available; install a CUDA build of torch or use cpu':
        'デバイス {requested!r} が指定されましたが、CUDA が使えません。CUDA 版の torch を入れるか、cpu を使ってください',
    'device {requested!r} was requested but only {count} CUDA device(s) exist':
        'デバイス {requested!r} が指定されましたが、CUDA デバイスは {count} 個しかありません',
    'device {requested!r} was requested but MPS is not available (it needs Apple silicon and macOS 12.3+); use cpu':
        'デバイス {requested!r} が指定されましたが、MPS が使えません（Apple シリコンと macOS 12.3 以降が必要です）。cpu を使ってください',
    'unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps':
        'デバイス {requested!r} には対応していません。auto、cpu、cuda、cuda:N、mps のどれかを指定してください',
}


def _(message):
    """``message`` in Japanese when the locale is Japanese, else as it is."""
    return _JA.get(message, message) if language() == "ja" else message


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
            _("unknown device {requested!r}; use auto, cpu, cuda, cuda:N or mps "
              "(argument or ${env_var})").format(requested=requested, env_var=DEVICE_ENV_VAR)
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(_("device {requested!r} was requested but CUDA is not "
                                 "available; install a CUDA build of torch or use cpu")
                               .format(requested=requested))
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(_("device {requested!r} was requested but only {count} CUDA "
                                 "device(s) exist")
                               .format(requested=requested, count=torch.cuda.device_count()))
    elif device.type == "mps":
        if not _mps_available():
            raise RuntimeError(_("device {requested!r} was requested but MPS is not "
                                 "available (it needs Apple silicon and macOS 12.3+); use cpu")
                               .format(requested=requested))
    elif device.type != "cpu":
        raise ValueError(_("unsupported device {requested!r}; use auto, cpu, cuda, cuda:N or mps")
                         .format(requested=requested))
    return device
