"""Keep freed memory in the process, so that each training step does not page-fault.

Every training step frees its activations and gradients and allocates them
again in the next one. glibc's ``malloc`` gives freed memory back to the
operating system (blocks above its mmap threshold are unmapped, the top of
the heap is trimmed), so the next step touches fresh pages and pays a page
fault, with the kernel zeroing the page, for each of them. For GPT-2 124M
that is the logits and their gradient (100 MB each at batch 2 x 256) and the
gradients of the embedding and the output head (154 MB each) in every step.

``keep_freed_memory`` tells ``malloc`` to serve every block from its heap
(``M_MMAP_MAX = 0``: no block gets its own mapping) and to keep up to 2 GB of
freed memory at the top of the heap (``M_TRIM_THRESHOLD``), so that the next
step reuses the same pages. On 2-core CPUs this made a 124M training step
markedly faster and removed the extra cost of a tied output head (an
out-of-place sum of its two 154 MB gradients into fresh memory); the
measurements are in docs/performance.md.

The price: the process keeps its peak memory instead of shrinking between
steps (it does not grow beyond it: 16 steps of 124M at changing batch sizes
stayed at 3.7 GB).
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

    It then backs large tensors with huge pages where the kernel allows it on
    request (Linux, transparent_hugepage "madvise" or "always"). Each training
    step allocates fresh logits and gradients of hundreds of MB for GPT-2
    sizes; with 4 KB pages every step page-faults through all of them. A value
    the user set is kept (THP_MEM_ALLOC_ENABLE=0 turns it off).
    """
    os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")
