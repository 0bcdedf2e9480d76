"""Checks of model files read back: the archive's CRC-32 records, and finite weights.

``torch.save`` stores each record's CRC-32 in its zip archive, but
``torch.load`` does not check them, so a file with one flipped bit loads as
if it were whole; ``zipfile`` checks them. Files with no checksum
(safetensors, TensorFlow checkpoints) and weights damaged before saving are
caught by looking for NaN or Inf.
"""

import zipfile

import numpy as np
import torch

from .i18n import _


def damaged_record(path):
    """The reason ``path`` (a ``torch.save`` zip archive) is damaged, or None if it is whole.

    A file that is not a zip archive at all (an old ``torch.save`` format,
    or no torch file) gives None: the loader says what it is.
    """
    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()  # reads every record and checks its CRC-32
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
        return _("its zip structure is broken ({err})").format(err=err)
    if bad is not None:
        return _("the record {bad} fails its CRC-32 check").format(bad=bad)
    return None


# What torch's weights-only unpickler says when it meets an object it will not build
# (a class or function that unpickling would call), as opposed to damaged bytes
# ("Unsupported operand ..."), which it reports through the same exception type.
_REFUSED_OBJECT_MARKERS = ("GLOBAL", "allowlisted", "unrecognized function")


def refused_by_safe_load(err):
    """Whether ``torch.load(..., weights_only=True)`` failed on a refused Python object."""
    text = str(err)
    return "weights only" in text.lower() and any(m in text for m in _REFUSED_OBJECT_MARKERS)


def _floating(value):
    if isinstance(value, torch.Tensor):
        return value.is_floating_point() or value.is_complex()
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.inexact)


def _all_finite(value):
    """Whether every element is finite: one sum first (NaN and Inf survive a sum, and it is
    faster than ``isfinite().all()`` on a CPU), the exact test only when the sum is not
    finite, which a large but finite tensor can also cause by overflowing."""
    if isinstance(value, torch.Tensor):
        low = value.dtype in (torch.float16, torch.bfloat16)
        total = value.sum(dtype=torch.float32) if low else value.sum()
        return bool(torch.isfinite(total)) or bool(torch.isfinite(value).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = value.sum(dtype=np.float64 if value.dtype.itemsize < 4 else None)
    return bool(np.isfinite(total)) or bool(np.isfinite(value).all())


def nonfinite(obj, prefix=""):
    """The names (``model.tok_emb.weight``) of the tensors in ``obj`` that hold NaN or Inf.

    ``obj`` is a tensor, a NumPy array, or dicts and lists of them (other
    values are passed over); names join the keys and indices with dots.
    """
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return [prefix] if _floating(obj) and not _all_finite(obj) else []
    names = []
    for key, value in items:
        names += nonfinite(value, f"{prefix}.{key}" if prefix else str(key))
    return names


def describe(names, limit=3):
    """``a, b, c and 2 more``: the first ``limit`` names of a list."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


__all__ = ["damaged_record", "describe", "nonfinite", "refused_by_safe_load"]
