"""Stand-alone copies of the package code for the book's chapter folders.

A notebook must run with only its own folder, so each chapter folder holds
copies of the package modules it needs, joined into files with the
package's internal imports rewritten:

- ``previous_chapters.py``: the earlier chapters' code, the device helper and
  a short download of the book's files (``basic_download``, which stands in
  for the package's download layer ``assets``);
- ``chapter_reference.py``: the folder's own chapter as the package has it,
  for the cells that check the notebook's step-by-step code against the
  package's (the drift checks); it imports the earlier chapters from
  ``previous_chapters.py``;
- ``checks.py``: the argument checks (``checks``) that the two files above
  call, only those of the folder's chapters;
- ``ch05/gpt_download.py``: the GPT-2 weight loaders (``gpt2``); the weight
  formats they read and write (``gpt2_layout``, ``gpt2_tf``, ``gpt2_hf`` with
  ``hub``) are in ``ch05/gpt2_formats.py``, the download in
  ``previous_chapters.py``.

The package is the single source: ``tools/gen_previous_chapters.py`` writes
the copies in the book's repository and a test fails when a committed copy is
stale; ``llms-from-scratch previous-chapters CHAPTER`` writes all of a
folder's copies anywhere else (e.g. next to a notebook opened in Colab).
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The copies carry the short download instead of the package's download layer;
# it has the same names for everything the copied modules import from it.
STAND_INS = {"assets": "basic_download"}

# What every previous_chapters.py starts with: the table of the book's files,
# their short download and the device helper, so that a notebook can fetch
# its data and pick a device without the package installed.
_BASE = ["catalog", "basic_download", "device"]

# A module is copied whole, or as ``(module, names)``: only those top-level
# names and what they use. Chapters 4 and later need only chapter 3's final
# attention class, not the steps that lead to it.
_CH03_FINAL = ("ch03", ("MultiHeadAttention",))
# Chapter 4's public classes and functions (its lazy GPTModelFast alias stays in the package).
_CH04_FINAL = ("ch04", ("LayerNorm", "GELU", "FeedForward", "TransformerBlock", "GPTModel",
                        "generate_text_simple"))



def _checks_for(*chapters):
    """``("checks", names)``: only the argument checks that these chapter modules
    import. Each folder has them once, in its own ``checks.py``, which both
    ``previous_chapters.py`` and ``chapter_reference.py`` import from, so the
    copies of the chapter code read without them, like the package's modules."""
    names = set()
    for chapter in chapters:
        tree = ast.parse((PACKAGE / f"{chapter}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level and node.module == "checks":
                names |= {alias.name for alias in node.names}
    return ("checks", tuple(sorted(names)))


OUTPUTS = {
    "ch02/previous_chapters.py": _BASE,
    "ch02/chapter_reference.py": ["ch02"],
    "ch02/checks.py": [_checks_for("ch02")],
    "ch03/previous_chapters.py": _BASE + ["ch02"],
    "ch03/chapter_reference.py": ["ch03"],
    "ch03/checks.py": [_checks_for("ch02", "ch03")],
    "ch04/previous_chapters.py": _BASE + ["ch02", _CH03_FINAL],
    "ch04/chapter_reference.py": ["ch04"],
    "ch04/checks.py": [_checks_for("ch02", "ch03", "ch04")],
    "ch05/previous_chapters.py": _BASE + ["ch02", _CH03_FINAL, _CH04_FINAL],
    "ch05/chapter_reference.py": ["ch05"],
    "ch05/checks.py": [_checks_for("ch02", "ch03", "ch04", "ch05")],
    # GPT-2's published weights for chapter 5's notebooks (`from gpt_download import ...`):
    # the download of OpenAI's files; the formats it reads come from gpt2_formats.py.
    "ch05/gpt_download.py": ["gpt2"],
    "ch05/gpt2_formats.py": ["gpt2_layout", "gpt2_tf", "errors", "hub", "gpt2_hf"],
    "appendix-D/previous_chapters.py": _BASE + ["ch02", _CH03_FINAL, _CH04_FINAL, "ch05"],
    "appendix-D/chapter_reference.py": ["appendix_d"],
    "appendix-D/checks.py": [_checks_for("ch02", "ch03", "ch04", "ch05", "appendix_d")],
}


def _name(entry):
    return entry if isinstance(entry, str) else entry[0]

_PURPOSE = {
    "previous_chapters.py": "前の章までのコード（とデータのダウンロード、デバイスの選択）",
    "chapter_reference.py": "この章のパッケージ版のコード（ノートブックの照合用）",
    "gpt_download.py": "GPT-2 の公開済みの重みをダウンロードして読み込むコード",
    "gpt2_formats.py": "GPT-2 の重みの形式（TensorFlow と safetensors）を読み書きするコード",
    "checks.py": "章のコードが呼ぶ引数のチェック（この章までに使うものだけ）",
}

HEADER = '''\
# Generated from the package llms_from_scratch ({modules}).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: {purpose}。ノートブックがこのフォルダだけで動くようにするためのものです。
'''


def _split_module(path):
    """Return (docstring, import nodes, source, body text) of a package module.

    All imports must come before any other code, so that the body can be
    copied verbatim.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    imports, body_start = [], 0
    for index, node in enumerate(tree.body):
        is_docstring = (index == 0 and isinstance(node, ast.Expr)
                        and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str))
        if not (is_docstring or isinstance(node, (ast.Import, ast.ImportFrom))):
            break
        if not is_docstring:
            imports.append(node)
        body_start = node.end_lineno
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and node.lineno > body_start:
            raise SystemExit(f"{path}: relative import on line {node.lineno} is not at the "
                             "top of the module; move it up so the copy can rewrite it")
    body = _drop_all("".join(lines[body_start:]))
    return ast.get_docstring(tree) or "", imports, source, body.strip("\n")


def _defined_names(node):
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    raise SystemExit(f"line {node.lineno}: only definitions can be picked by name")


def _pick(body, roots):
    """Only the top-level definitions of ``body`` named in ``roots`` and those they use
    (each with the comments above it), in the order of the module."""
    nodes = ast.parse(body).body
    lines = body.splitlines(keepends=True)
    wanted, todo = set(), list(roots)
    by_name = {name: node for node in nodes for name in _defined_names(node)}
    while todo:
        name = todo.pop()
        if name in wanted or name not in by_name:
            continue
        wanted.add(name)
        todo += [n.id for n in ast.walk(by_name[name]) if isinstance(n, ast.Name)]
    missing = set(roots) - set(by_name)
    if missing:
        raise SystemExit(f"cannot pick {', '.join(sorted(missing))}: not defined there")
    kept, start = [], 0
    for node in nodes:
        if _defined_names(node) & wanted:
            kept.append("".join(lines[start:node.end_lineno]))
        start = node.end_lineno
    return "".join(kept)


def _drop_all(body):
    tree = ast.parse(body)
    lines = body.splitlines(keepends=True)
    for node in reversed(tree.body):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            del lines[node.lineno - 1:node.end_lineno]
    return "".join(lines)


def _check_unique_names(modules, sections):
    """Two modules defining the same top-level name would silently shadow one another."""
    seen = {}
    for module, section in zip(modules, sections, strict=True):
        for node in ast.parse(section).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            else:
                continue
            for name in names:
                if name in seen:
                    raise SystemExit(f"{name} is defined in both {seen[name]} and {module}; "
                                     "rename one so the joined copy stays correct")
                seen[name] = module


def _import_used(node, used):
    return any((alias.asname or alias.name).split(".")[0] in used for alias in node.names)


def _is_stdlib(import_line):
    name = import_line.split()[1].split(".")[0]
    return name in sys.stdlib_module_names


def _home(module, rel):
    """The generated file (a module name, e.g. ``previous_chapters``) that carries ``module``
    for the copy ``rel``: it must sit in the same folder."""
    folder = rel.split("/")[0]
    for other, modules in OUTPUTS.items():
        if other.split("/")[0] == folder and module in map(_name, modules):
            return Path(other).stem
    raise SystemExit(f"{rel} imports llms_from_scratch.{module}, which no copy in {folder}/ "
                     "carries; add it to standalone.OUTPUTS")


def _rewrite_import(node, source, modules, rel):
    """The import line as the copy needs it, or None when the copy defines the names."""
    if not getattr(node, "level", 0):
        return ast.get_source_segment(source, node)
    if node.module is None:
        raise SystemExit(f"{rel}: write `from .module import name`, not `from . import "
                         "module`, in the modules it copies")
    module = STAND_INS.get(node.module, node.module)
    if module in modules:
        return None
    names = ", ".join(alias.name if alias.asname is None else f"{alias.name} as {alias.asname}"
                      for alias in node.names)
    return f"from {_home(module, rel)} import {names}"


def render(rel):
    """The text of the generated copy ``rel`` (a key of ``OUTPUTS``)."""
    modules = [_name(entry) for entry in OUTPUTS[rel]]
    imports, sections = [], []
    for entry, name in zip(OUTPUTS[rel], modules, strict=True):
        docstring, nodes, source, body = _split_module(PACKAGE / f"{name}.py")
        if not isinstance(entry, str):
            body = _pick(body, entry[1]).strip("\n")
            used = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
            nodes = [n for n in nodes if _import_used(n, used)]
        for node in nodes:
            line = _rewrite_import(node, source, modules, rel)
            if line is not None and line not in imports:
                imports.append(line)
        title = docstring.splitlines()[0] if docstring else name
        if not isinstance(entry, str):
            title += f" (only {', '.join(entry[1])} and what it uses)"
        sections.append(f"# {'=' * 76}\n# llms_from_scratch.{name}: {title}\n"
                        f"# {'=' * 76}\n\n{body}\n")
    _check_unique_names(modules, sections)
    stdlib = sorted(i for i in imports if _is_stdlib(i))
    local = sorted(i for i in imports if i.split()[1] in {Path(r).stem for r in OUTPUTS})
    third = sorted(i for i in imports if i not in stdlib and i not in local)
    groups = "\n\n".join("\n".join(group) for group in (stdlib, third, local) if group)
    head = HEADER.format(modules=", ".join(modules), purpose=_PURPOSE[Path(rel).name])
    return head + "\n" + groups + "\n\n\n" + "\n\n".join(sections)


def chapters():
    """The chapter folders that have copies, e.g. ``["ch02", ..., "appendix-D"]``."""
    return sorted({rel.split("/")[0] for rel in OUTPUTS})


def write_chapter_files(chapter, out_dir="."):
    """Write all the copies of folder ``chapter`` (e.g. ``"ch05"``) into ``out_dir``.

    Returns the paths written.
    """
    from .fileio import write_text

    if chapter not in chapters():
        raise ValueError(f"unknown chapter {chapter!r}; choose one of {', '.join(chapters())}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for rel in OUTPUTS:
        folder, name = rel.split("/")
        if folder == chapter:
            written.append(write_text(out_dir / name, render(rel), durable=False))
    return written
