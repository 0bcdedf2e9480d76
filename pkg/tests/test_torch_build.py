"""`llms-from-scratch check` names the installed torch build and how to switch it."""

import sys
from types import SimpleNamespace

from llms_from_scratch import check


def fake_torch(cuda=None, hip=None, mps_built=False):
    return SimpleNamespace(
        version=SimpleNamespace(cuda=cuda, hip=hip),
        backends=SimpleNamespace(mps=SimpleNamespace(is_built=lambda: mps_built)))


def test_cpu_build_points_at_the_cuda_index(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    build, switch = check.torch_build(fake_torch())
    assert build == "CPU"
    assert "--index-url https://download.pytorch.org/whl/cu" in switch


def test_cuda_build_names_its_version_and_the_cpu_index(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    build, switch = check.torch_build(fake_torch(cuda="13.0"))
    assert build == "CUDA 13.0"
    assert "--index-url https://download.pytorch.org/whl/cpu" in switch


def test_rocm_build(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert check.torch_build(fake_torch(hip="6.4"))[0] == "ROCm 6.4"


def test_macos_wheel_is_mps_and_cpu_elsewhere(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert check.torch_build(fake_torch(mps_built=True))[0].startswith("MPS")
    assert check.torch_build(fake_torch(mps_built=False))[0] == "CPU"


def test_installed_torch_is_reported_in_the_devices_group():
    import torch

    first = check.check_devices()[0]
    assert first.name == "torch build"
    assert torch.__version__ in first.detail
    assert first.detail.startswith(check.torch_build(torch)[0])
