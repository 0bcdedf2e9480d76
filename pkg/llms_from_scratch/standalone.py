"""Stand-alone copies of the package code for the book's chapter folders.

A notebook must run with only its own folder, so ``chNN/previous_chapters.py``
carries the code of the package modules it needs (the earlier chapters' and
its own chapter's final form), joined into one file with the package's
internal imports (``from .ch03 import ...``) removed. The package is the
single source: ``tools/gen_previous_chapters.py`` writes the copies in the
book's repository and a test fails when a committed copy is stale;
``llms-from-scratch previous-chapters CHAPTER`` writes them anywhere else
(e.g. next to a notebook opened in Google Colab).
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# Every copy starts with the download layer and the device helper, so that a
# notebook can fetch its data and pick a device without the package installed.
_BASE = ["device", "assets"]

# Each copy also carries its own chapter's final code, so that a notebook can
# check the version it builds step by step against the package's (the drift
# check) without the package installed.
OUTPUTS = {
    "ch02/previous_chapters.py": _BASE + ["ch02"],
    "ch03/previous_chapters.py": _BASE + ["ch02", "ch03"],
    "ch04/previous_chapters.py": _BASE + ["ch02", "ch03", "ch04"],
    "ch05/previous_chapters.py": _BASE + ["ch02", "ch03", "ch04", "ch05"],
    "appendix-D/previous_chapters.py": _BASE + ["ch02", "ch03", "ch04", "ch05", "appendix_d"],
    # GPT-2's published weights for chapter 5's notebooks (`from gpt_download import ...`).
    "ch05/gpt_download.py": ["assets", "gpt2"],
}

HEADER = '''\
# Generated from the package llms_from_scratch ({modules}).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes a fresh copy.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# ノートブックがこのフォルダだけで動くように、前の章までのコードをまとめたものです。
'''


def _split_module(path):
    """Return (docstring, import lines, body text) of a package module.

    All imports must come before any other code, so that the body can be
    copied verbatim.
    """
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    docstring = ast.get_docstring(tree) or ""
    imports, body_start = [], 0
    for node in tree.body:
        is_docstring = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str) and body_start == 0)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_docstring:
            if not is_docstring and not (isinstance(node, ast.ImportFrom) and node.level):
                imports.append(ast.get_source_segment(source, node))
            body_start = node.end_lineno
        else:
            break
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and node.lineno > body_start:
            raise SystemExit(f"{path}: relative import on line {node.lineno} is not at the "
                             "top of the module; move it up so the copy can drop it")
    body = "".join(lines[body_start:])
    body = _drop_all(body)
    return docstring, imports, body.strip("\n")


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


def _is_stdlib(import_line):
    name = import_line.split()[1].split(".")[0]
    return name in sys.stdlib_module_names


def render(modules):
    imports, sections = [], []
    for name in modules:
        docstring, mod_imports, body = _split_module(PACKAGE / f"{name}.py")
        for line in mod_imports:
            if line not in imports:
                imports.append(line)
        title = docstring.splitlines()[0] if docstring else name
        sections.append(f"# {'=' * 76}\n# llms_from_scratch.{name}: {title}\n"
                        f"# {'=' * 76}\n\n{body}\n")
    _check_unique_names(modules, sections)
    stdlib = sorted(i for i in imports if _is_stdlib(i))
    third = sorted(i for i in imports if not _is_stdlib(i))
    head = HEADER.format(modules=", ".join(modules))
    return (head + "\n" + "\n".join(stdlib) + "\n\n" + "\n".join(third) + "\n\n\n"
            + "\n\n".join(sections))



def chapters():
    """The chapter folders that have copies, e.g. ``["ch02", ..., "appendix-D"]``."""
    return sorted({rel.split("/")[0] for rel in OUTPUTS})


def write_chapter_files(chapter, out_dir="."):
    """Write the copies of folder ``chapter`` (e.g. ``"ch05"``) into ``out_dir``.

    Returns the paths written.
    """
    if chapter not in chapters():
        raise ValueError(f"unknown chapter {chapter!r}; choose one of {', '.join(chapters())}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, modules in OUTPUTS.items():
        folder, name = rel.split("/")
        if folder == chapter:
            path = out_dir / name
            path.write_text(render(modules), encoding="utf-8")
            written.append(path)
    return written
