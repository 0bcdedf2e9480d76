"""One repository URL and one ref for every way into the book (tools/colab_cells.py)."""

import importlib.util
import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the test extra brings tomli
    import tomli as tomllib

import nbformat

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("colab_cells", ROOT / "tools" / "colab_cells.py")
colab_cells = importlib.util.module_from_spec(spec)
spec.loader.exec_module(colab_cells)

COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/github/([^/\s]+/[^/\s]+)/blob/"
                        r"([^/\s]+)/([^\s)\"']+)")
GIT_URL = re.compile(r"git\+(https://[^@\s\"]+)@([^#\s\"]+)#subdirectory=pkg")
CLONE = re.compile(r"git clone (?:-q )?(https://github\.com/[^\s]+?)(?:\.git)?(?:\s|$)")


def _texts():
    for path in sorted(ROOT.glob("**/README.md")) + colab_cells.notebooks():
        if ".venv" in path.parts or ".colab-sim" in path.parts:
            continue
        yield path, path.read_text(encoding="utf-8")


def test_everything_is_written_from_the_template():
    assert colab_cells.main(["--check"]) == 0, "run `make colab-cells`"


def test_settings_come_from_pyproject():
    project = tomllib.loads((ROOT / "pkg" / "pyproject.toml").read_text("utf-8"))["project"]
    conf = colab_cells.settings()
    assert conf["url"] == project["urls"]["Repository"]
    assert conf["ref"] == f"v{project['version']}"
    for key in ("Homepage", "Source", "Issues"):
        assert project["urls"][key].startswith(conf["url"])


def test_every_notebook_and_readme_uses_the_one_url_and_ref():
    conf = colab_cells.settings()
    seen = {"colab": 0, "git": 0}
    for path, text in _texts():
        for owner_repo, ref, target in COLAB_LINK.findall(text):
            seen["colab"] += 1
            assert (owner_repo, ref) == (conf["owner_repo"], conf["ref"]), path
            assert (ROOT / target).is_file(), f"{path}: Colab link to a missing {target}"
        for url, ref in GIT_URL.findall(text):
            seen["git"] += 1
            assert (url, ref) == (conf["url"], conf["ref"]), path
        for url in CLONE.findall(text):
            assert url == conf["url"], f"{path}: clones {url}"
    assert seen["git"] >= len(colab_cells.notebooks())  # every Colab cell, and pkg/README.md
    assert seen["colab"] >= 2 * len(colab_cells.notebooks())  # badge + chapter README


def test_every_notebook_has_a_badge_and_a_verifying_colab_cell():
    conf = colab_cells.settings()
    for path in colab_cells.notebooks():
        nb = nbformat.read(path, as_version=4)
        rel = path.relative_to(ROOT)
        assert colab_cells.badge(rel, conf) in nb.cells[0].source.split("\n")[2], path
        cell = nb.cells[colab_cells.colab_cell_index(nb, path)].source
        assert f'%pip install -q "{colab_cells.requirement(conf)}"' in cell
        assert "raise SystemExit(" in cell and f'== "{conf["version"]}"' in cell
        writes = f"!llms-from-scratch previous-chapters {rel.parts[0]}" in cell
        assert writes == colab_cells.writes_files(rel.parts[0]), path


def test_badge_and_block_are_replaced_not_repeated():
    conf = colab_cells.settings()
    line = colab_cells.badge("ch04/ch04.ipynb", conf)
    once = colab_cells.title_with_badge("# 第4章\n\n本文", line)
    assert once == f"# 第4章\n\n{line}\n\n本文"
    old = once.replace(conf["ref"], "v0.0.1")
    assert colab_cells.title_with_badge(old, line) == once
    block = colab_cells.readme_block([ROOT / "ch04" / "ch04.ipynb"], conf)
    text = colab_cells.with_block("# 題\n\n説明\n", block, "README.md")
    assert colab_cells.with_block(text, block, "README.md") == text
    assert text.count(colab_cells.BLOCK_START) == 1
