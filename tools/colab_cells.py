"""Write every notebook's Colab cell and every "Open in Colab" link from one template.

    python tools/colab_cells.py           # rewrite what is out of date
    python tools/colab_cells.py --check   # exit 1 if anything is out of date

One source: ``pkg/pyproject.toml`` gives the repository (``[project.urls]
Repository``) and the package version; the git ref is the release tag
``v<version>``, which should be pushed with each version. From these come:

- the Colab cell of each notebook (the first code cell that tests
  ``"google.colab" in sys.modules``): install the book's package at that tag
  from the repository, or from the default branch while the tag does not
  exist (``git ls-remote`` asks), saying in Japanese which it installed; stop
  with a Japanese message unless what got installed is this book's package
  (at this version, when the tag was there); then write the folder's
  generated files (``llms-from-scratch previous-chapters FOLDER``);
- the "Open in Colab" badge on the title cell of each notebook;
- the block of Colab links in each chapter folder's README.md and in the root README.md.

Only those cells and blocks change; cell ids and outputs stay as they are.
"""

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the test extra brings tomli
    import tomli as tomllib

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pkg" / "pyproject.toml"
COLAB_MARKER = '"google.colab" in sys.modules'
BADGE_SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_RE = re.compile(r"^\[!\[Colab で開く\]\(" + re.escape(BADGE_SVG) + r"\)\]\([^)]*\)$")
BLOCK_START, BLOCK_END = "<!-- colab-links: start -->", "<!-- colab-links: end -->"
FOLDERS = ("ch01", "ch02", "ch03", "ch04", "ch05", "appendix-D")

CELL = '''\
# Google Colab で開いたときだけ実行されます（手元の環境では何もしません）。
# この本のパッケージを本のリポジトリから入れ、この本のものが入ったことを確かめます。
# 入れるのは {version} 版のタグ {ref} の版で、タグがまだないときは既定のブランチの最新版です。{write_note}
import sys
if "google.colab" in sys.modules:
    import importlib.metadata, shutil, subprocess
    _tagged = subprocess.run(["git", "ls-remote", "--exit-code", "--tags", "{url}", "{ref}"],
                             capture_output=True).returncode == 0
    if _tagged:
        print("タグ {ref} の版（{version}）を入れます。")
        %pip install -q "{requirement}"
    else:
        print("リポジトリにタグ {ref} がないので、既定のブランチの最新版を入れます。")
        %pip install -q "{branch_requirement}"
    try:
        _meta = importlib.metadata.metadata("llms-from-scratch")
        _ours = ((_meta["Version"] == "{version}" or not _tagged)
                 and shutil.which("llms-from-scratch") is not None
                 and "{url}" in str(_meta.get_all("Project-URL")))
    except importlib.metadata.PackageNotFoundError:
        _ours = False
    if not _ours:
        raise SystemExit("この本のパッケージ llms-from-scratch {version} が入っていません（インストールに失敗したか、"
                         "同じ名前の別のパッケージです）。上の pip の出力を確かめ、メニューの"
                         "「ランタイム」→「セッションを再起動する」のあとで、このセルをもう一度実行してください。")
    print(f"llms-from-scratch {{_meta['Version']}} を入れました。")
'''
WRITE_NOTE = "\n# そのあと、このノートブックが読み込む {files} をパッケージから書き出します。"
WRITE_LINE = "    !llms-from-scratch previous-chapters {folder}\n"


def settings(pyproject=PYPROJECT):
    """``{"url", "version", "ref", "owner_repo"}`` from ``pkg/pyproject.toml``."""
    project = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]
    url = project["urls"]["Repository"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", url)
    if match is None:
        raise SystemExit(f"{pyproject}: [project.urls] Repository must be "
                         f"https://github.com/OWNER/REPO, not {url!r}")
    version = project["version"]
    return {"url": url, "version": version, "ref": f"v{version}", "owner_repo": match.group(1)}


def requirement(conf):
    """The pip requirement of the book's package at its release tag."""
    return f"llms-from-scratch @ git+{conf['url']}@{conf['ref']}#subdirectory=pkg"


def branch_requirement(conf):
    """The pip requirement of the book's package on the default branch (no tag yet)."""
    return f"llms-from-scratch @ git+{conf['url']}#subdirectory=pkg"


def colab_url(rel_path, conf):
    """Colab's URL for the notebook at ``rel_path`` (from the repository root)."""
    return (f"https://colab.research.google.com/github/{conf['owner_repo']}/blob/"
            f"{conf['ref']}/{Path(rel_path).as_posix()}")


def badge(rel_path, conf):
    return f"[![Colab で開く]({BADGE_SVG})]({colab_url(rel_path, conf)})"


def writes_files(folder):
    """Whether ``llms-from-scratch previous-chapters FOLDER`` has files for this folder."""
    from llms_from_scratch.standalone import chapters

    return folder in chapters()


def written_files(folder):
    """The generated files of ``folder`` in Japanese prose, e.g. ``previous_chapters.py と
    gpt_download.py``."""
    from llms_from_scratch.standalone import OUTPUTS

    return " と ".join(rel.split("/")[1] for rel in OUTPUTS if rel.split("/")[0] == folder)


def cell_source(folder, conf):
    writes = writes_files(folder)
    note = WRITE_NOTE.format(files=written_files(folder)) if writes else ""
    text = CELL.format(version=conf["version"], url=conf["url"], ref=conf["ref"],
                       requirement=requirement(conf), branch_requirement=branch_requirement(conf),
                       write_note=note)
    return (text + WRITE_LINE.format(folder=folder) if writes else text).rstrip("\n")


def title_with_badge(source, line):
    """The title cell's text with ``line`` right after the heading (replacing an old badge)."""
    lines = [ln for ln in source.split("\n") if not BADGE_RE.match(ln)]
    head, rest = lines[0], "\n".join(lines[1:]).lstrip("\n")
    return f"{head}\n\n{line}" + (f"\n\n{rest}" if rest else "")


def notebooks():
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))


def colab_cell_index(nb, path):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and COLAB_MARKER in cell.source:
            return i
    raise SystemExit(f"{path}: no Colab cell (a code cell testing {COLAB_MARKER})")


def notebook_text(path, conf):
    """The text ``path`` should have: its Colab cell and badge from the template."""
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT)
    title = nb.cells[0]
    if title.cell_type != "markdown" or not title.source.startswith("# "):
        raise SystemExit(f"{path}: the first cell must be the markdown title (# ...)")
    title.source = title_with_badge(title.source, badge(rel, conf))
    nb.cells[colab_cell_index(nb, path)].source = cell_source(rel.parts[0], conf)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def readme_block(paths, conf):
    rows = [f"- {badge(p.relative_to(ROOT), conf)} [`{p.name}`]({p.name})" for p in paths]
    intro = ("Google Colab で開くときは次のリンクからどうぞ（最初のコードセルが、この本の"
             "パッケージをリポジトリから入れます。[README](../README.md#google-colab-で開く) を参照）。")
    return "\n".join([BLOCK_START, intro, "", *rows, BLOCK_END])


def root_readme_block(conf):
    rows = [f"- {badge(p, conf)} [`{p}`]({p})" for p in
            (Path(f) / f"{f}.ipynb" for f in FOLDERS)]
    return "\n".join([BLOCK_START, *rows, BLOCK_END])


def with_block(text, block, path):
    """``text`` with its colab-links block replaced, or put after the title line."""
    start, end = text.find(BLOCK_START), text.find(BLOCK_END)
    if start != -1 and end != -1:
        return text[:start] + block + text[end + len(BLOCK_END):]
    if not text.startswith("# "):
        raise SystemExit(f"{path}: no colab-links block and no title line to put one after")
    head, _, rest = text.partition("\n")
    return f"{head}\n\n{block}\n\n{rest.lstrip(chr(10))}"


def wanted_texts(conf):
    """Pairs (path, the text it should have) for every file the template writes."""
    pairs = [(nb, notebook_text(nb, conf)) for nb in notebooks()]
    for folder in FOLDERS:
        readme = ROOT / folder / "README.md"
        block = readme_block(sorted((ROOT / folder).glob("*.ipynb")), conf)
        pairs.append((readme, with_block(readme.read_text(encoding="utf-8"), block, readme)))
    root = ROOT / "README.md"
    pairs.append((root, with_block(root.read_text(encoding="utf-8"),
                                   root_readme_block(conf), root)))
    return pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "pkg"))  # the source tree, installed or not
    from llms_from_scratch.fileio import write_text

    stale = []
    for path, text in wanted_texts(settings()):
        if path.read_text(encoding="utf-8") != text:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                write_text(path, text)
    if args.check and stale:
        print("out of date (run `make colab-cells`): " + ", ".join(stale), file=sys.stderr)
        return 1
    for rel in stale if not args.check else []:
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
