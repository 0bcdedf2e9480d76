"""The README's two commands pick the torch build and start JupyterLab as root (Makefile).

`make -n` prints the commands without running them; fake `nvidia-smi` and `id`
on PATH stand in for a GPU machine and for a root or normal user. The torch
install itself (tools/install_torch.py) is tested against a closed port.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None or os.uname().sysname != "Linux",
                                reason="needs make on Linux")
CPU_INDEX = 'install_torch.py "https://download.pytorch.org/whl/cpu"'
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def dry_run(tmp_path, *, gpu=False, uid=1000, display=None, args=(), lang=None, full=False):
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
                        "MAKEFLAGS", *LOCALE_VARIABLES)}
    if lang:
        env["LANG"] = lang
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    if display:
        env["DISPLAY"] = display
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "lab", f"VENV={tmp_path / 'venv'}",
                          *args], env=env, check=True, capture_output=True, text=True).stdout
    if full:
        return out
    torch_line = next(line for line in out.splitlines() if '"torch' in line)
    lab_line = next(line for line in out.splitlines() if "jupyter lab" in line)
    return torch_line, lab_line


def test_linux_without_nvidia_smi_gets_the_cpu_build(tmp_path):
    torch_line, _ = dry_run(tmp_path)
    assert CPU_INDEX in torch_line


def test_linux_with_nvidia_smi_gets_the_default_cuda_build(tmp_path):
    torch_line, _ = dry_run(tmp_path, gpu=True)
    assert 'install_torch.py "" "torch>=' in torch_line


def test_torch_index_and_spec_can_be_overridden(tmp_path):
    torch_line, _ = dry_run(tmp_path, args=("TORCH_INDEX=", "TORCH_SPEC=torch==2.13.0"))
    assert 'install_torch.py "" "torch==2.13.0"' in torch_line


def test_lab_puts_the_venv_first_on_path_and_opens_the_table_of_contents(tmp_path):
    _, lab_line = dry_run(tmp_path)
    # Kernels and terminals inherit the server's PATH: `llms-from-scratch` is found there.
    assert lab_line.startswith(f'PATH="{tmp_path / "venv" / "bin"}:$PATH" ')
    assert lab_line.endswith(" --LabApp.default_url=/lab/tree/index.ipynb")
    assert (ROOT / "index.ipynb").is_file()


def test_lab_terminals_start_bash_with_the_books_rcfile(tmp_path):
    _, lab_line = dry_run(tmp_path)
    assert f'LLMS_FROM_SCRATCH_VENV="{tmp_path / "venv"}" ' in lab_line
    rcfile = ROOT / "setup" / "lab-terminal.bashrc"
    assert (f"--ServerApp.terminado_settings='{{\"shell_command\": [\"bash\", \"--rcfile\", "
            f"\"{rcfile}\"]}}'") in lab_line


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_lab_terminal_rcfile_puts_the_venv_first_after_the_readers_bashrc(tmp_path):
    venv_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv_dir)], check=True)
    home = tmp_path / "home"
    home.mkdir()
    # The reader's own ~/.bashrc runs first and may put something in front of PATH.
    (home / ".bashrc").write_text('export PATH="/opt/reader/bin:$PATH"\nexport READER_RC=1\n')
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TERM": "dumb",
           "LLMS_FROM_SCRATCH_VENV": str(venv_dir)}
    out = subprocess.run(["bash", "--rcfile", str(ROOT / "setup" / "lab-terminal.bashrc"), "-i",
                          "-c", 'echo "$READER_RC $(command -v python)"'],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"1 {venv_dir / 'bin' / 'python'}", out.stderr


def test_lab_speaks_the_readers_language(tmp_path):
    assert "JupyterLab を起動します" in dry_run(tmp_path, lang="ja_JP.UTF-8", full=True)
    english = dry_run(tmp_path, lang="C.UTF-8", full=True)
    assert "Starting JupyterLab" in english and "起動" not in english


def _install_torch():
    spec = importlib.util.spec_from_file_location("install_torch",
                                                  ROOT / "tools" / "install_torch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_an_unreachable_index_gives_one_message_and_the_default_index(monkeypatch, capsys):
    install_torch = _install_torch()
    calls = []
    monkeypatch.setattr(install_torch.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.setenv("LANG", "C.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    index = f"http://127.0.0.1:{_closed_port()}/whl/cpu"
    start = time.monotonic()
    assert install_torch.main([index, "torch>=2.3"]) == 0
    assert time.monotonic() - start < install_torch.PROBE_TIMEOUT + 1  # one try, no retries
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and index in err and "TORCH_INDEX" in err
    assert calls == [[sys.executable, "-m", "pip", "install", "torch>=2.3"]]


def test_a_reachable_or_empty_index_is_used_as_given(monkeypatch, capsys):
    install_torch = _install_torch()
    calls = []
    monkeypatch.setattr(install_torch.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.setattr(install_torch, "probe", lambda index: None)
    install_torch.main(["https://download.pytorch.org/whl/cpu", "torch"])
    install_torch.main(["", "torch==2.13.0"])
    assert calls == [
        [sys.executable, "-m", "pip", "install", "--index-url",
         "https://download.pytorch.org/whl/cpu", "torch"],
        [sys.executable, "-m", "pip", "install", "torch==2.13.0"]]
    assert capsys.readouterr().err == ""


def test_lab_allows_root_only_for_root(tmp_path):
    assert "--allow-root" in dry_run(tmp_path, uid=0)[1]
    assert "--allow-root" not in dry_run(tmp_path, uid=1000)[1]


def test_lab_opens_no_browser_without_a_display(tmp_path):
    assert "--no-browser" in dry_run(tmp_path)[1]
    assert "--no-browser" not in dry_run(tmp_path, display=":0")[1]
