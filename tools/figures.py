"""Draw the book's concept figures and store them in the notebooks as cell attachments.

    python tools/figures.py            # redraw every figure and rewrite the attachments
    python tools/figures.py --check    # exit 1 when an attachment differs from the drawing
    python tools/figures.py --out DIR  # also write the PNG files into DIR (to look at them)

Each figure lives in the markdown cell that shows it with
``![図 4.2 …](attachment:fig-4-2.png)`` followed by its caption line; this
script only rewrites that cell's ``attachments`` (the prose around it is the
book's). Attachments travel inside the notebook, so the figures show in
JupyterLab, on GitHub and in a notebook opened alone in Colab. The drawings
are in tools/figures_book.py, the shared style in tools/figstyle.py.
"""

import argparse
import base64
import io
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
if str(ROOT / "pkg") not in sys.path:
    sys.path.insert(1, str(ROOT / "pkg"))

import figures_appendix_d as appendix_d
import figures_bonus as bonus
import figures_book as book
import figures_japanese as japanese
import figures_model as model
import matplotlib.pyplot as plt
import nbformat
from figstyle import RC, png_bytes

MAX_BYTES = 80_000


@dataclass(frozen=True)
class Figure:
    number: str      # "4.2", "4A.1" or "D.1"
    notebook: str    # relative to the repository root
    caption: str     # one line of Japanese, without the number
    draw: object

    @property
    def name(self):
        return f"fig-{self.number.replace('.', '-')}.png"

    @property
    def caption_line(self):
        return f"図 {self.number} {self.caption}"


FIGURES = [
    Figure("1.1", "ch01/ch01.ipynb", "次のトークンの予測：入力と、1 つずらした正解", book.fig_1_1),
    Figure("1.2", "ch01/ch01.ipynb", "本書のロードマップ", book.fig_1_2),
    Figure("2.1", "ch02/ch02.ipynb", "テキストからトークン、トークン ID、埋め込みベクトルへ", book.fig_2_1),
    Figure("2.2", "ch02/ch02.ipynb", "スライディングウィンドウ：max_length と stride", book.fig_2_2),
    Figure("2.3", "ch02/ch02.ipynb", "トークン埋め込み + 位置埋め込み = 入力埋め込み", book.fig_2_3),
    Figure("3.1", "ch03/ch03.ipynb", "1 つのクエリがすべてのキーを見て、コンテキストベクトルを作る",
           book.fig_3_1),
    Figure("3.2", "ch03/ch03.ipynb", "クエリ・キー・バリューの射影と行列の形", book.fig_3_2),
    Figure("3.3", "ch03/ch03.ipynb", "因果マスク：スコアの対角より上を −∞ にしてから softmax",
           book.fig_3_3),
    Figure("3.4", "ch03/ch03.ipynb", "MultiHeadAttention のヘッドの分割と結合", book.fig_3_4),
    Figure("4.1", "ch04/ch04.ipynb", "GPTModel の全体像", model.fig_4_1),
    Figure("4.2", "ch04/ch04.ipynb", "層正規化：平均と分散はトークンごとに、埋め込みの軸に沿って計算する",
           model.fig_4_2),
    Figure("4.3", "ch04/ch04.ipynb", "ショートカット接続：勾配が入力へ戻る 2 本目の道", model.fig_4_3),
    Figure("4.4", "ch04/ch04.ipynb", "Transformer ブロックの中のデータの流れ", model.fig_4_4),
    Figure("4.5", "ch04/ch04.ipynb", "generate_text_simple の生成ループ", model.fig_4_5),
    Figure("5.1", "ch05/ch05.ipynb", "交差エントロピー：ロジットから損失まで", book.fig_5_1),
    Figure("5.2", "ch05/ch05.ipynb", "学習ループの 1 ステップと定期的な評価", book.fig_5_2),
    Figure("5.3", "ch05/ch05.ipynb", "top-k と top-p で確率分布を切る", book.fig_5_3),
    Figure("5.4", "ch05/ch05.ipynb", "OpenAI の重みの名前と GPTModel の部品の対応", book.fig_5_4),
    Figure("2A.1", "ch02/bpe-from-scratch.ipynb", "BPE の学習：最も多いペアを数えて 1 つのトークンに併合する",
           bonus.fig_2a_1),
    Figure("3A.1", "ch03/efficient-attention.ipynb",
           "射影を 1 回の行列積にまとめ、アテンション本体を 1 つの関数に任せる", bonus.fig_3a_1),
    Figure("4A.1", "ch04/kv-cache.ipynb", "KV キャッシュ：ステップごとにキーとバリューが 1 行ずつ増える",
           bonus.fig_4a_1),
    Figure("4B.1", "ch04/mixture-of-experts.ipynb", "ルータが各トークンを top-k 個の専門家に振り分ける",
           bonus.fig_4b_1),
    Figure("5A.1", "ch05/pretraining-at-scale.ipynb",
           "一度だけトークン化したファイルから、ランダムな窓でバッチを作る", bonus.fig_5a_1),
    Figure("5B.1", "ch05/weight-loading-alternatives.ipynb",
           "2 つの配布形式を同じ params の形にそろえてから GPTModel に読み込む", bonus.fig_5b_1),
    Figure("5C.1", "ch05/conditional-generation.ipynb", "タグ付きの文書と区切り、タグを選んだ生成",
           bonus.fig_5c_1),
    Figure("D.1", "appendix-D/appendix-D.ipynb", "ウォームアップとコサイン減衰の 3 つのパラメータ",
           book.fig_d_1),
    Figure("D.2", "appendix-D/appendix-D.ipynb", "勾配クリッピング：ベクトルを最大ノルムまで縮める",
           book.fig_d_2),
    Figure("5D.1", "ch05/japanese-gpt.ipynb", "BPE が日本語のバイトを文字と単語にまとめていく",
           japanese.fig_5d_1),
    Figure("5D.2", "ch05/japanese-gpt.ipynb", "損失ではなく bits per character で比べる理由",
           japanese.fig_5d_2),
    Figure("D.3", "appendix-D/mixed-precision-and-accumulation.ipynb",
           "float32・bfloat16・float16 のビットの配分", appendix_d.fig_d_3),
]


def draw(figure):
    """The figure's PNG bytes, drawn in the book's style."""
    with plt.rc_context(RC):
        return png_bytes(figure.draw())


def figure_cell(nb, figure):
    """The markdown cell that shows ``figure`` (exactly one must)."""
    ref = f"attachment:{figure.name}"
    cells = [c for c in nb.cells if c.cell_type == "markdown" and ref in c.source]
    if len(cells) != 1:
        raise SystemExit(f"{figure.notebook}: {len(cells)} markdown cells show {figure.name} "
                         f"(need exactly 1): add a cell with ![...]({ref}) and its caption")
    return cells[0]


def stored_png(cell, name):
    data = cell.get("attachments", {}).get(name, {}).get("image/png")
    return base64.b64decode(data) if data else None


def same_picture(a, b):
    """True when two PNGs are the same bytes or the same pixels within 2/255."""
    if a == b:
        return True
    if a is None or b is None:
        return False
    import numpy as np

    pa, pb = plt.imread(io.BytesIO(a)), plt.imread(io.BytesIO(b))
    return pa.shape == pb.shape and float(np.abs(pa - pb).max()) <= 2 / 255


def problems(figure, cell, png):
    """What is wrong with the stored figure (an empty list when nothing is)."""
    found = []
    if figure.caption_line not in cell.source:
        found.append(f"caption line missing: {figure.caption_line!r}")
    if not same_picture(stored_png(cell, figure.name), png):
        found.append("attachment differs from the drawing")
    if len(png) > MAX_BYTES:
        found.append(f"PNG is {len(png):,} bytes (limit {MAX_BYTES:,})")
    return found


def run(check, out_dir=None):
    by_notebook = {}
    for figure in FIGURES:
        by_notebook.setdefault(figure.notebook, []).append(figure)
    failures = 0
    for rel, figures in by_notebook.items():
        path = ROOT / rel
        nb = nbformat.read(path, as_version=4)
        changed = False
        for figure in figures:
            png = draw(figure)
            if out_dir:
                (Path(out_dir) / figure.name).write_bytes(png)
            cell = figure_cell(nb, figure)
            found = problems(figure, cell, png)
            if check:
                for text in found:
                    print(f"{rel}: 図 {figure.number}: {text}")
                failures += bool(found)
            elif not same_picture(stored_png(cell, figure.name), png):
                encoded = base64.b64encode(png).decode("ascii")
                cell["attachments"] = {figure.name: {"image/png": encoded}}
                changed = True
        if changed:
            _write_notebook(path, nb)
            print(f"rewrote the figures of {rel}")
    return failures


def _write_notebook(path, nb):
    from llms_from_scratch.fileio import write_text

    write_text(path, nbformat.writes(nb) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a stored figure differs from what the script draws")
    parser.add_argument("--out", help="also write the PNG files into this folder")
    args = parser.parse_args(argv)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
    failures = run(args.check, args.out)
    if args.check:
        if failures:
            print(f"{failures} figure(s) out of date: run `python tools/figures.py`")
            return 1
        print(f"all {len(FIGURES)} figures are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
