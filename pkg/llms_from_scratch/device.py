"""Pick the device the book's code runs on: CUDA, then Apple MPS, then CPU.

Set ``LLMS_FROM_SCRATCH_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to
override the choice, e.g. to reproduce the book's CPU numbers on a GPU machine.
"""

import os

import torch

from .i18n import _

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
