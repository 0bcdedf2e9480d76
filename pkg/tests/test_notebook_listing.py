"""Every notebook of the book is listed where a reader looks for it.

- the table of contents (index.ipynb) links it;
- its chapter folder's README.md names it;
- the root README.md links every bonus notebook (the ones that are neither
  a chapter's main notebook nor its exercise solutions).

These checks need the repository; they are skipped when the package's tests
run from an installed copy.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("ch01", "ch02", "ch03", "ch04", "ch05", "appendix-D")

in_repo = pytest.mark.skipif(not (ROOT / "index.ipynb").is_file(),
                             reason="needs the repository's notebooks")


def _notebooks():
    return [p.relative_to(ROOT).as_posix() for folder in FOLDERS
            for p in sorted((ROOT / folder).glob("*.ipynb"))]


def _index_text():
    nb = json.loads((ROOT / "index.ipynb").read_text(encoding="utf-8"))
    return "\n".join("".join(cell["source"]) for cell in nb["cells"])


def _is_bonus(rel):
    folder, name = rel.split("/")
    return name not in (f"{folder}.ipynb", "exercise-solutions.ipynb")


@in_repo
def test_the_folders_hold_notebooks_and_some_are_bonus():
    found = _notebooks()
    assert "ch05/japanese-gpt.ipynb" in found and "ch05/ch05.ipynb" in found
    assert _is_bonus("ch05/japanese-gpt.ipynb") and not _is_bonus("ch05/ch05.ipynb")
    assert not _is_bonus("ch05/exercise-solutions.ipynb")


@in_repo
@pytest.mark.parametrize("rel", _notebooks() if (ROOT / "index.ipynb").is_file() else [])
def test_listed_in_the_index_and_the_folder_readme(rel):
    assert f"]({rel})" in _index_text(), f"index.ipynb has no link to {rel}"
    folder, name = rel.split("/")
    readme = (ROOT / folder / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme, f"{folder}/README.md does not name {name}"
    if _is_bonus(rel):
        root_readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert f"]({rel})" in root_readme, f"README.md has no link to the bonus {rel}"
