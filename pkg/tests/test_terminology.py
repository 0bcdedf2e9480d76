"""One terminology for the whole book (the house style's table, ../shared/style-ja.md).

The words the book does not use are listed here with the word it uses instead; the test
reads every markdown cell and every Japanese comment of the notebooks, every README and
the Japanese strings of the package and the figure scripts.
"""

import ast
import functools
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# not used → used instead. Long vowels follow JIS Z 8301 (no final ー on 3+ mora words).
FORBIDDEN = {
    "訓練": "学習",
    "トークナイザー": "トークナイザ",
    "データローダー": "データローダ",
    "パラメーター": "パラメータ",
    "オプティマイザー": "オプティマイザ",
    "エンコーダー": "エンコーダ",
    "デコーダー": "デコーダ",
    "コンテキスト長": "文脈長",
    "乱数の種": "シード",
    "エンベディング": "埋め込み",
    "注意機構": "アテンション",
    "注意の重み": "アテンションの重み",
    # translationese (直訳調)
    "私たち": "本書 / (主語を省く)",
    "することができ": "できます",
    "高度なインデックス": "ブールのマスクや整数配列による取り出し（具体的に）",
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _notebooks(root):
    return sorted(p for p in [*root.glob("*.ipynb"), *root.glob("*/*.ipynb")]
                  if not p.parent.name.startswith("."))


def _code_comments(source):
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [line.partition("#")[2] for line in source.splitlines() if "#" in line]
    return [tok.string for tok in tokens if tok.type == tokenize.COMMENT]


def _python_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and JAPANESE.search(node.value)]


def _texts(root=ROOT):
    """(where, text) for every piece of Japanese prose the book shows under ``root``."""
    for nb in _notebooks(root):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            source = "".join(cell["source"])
            where = f"{nb.relative_to(root)} cell {i}"
            if cell["cell_type"] == "markdown":
                yield where, source
            elif cell["cell_type"] == "code":
                for comment in _code_comments(source):
                    yield where + " (comment)", comment
    for md in sorted(root.glob("**/README.md")):
        if not any(part.startswith(".") for part in md.relative_to(root).parts):
            yield str(md.relative_to(root)), md.read_text(encoding="utf-8")
    for py in sorted([*root.glob("pkg/llms_from_scratch/**/*.py"), *root.glob("tools/*.py")]):
        for text in _python_strings(py):
            yield f"{py.relative_to(root)} (string)", text


@functools.cache
def _book():
    return tuple(_texts())


def test_there_is_prose_to_check():
    texts = _book()
    assert len(texts) > 500
    assert any("学習" in text for _, text in texts)


@pytest.mark.parametrize("word", sorted(FORBIDDEN))
def test_forbidden_variant_is_absent(word):
    hits = [where for where, text in _book() if word in text]
    assert not hits, (f"「{word}」 is not the book's term (use 「{FORBIDDEN[word]}」, "
                      f"../shared/style-ja.md): {hits[:12]}")


def test_the_checker_finds_a_planted_variant(tmp_path):
    """The scan itself must see markdown cells and code comments."""
    nb = tmp_path / "chX" / "planted.ipynb"
    nb.parent.mkdir()
    nb.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["モデルを訓練します"], "metadata": {}},
        {"cell_type": "code", "source": ["x = 1  # トークナイザーを作る\n"], "metadata": {},
         "outputs": [], "execution_count": None}]}), encoding="utf-8")
    found = {(where, word) for where, text in _texts(tmp_path) for word in FORBIDDEN
             if word in text}
    assert ("chX/planted.ipynb cell 0", "訓練") in found
    assert ("chX/planted.ipynb cell 1 (comment)", "トークナイザー") in found
