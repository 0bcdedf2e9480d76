"""Training under ``torchrun``: where this process stands, and a clean exit.

``Dist`` reads torchrun's environment (one process when it is absent), starts
the process group (NCCL on GPUs, Gloo on CPUs) and offers the few collective
operations the loop needs; in one process they do nothing. ``run_worker`` ends
a worker with ``exit_worker`` (``os._exit``): with this torch build a Gloo
worker can abort during the interpreter's teardown, after its work is done,
which torchrun would report as a failure.
"""

import os
import sys

import torch

from .config import TrainError
from .i18n import _


class Dist:
    """Where this process stands in a (possibly one-process) run."""

    def __init__(self):
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world_size > 1
        self.initialized = False

    @property
    def is_main(self):
        return self.rank == 0

    def init(self, device):
        """Start the process group; return the device this process computes on."""
        if not self.enabled:
            return device
        import torch.distributed as dist

        if device.type == "cuda":
            gpus = torch.cuda.device_count()
            if self.local_rank >= gpus:  # else CUDA's "invalid device ordinal"
                per_node = os.environ.get("LOCAL_WORLD_SIZE", self.local_rank + 1)
                raise TrainError(_("torchrun started {per_node} processes on this machine "
                                   "but it has {gpus} CUDA GPU(s); use --nproc_per_node={gpus} "
                                   "(or fewer), or add --device cpu")
                                 .format(per_node=per_node, gpus=gpus))
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
            backend = "nccl"
        elif device.type == "cpu":
            backend = "gloo"
        else:
            raise TrainError(_("distributed training runs on CUDA (NCCL) or CPU (Gloo), not "
                               "{type}; add --device cpu")
                             .format(type=device.type))
        dist.init_process_group(backend=backend)
        self.initialized = True
        return device

    def barrier(self):
        if self.initialized:
            torch.distributed.barrier()

    def mean(self, values, device):
        """Average a list of floats over all processes."""
        if not self.initialized:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=device)
        torch.distributed.all_reduce(t)
        return (t / self.world_size).tolist()

    def gather(self, obj):
        """A list with every process's ``obj`` (just ``[obj]`` in one process)."""
        if not self.initialized:
            return [obj]
        out = [None] * self.world_size
        torch.distributed.all_gather_object(out, obj)
        return out

    def wrap(self, model, device):
        """``model`` in ``DistributedDataParallel`` when there are several processes."""
        if not self.initialized:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)


def run_worker(work, prog, expected=(TrainError, FileNotFoundError)):
    """Run ``work()`` in a torchrun worker, report an ``expected`` error, end the process.

    The error is printed as one line naming the rank; the process then ends
    with ``exit_worker`` (exit code 0 or 1) and this function does not return.
    """
    code = 0
    try:
        work()
    except expected as err:
        print(_("{prog}: error: [rank {rank}] {err}")
              .format(prog=prog, rank=Dist().rank, err=err), file=sys.stderr)
        code = 1
    exit_worker(code)


def exit_worker(code):
    """End a torchrun worker at once with ``code``, without the interpreter's own shutdown.

    Output is flushed and, after a success, the process group destroyed first.
    """
    import torch.distributed as dist

    sys.stdout.flush()
    sys.stderr.flush()
    if code == 0 and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


__all__ = ["Dist", "exit_worker", "run_worker"]
