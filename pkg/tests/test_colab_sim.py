"""The Colab simulation (tools/colab_sim.py): notebooks run alone, as in Google Colab, offline.

`make colab-sim-prepare` (or `.ci/run`) makes the Colab-like venv and the
wheelhouse while the package index is reachable; without them these tests skip.
`make colab-sim` runs every notebook; here two quick chapter notebooks run.
"""

import importlib.util
import os
import subprocess
from pathlib import Path

import nbformat
import pytest

from llms_from_scratch import standalone

ROOT = Path(__file__).resolve().parents[2]
SIM_DIR = Path(os.environ.get("LLMS_FROM_SCRATCH_COLAB_SIM", ROOT / ".colab-sim"))


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab_sim = _load_tool("colab_sim")
colab_cells = _load_tool("colab_cells")
needs_sim = pytest.mark.skipif(
    not colab_sim.is_prepared(SIM_DIR),
    reason=f"the Colab simulation is not prepared in {SIM_DIR}: run `make colab-sim-prepare` "
           "once (it needs the package index); .ci/run does")


def test_wheelhouse_follows_the_package_dependencies():
    conf = colab_sim.pyproject()
    wanted = colab_sim.wheelhouse_requirements(conf)
    assert set(conf["build-system"]["requires"]) <= set(wanted)
    others = [d for d in conf["project"]["dependencies"] if not d.startswith("torch")]
    assert set(others) <= set(wanted)
    assert not any(d.startswith("torch") for d in wanted)  # Colab's own torch stays


def test_skipped_cells_are_tagged_for_nbclient():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# NBVAL_SKIP\ndownload()"),
        nbformat.v4.new_code_cell("y = 2\n# NBVAL_RAISES_EXCEPTION\n1 / 0"),
        nbformat.v4.new_code_cell("x = 1  # NBVAL_SKIP counts only as a whole comment line"),
    ])
    colab_sim.mark_skipped_cells(nb)
    assert [c.metadata["tags"] for c in nb.cells] == [
        ["skip-execution"], ["raises-exception"], []]


def test_the_stand_in_repository_has_the_release_tag_or_none(tmp_path):
    tag = colab_cells.settings()["ref"]
    for wanted, folder in ((tag, tmp_path / "tagged"), (None, tmp_path / "untagged")):
        folder.mkdir()
        remote = colab_sim.make_remote(folder, wanted)
        tags = subprocess.run(["git", "tag"], cwd=remote, check=True, capture_output=True,
                              text=True).stdout.split()
        assert tags == ([tag] if wanted else [])
        assert (remote / "pkg" / "pyproject.toml").is_file()


def test_the_colab_cell_installs_the_tag_or_else_the_default_branch():
    conf = colab_cells.settings()
    cell = colab_cells.cell_source("ch04", conf)
    assert f'"git", "ls-remote", "--exit-code", "--tags", "{conf["url"]}", "{conf["ref"]}"' \
        in cell
    assert f'%pip install -q "{colab_cells.requirement(conf)}"' in cell
    assert f'%pip install -q "{colab_cells.branch_requirement(conf)}"' in cell
    assert f"タグ {conf['ref']} がないので、既定のブランチの最新版を入れます" in cell
    assert f'(_meta["Version"] == "{conf["version"]}" or not _tagged)' in cell


@needs_sim
@pytest.mark.parametrize("rel, tagged", [("ch02/ch02.ipynb", True), ("ch04/ch04.ipynb", True),
                                         ("ch02/ch02.ipynb", False)])
def test_chapter_notebook_runs_alone_in_an_empty_folder(rel, tagged, tmp_path):
    results = colab_sim.run_all([rel], SIM_DIR, tmp_path, tagged=tagged)
    assert not isinstance(results[rel], Exception), f"{rel} failed in the simulation: " \
                                                    f"{results[rel]}"
    folder = next((tmp_path / "notebooks").iterdir())
    # The Colab cell wrote the folder's copies (ch02 has none) from the package it installed
    # from git; everything else the notebook imports from that package.
    copies = sorted(r.split("/")[1] for r in standalone.OUTPUTS
                    if r.startswith(Path(rel).parts[0] + "/"))
    assert sorted(p.name for p in folder.glob("*.py")) == copies
    ran = nbformat.read(folder / Path(rel).name, as_version=4)
    colab = ran.cells[colab_cells.colab_cell_index(ran, rel)]
    said = "".join(o.get("text", "") for o in colab.outputs)
    assert all(f"wrote {name}" in said for name in copies)
    conf = colab_cells.settings()
    which = f"タグ {conf['ref']} の版" if tagged else "既定のブランチの最新版を入れます"
    assert which in said and "を入れました" in said


def _impostor_remote(work, tag):
    """A repository that serves another package under the book's name (as PyPI does today)."""
    remote = work / "impostor"
    pkg = remote / "pkg" / "llms_from_scratch"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (remote / "pkg" / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69", "wheel"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "llms-from-scratch"\nversion = "1.0.19"\n\n'
        '[project.urls]\nRepository = "https://example.invalid/another-book"\n', encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"], ["tag", tag]):
        subprocess.run(git + args, cwd=remote, check=True, capture_output=True)
    return remote


@needs_sim
def test_colab_cell_stops_with_a_japanese_message_when_another_package_comes(tmp_path):
    conf = colab_cells.settings()
    book = nbformat.read(ROOT / "ch04" / "ch04.ipynb", as_version=4)
    colab = book.cells[colab_cells.colab_cell_index(book, "ch04.ipynb")]
    nb = nbformat.v4.new_notebook(cells=[book.cells[0], colab,
                                         nbformat.v4.new_code_cell("import previous_chapters")])
    path = tmp_path / "ch04" / "impostor.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    remote = _impostor_remote(tmp_path, conf["ref"])
    with colab_sim.exclusive(SIM_DIR), pytest.raises(Exception) as err:
        try:
            colab_sim.run_notebook(path, SIM_DIR, tmp_path, remote, conf["url"])
        finally:
            colab_sim.reset_venv(SIM_DIR)
    text = str(err.value)
    assert "SystemExit" in text
    assert f"この本のパッケージ llms-from-scratch {conf['version']} が入っていません" in text
    assert "previous_chapters" not in text.split("SystemExit")[-1]  # it stopped at the cell
