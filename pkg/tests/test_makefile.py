"""The README's two commands pick the torch build and start JupyterLab as root (Makefile).

`make -n` prints the commands without running them; fake `nvidia-smi` and `id`
on PATH stand in for a GPU machine and for a root or normal user.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None or os.uname().sysname != "Linux",
                                reason="needs make on Linux")
CPU_INDEX = "--index-url https://download.pytorch.org/whl/cpu"


def dry_run(tmp_path, *, gpu=False, uid=1000, display=None, args=()):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = {"id": f"#!/bin/sh\necho {uid}\n"}
    if gpu:
        fake["nvidia-smi"] = "#!/bin/sh\nexit 0\n"
    for name in ("id", "nvidia-smi"):
        (bin_dir / name).unlink(missing_ok=True)
    for name, text in fake.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "TORCH_INDEX", "TORCH_SPEC", "LAB_ARGS",
                        "MAKEFLAGS")}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    if display:
        env["DISPLAY"] = display
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "lab", f"VENV={tmp_path / 'venv'}",
                          *args], env=env, check=True, capture_output=True, text=True).stdout
    torch_line = next(line for line in out.splitlines() if '"torch' in line)
    lab_line = next(line for line in out.splitlines() if "jupyter lab" in line)
    return torch_line, lab_line


def test_linux_without_nvidia_smi_gets_the_cpu_build(tmp_path):
    torch_line, _ = dry_run(tmp_path)
    assert CPU_INDEX in torch_line


def test_linux_with_nvidia_smi_gets_the_default_cuda_build(tmp_path):
    torch_line, _ = dry_run(tmp_path, gpu=True)
    assert "--index-url" not in torch_line
    assert '"torch>=' in torch_line


def test_torch_index_and_spec_can_be_overridden(tmp_path):
    torch_line, _ = dry_run(tmp_path, args=("TORCH_INDEX=", "TORCH_SPEC=torch==2.13.0"))
    assert "--index-url" not in torch_line and '"torch==2.13.0"' in torch_line


def test_lab_allows_root_only_for_root(tmp_path):
    assert "--allow-root" in dry_run(tmp_path, uid=0)[1]
    assert "--allow-root" not in dry_run(tmp_path, uid=1000)[1]


def test_lab_opens_no_browser_without_a_display(tmp_path):
    assert "--no-browser" in dry_run(tmp_path)[1]
    assert "--no-browser" not in dry_run(tmp_path, display=":0")[1]
