"""The generated copies of the package code must match the package and serve the notebooks."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from llms_from_scratch import standalone

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {Path(rel).stem for rel in standalone.OUTPUTS}


@pytest.mark.parametrize("rel", sorted(standalone.OUTPUTS))
def test_committed_copy_is_current(rel):
    actual = (ROOT / rel).read_text(encoding="utf-8")
    assert actual == standalone.render(rel), f"{rel} is stale: run `make previous-chapters`"


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
    assert int(out.stdout) > 0


def test_size_targets():
    """The copies carry what their chapter needs (issues 16 and 26): the helpers once per
    folder in book_files.py, not the whole download layer, and the earlier chapters' code
    without what the folder's notebooks do not use."""
    lines = {rel: len((ROOT / rel).read_text(encoding="utf-8").splitlines())
             for rel in standalone.OUTPUTS}
    assert lines["ch04/previous_chapters.py"] <= 200
    assert lines["ch05/previous_chapters.py"] <= 300
    assert lines["ch05/gpt_download.py"] <= 700
    for rel in standalone.OUTPUTS:
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert "llms_from_scratch.assets:" not in text
        if not rel.endswith("book_files.py"):  # the helpers are written once per folder
            assert "llms_from_scratch.basic_download:" not in text, rel
            assert "llms_from_scratch.catalog:" not in text, rel


def test_previous_chapters_holds_only_earlier_chapters():
    """No previous_chapters.py where there is no earlier chapter's code (ch02, ch03), and
    none holds code of its own chapter or the book's helpers."""
    order = ["ch02", "ch03", "ch04", "ch05", "appendix_d"]
    for rel, entries in standalone.OUTPUTS.items():
        if rel.endswith("previous_chapters.py"):
            (own,) = [standalone._name(e) for e in
                      standalone.OUTPUTS[rel.replace("previous_chapters", "chapter_reference")]]
            modules = [standalone._name(e) for e in entries]
            assert modules and all(order.index(m) < order.index(own) for m in modules), rel
    assert not (ROOT / "ch02" / "previous_chapters.py").exists()
    assert not (ROOT / "ch03" / "previous_chapters.py").exists()


def test_generated_copies_stay_small():
    """Issue 26's target for all generated copies together (`wc -l`), kept from growing."""
    total = sum(len((ROOT / rel).read_text(encoding="utf-8").splitlines())
                for rel in standalone.OUTPUTS)
    # 4,581 before issue 26; its goal is 2,500. 3,900 after the copies were made lean, and
    # 4,140 since the helpers' copies carry their messages in the reader's language (about
    # 45 lines per folder). Lower this as the copies shrink; do not raise it.
    assert total <= 4140, total


def _top_level_names(path):
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _notebook_uses(path):
    """``{(copy, name)}`` for every name a notebook's code takes from a generated copy."""
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    from IPython.core.inputtransformer2 import TransformerManager

    # IPython turns magics and shell lines (continued ones too) into plain Python.
    code = "\n".join(TransformerManager().transform_cell("".join(c["source"])) for c in cells)
    uses, aliases = set(), {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module in GENERATED:
            uses |= {(node.module, a.name) for a in node.names}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname or a.name: a.name for a in node.names if a.name in GENERATED}
    for alias, module in aliases.items():
        uses |= {(module, m) for m in re.findall(rf"\b{alias}\.(\w+)", code)}
    return uses


@pytest.mark.parametrize("notebook", sorted(p.relative_to(ROOT).as_posix()
                                            for p in ROOT.glob("*/*.ipynb")
                                            if not p.parent.name.startswith(".")))
def test_notebooks_find_what_they_import(notebook):
    path = ROOT / notebook
    for module, name in sorted(_notebook_uses(path)):
        copy = path.parent / f"{module}.py"
        assert copy.exists(), f"{notebook} imports {module}, which its folder lacks"
        assert name in _top_level_names(copy), f"{notebook}: {module}.{name} does not exist"


def test_chapter_reference_is_the_package_code():
    sys.path.insert(0, str(ROOT / "appendix-D"))
    try:
        import chapter_reference as ref
        import previous_chapters as pc
    finally:
        sys.path.pop(0)
    import torch

    from llms_from_scratch.appendix_d import lr_at_step
    from llms_from_scratch.ch04 import GPTModel

    cfg = {"vocab_size": 100, "context_length": 8, "emb_dim": 16, "n_heads": 2,
           "n_layers": 2, "drop_rate": 0.0, "qkv_bias": True}
    torch.manual_seed(1)
    a = GPTModel(cfg).eval()
    torch.manual_seed(1)
    b = pc.GPTModel(cfg).eval()
    idx = torch.randint(0, 100, (2, 8))
    assert torch.equal(a(idx), b(idx))
    assert [ref.lr_at_step(s, 20, 5, 1e-3, 1e-5, 1e-6) for s in range(21)] == [
        lr_at_step(s, 20, 5, 1e-3, 1e-5, 1e-6) for s in range(21)]


def test_write_chapter_files_for_a_reader_without_the_repository(tmp_path):
    written = standalone.write_chapter_files("ch05", tmp_path)
    assert sorted(p.name for p in written) == ["book_files.py", "chapter_reference.py",
                                               "checks.py", "gpt_download.py",
                                               "previous_chapters.py"]
    for path in written:
        assert path.read_text(encoding="utf-8") == (ROOT / "ch05" / path.name).read_text(
            encoding="utf-8")
    with pytest.raises(ValueError, match="ch02"):
        standalone.write_chapter_files("ch99", tmp_path)


def test_a_folder_copy_takes_from_another_only_what_it_uses():
    """book_files.py carries only the helpers that its folder's notebooks and copies use:
    ch03's notebooks need only the device, so no download code goes there."""
    ch03 = standalone.render("ch03/book_files.py")
    assert "def get_device" in ch03 and "def download_file" not in ch03 and "ASSETS" not in ch03
    ch05 = standalone.render("ch05/book_files.py")
    for name in ("def download_file", "def read_text", "def gpt2_tokenizer", "GPT2_MODEL_FILES"):
        assert name in ch05


def test_the_copies_that_print_messages_carry_their_japanese_texts():
    text = standalone.render("ch05/gpt_download.py")
    assert "from llms_from_scratch" not in text and "import i18n" not in text
    assert "def _(message):" in text and "def language():" in text
    assert "'{path} is empty':" in text and "は空です" in text
    assert "_JA = {" not in standalone.render("ch05/previous_chapters.py")  # no `_` there


def test_picking_names_keeps_what_they_use():
    body = ("X = 1\n\n\n# about f\ndef f():\n    return X\n\n\ndef g():\n    return 2\n\n\n"
            "class C:\n    y = f()\n")
    picked = standalone._pick(body, ["C"])
    assert "def f" in picked and "# about f" in picked and "X = 1" in picked
    assert "def g" not in picked
    with pytest.raises(SystemExit, match="nope"):
        standalone._pick(body, ["nope"])


def test_tool_check_mode_agrees():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_previous_chapters.py"),
                          "--check"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_license_copy_matches():
    assert (ROOT / "pkg" / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
