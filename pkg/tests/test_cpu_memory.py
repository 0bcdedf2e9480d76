import subprocess
import sys

import pytest

from llms_from_scratch import cpu_memory

# A child process allocates blocks with malloc (as PyTorch's CPU allocator does), touches
# every page and frees them, three times, and prints how many pages it had to fault in
# during the third round. By default glibc hands the freed blocks back to the kernel, so
# every round faults all pages in again; with freed memory kept, the third round reuses
# the pages of the earlier ones. The sizes: four 16 MB blocks (activations) and one of
# 160 MB (above glibc's largest mmap threshold, as a 124M model's head gradient is).
CHILD = r"""
import ctypes, resource, sys
from llms_from_scratch.cpu_memory import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
size = int(sys.argv[2])
def round_():
    blocks = [libc.malloc(size) for _ in range(int(sys.argv[3]))]
    for block in blocks:
        ctypes.memset(block, 1, size)
    for block in blocks:
        libc.free(block)
round_()
round_()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
round_()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode, size, count):
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(size), str(count)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
@pytest.mark.parametrize("size, count", [(16 << 20, 4), (160 << 20, 1)])
def test_freed_memory_is_reused_without_page_faults(size, count):
    pages = count * size // 4096
    default, kept = _faults("default", size, count), _faults("keep", size, count)
    assert default > 0.9 * pages
    assert kept < 0.05 * pages


def test_without_mallopt_it_reports_false(monkeypatch):
    monkeypatch.setattr(cpu_memory.sys, "platform", "darwin")
    assert cpu_memory.keep_freed_memory() is False
