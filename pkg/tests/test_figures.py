"""The book's figures: stored as attachments that match the script, numbered,
captioned and referred to, and every figure and plot drawn without a missing glyph.

The notebook checks need the repository (tools/ and the chapter folders); they
are skipped when the package's tests run from an installed copy.
"""

import base64
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
FIGURES_AT_LEAST = {"ch01/ch01.ipynb": 2, "ch02/ch02.ipynb": 3, "ch03/ch03.ipynb": 3,
                  "ch04/ch04.ipynb": 5, "ch05/ch05.ipynb": 3, "appendix-D/appendix-D.ipynb": 2,
                  # every bonus notebook explains its core idea with at least one figure
                  "ch02/bpe-from-scratch.ipynb": 1, "ch03/efficient-attention.ipynb": 1,
                  "ch04/kv-cache.ipynb": 1, "ch04/mixture-of-experts.ipynb": 1,
                  "ch05/pretraining-at-scale.ipynb": 1,
                  "ch05/weight-loading-alternatives.ipynb": 1,
                  "ch05/conditional-generation.ipynb": 1, "ch05/japanese-gpt.ipynb": 2,
                  "appendix-D/mixed-precision-and-accumulation.ipynb": 1}
CAPTION = re.compile(r"^図 ((?:\d+[A-Z]?|D)\.\d+) \S.*$", re.MULTILINE)
IMAGE = re.compile(r"!\[[^\]]*\]\(attachment:(fig-[\w-]+\.png)\)")

in_repo = pytest.mark.skipif(not (TOOLS / "figures.py").is_file(),
                             reason="needs the repository's tools/ and notebooks")


def _figures_module():
    sys.path.insert(0, str(TOOLS))
    try:
        import figures
    finally:
        sys.path.remove(str(TOOLS))
    return figures


def _markdown(rel):
    import nbformat

    nb = nbformat.read(ROOT / rel, as_version=4)
    return [c for c in nb.cells if c.cell_type == "markdown"]


@in_repo
def test_check_passes_on_the_committed_notebooks():
    out = subprocess.run([sys.executable, str(TOOLS / "figures.py"), "--check"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


@in_repo
def test_check_notices_a_changed_attachment(tmp_path, monkeypatch):
    import nbformat

    figures = _figures_module()
    first = figures.FIGURES[0]
    nb = nbformat.read(ROOT / first.notebook, as_version=4)
    cell = figures.figure_cell(nb, first)
    stored = base64.b64decode(cell["attachments"][first.name]["image/png"])
    other = figures.draw(figures.FIGURES[1])
    assert figures.same_picture(stored, stored)
    assert not figures.same_picture(stored, other)
    assert not figures.problems(first, cell, stored)
    assert figures.problems(first, cell, other) == ["attachment differs from the drawing"]


@in_repo
def test_drawing_twice_gives_the_same_bytes():
    figures = _figures_module()
    figure = figures.FIGURES[-1]
    assert figures.draw(figure) == figures.draw(figure)


def _figure_cells(cells, rel):
    """(number, caption line) of each figure shown, checking its attachment and caption."""
    found = []
    for cell in cells:
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        for i, line in enumerate(lines):
            image = IMAGE.fullmatch(line)
            if not image:
                continue
            name = image.group(1)
            assert name in cell.get("attachments", {}), f"{rel}: {name} is not attached"
            number = name[len("fig-"):-len(".png")].replace("-", ".")
            caption = lines[i + 1] if i + 1 < len(lines) else ""
            assert CAPTION.fullmatch(caption) and caption.startswith(f"図 {number} "), \
                f"{rel}: {name} is not followed by its caption line 「図 {number} …」"
            found.append((number, caption))
    return found


@in_repo
@pytest.mark.parametrize("rel", sorted(FIGURES_AT_LEAST))
def test_numbered_captioned_and_referred_to(rel):
    cells = _markdown(rel)
    shown = _figure_cells(cells, rel)
    assert len(shown) >= FIGURES_AT_LEAST[rel], f"{rel}: only {shown}"
    captions = {caption for _, caption in shown}
    prose = "\n".join(line for c in cells for line in c.source.splitlines()
                       if line.strip() not in captions and not IMAGE.search(line))
    for number, _ in shown:
        assert f"図 {number}" in prose, f"{rel}: 図 {number} is never referred to in the text"


@in_repo
def test_every_figure_is_drawn_without_a_missing_glyph():
    figures = _figures_module()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes an error
        for figure in figures.FIGURES:
            png = figures.draw(figure)
            assert len(png) <= figures.MAX_BYTES, figure.number


def test_plot_losses_draws_its_japanese_labels_without_a_missing_glyph():
    import io

    from llms_from_scratch.ch05 import plot_losses

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_losses([0, 1, 2], [0, 100, 200], [10.9, 7.0, 5.5], [10.9, 7.5, 6.8])
        fig.savefig(io.BytesIO(), format="png")
    labels = [fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel(), fig.axes[1].get_xlabel()]
    labels += [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text) for text in labels), labels
