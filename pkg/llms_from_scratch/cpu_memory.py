"""Keep freed memory in the process, so that each training step does not page-fault.

Every training step frees its activations and gradients and allocates them
again in the next. glibc's ``malloc`` gives freed memory back to the operating
system (large blocks are unmapped, the top of the heap is trimmed), so the next
step pays a page fault, with the kernel zeroing the page, for each fresh page:
for GPT-2 124M the logits and their gradient (100 MB each at batch 2 x 256) and
the embedding's and output head's gradients (154 MB each). ``keep_freed_memory``
serves every block from the heap (``M_MMAP_MAX = 0``) and keeps up to 2 GB of
freed memory (``M_TRIM_THRESHOLD``), so each step reuses the same pages. The
price: the process keeps its peak memory. Measurements: docs/performance.md.
"""

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_MAX = -4
TRIM_THRESHOLD = 2 ** 31 - 1  # the largest value mallopt's int takes


def keep_freed_memory():
    """Apply the two ``mallopt`` settings; return whether both took (glibc on Linux only).

    glibc still maps a block of its own when the heap cannot grow, so an
    allocation never fails because of this setting.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # mallopt returns 1 on success; musl's does nothing and returns 0.
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


__all__ = ["keep_freed_memory", "use_huge_pages"]


def use_huge_pages():
    """Ask PyTorch's CPU allocator for 2 MB pages; call before torch starts (train, bench).

    Large tensors are then backed by huge pages where the kernel allows it
    (Linux, transparent_hugepage "madvise" or "always"): a step's fresh logits
    and gradients (hundreds of MB for GPT-2 sizes) then fault in 2 MB pages,
    not 4 KB ones. A value the user set is kept (THP_MEM_ALLOC_ENABLE=0: off).
    """
    os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")
