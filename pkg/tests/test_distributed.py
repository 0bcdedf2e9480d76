"""distributed: one process without torchrun, and a worker's clean exit."""

import pytest
import torch

from llms_from_scratch import distributed
from llms_from_scratch.config import TrainError


class Exited(Exception):
    pass


@pytest.fixture
def no_exit(monkeypatch):
    """``os._exit`` raises instead, so that the test sees the code."""
    def fake_exit(code):
        raise Exited(code)

    monkeypatch.setattr(distributed.os, "_exit", fake_exit)


def test_one_process_without_torchrun(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    dist = distributed.Dist()
    assert not dist.enabled and dist.is_main and dist.world_size == 1
    device = torch.device("cpu")
    assert dist.init(device) == device and not dist.initialized
    assert dist.mean([1.5, 2.0], device) == [1.5, 2.0]
    assert dist.gather("x") == ["x"]
    model = torch.nn.Linear(2, 2)
    assert dist.wrap(model, device) is model


def test_a_worker_reports_an_expected_error_with_its_rank_and_exits_1(capsys, monkeypatch,
                                                                      no_exit):
    monkeypatch.setenv("RANK", "3")

    def work():
        raise TrainError("no data")

    with pytest.raises(Exited) as exited:
        distributed.run_worker(work, "prog")
    assert exited.value.args == (1,)
    assert capsys.readouterr().err == "prog: error: [rank 3] no data\n"


def test_a_worker_that_finishes_exits_0_and_a_bug_keeps_its_traceback(no_exit):
    with pytest.raises(Exited) as exited:
        distributed.run_worker(lambda: None, "prog")
    assert exited.value.args == (0,)

    def bug():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        distributed.run_worker(bug, "prog")
