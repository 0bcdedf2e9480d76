"""The generated copies of the package code must match the package."""

import subprocess
import sys
from pathlib import Path

import pytest

from llms_from_scratch import standalone

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rel", sorted(standalone.OUTPUTS))
def test_committed_copy_is_current(rel):
    expected = standalone.render(standalone.OUTPUTS[rel])
    actual = (ROOT / rel).read_text(encoding="utf-8")
    assert actual == expected, f"{rel} is stale: run `make previous-chapters`"


@pytest.mark.parametrize("rel", sorted(standalone.OUTPUTS))
def test_copy_stands_alone(rel):
    """Importing the copy must not import the package (a reader may not have it)."""
    path = ROOT / rel
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            f"import {path.stem} as m; "
            "assert 'llms_from_scratch' not in sys.modules, 'imports the package'; "
            "print(len([n for n in vars(m) if not n.startswith('_')]))")
    out = subprocess.run([sys.executable, "-c", code, str(path.parent)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 10


def test_same_behaviour_as_the_package():
    sys.path.insert(0, str(ROOT / "appendix-D"))
    try:
        import previous_chapters as pc
    finally:
        sys.path.pop(0)
    import torch

    from llms_from_scratch.ch04 import GPTModel

    cfg = {"vocab_size": 100, "context_length": 8, "emb_dim": 16, "n_heads": 2,
           "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}
    torch.manual_seed(1)
    a = GPTModel(cfg).eval()
    torch.manual_seed(1)
    b = pc.GPTModel(cfg).eval()
    idx = torch.randint(0, 100, (2, 8))
    assert torch.equal(a(idx), b(idx))


def test_write_chapter_files_for_a_reader_without_the_repository(tmp_path):
    written = standalone.write_chapter_files("ch05", tmp_path)
    assert sorted(p.name for p in written) == ["gpt_download.py", "previous_chapters.py"]
    assert (tmp_path / "previous_chapters.py").read_text(encoding="utf-8") == (
        ROOT / "ch05" / "previous_chapters.py").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="ch02"):
        standalone.write_chapter_files("ch99", tmp_path)


def test_tool_check_mode_agrees():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_previous_chapters.py"),
                          "--check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_license_copy_matches():
    assert (ROOT / "pkg" / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
