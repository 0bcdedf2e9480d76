"""Stand-alone copies of the package code for the book's chapter folders.

A chapter folder holds copies of the package code its notebooks import, so
the reader sees it beside them (``previous_chapters.py``; ``ch05/gpt_download.py``
as readers of the English edition expect). A module is copied whole, or as
``(module, names)``: those names, what they use, and what the folder's other
copies import from it; the rest (``assets``, ``device``, ``arg_checks``, ...) the
copies import from the installed package, as the notebooks do. The package
is the single source: ``tools/gen_previous_chapters.py`` writes the copies and
a test fails when a committed one is stale.
"""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

OUTPUTS = {
    # ch04's notebooks use only chapter 3's final attention class of the earlier chapters.
    "ch04/previous_chapters.py": [("ch03", ("MultiHeadAttention",))],
    "ch05/previous_chapters.py": ["ch02", ("ch03", ("MultiHeadAttention",)),
                                  ("ch04", ("GPTModel", "generate_text_simple"))],
    # GPT-2's published weights for chapter 5's notebooks (`from gpt_download import ...`).
    "ch05/gpt_download.py": [("hub", ()), ("gpt2_formats", ()), ("gpt2", ())],
    "appendix-D/previous_chapters.py": [
        ("ch02", ("create_dataloader_v1",)), ("ch03", ("MultiHeadAttention",)),
        ("ch04", ("GPTModel",)),
        ("ch05", ("calc_loss_batch", "evaluate_model", "generate_and_print_sample",
                  "train_model_simple"))],
}


# What the notebooks import from a copy beyond its roots above (defined in it; a name
# that a copy imports from the package, e.g. GPT2_MODELS_URL, is there anyway).
NOTEBOOK_NAMES = {
    "ch05/gpt_download.py": ("GPT2_CONFIGS", "GPT2_HF_REPOS", "GPT2_HF_URL",
                             "config_from_settings", "download_and_load_gpt2",
                             "download_gpt2_safetensors", "list_tf_checkpoint_variables",
                             "load_gpt2_params_from_safetensors", "load_gpt2_params_from_tf_ckpt",
                             "read_hparams", "save_gpt2_tf_checkpoint"),
}


def _name(entry):
    return entry if isinstance(entry, str) else entry[0]


_PURPOSE = {
    "previous_chapters.py": "前の章までのコード（このフォルダのノートブックが使うもの）",
    "gpt_download.py": "GPT-2 の公開済みの重みのダウンロードと読み込み（形式の読み書きも含む）",
}

HEADER = '''\
# Generated from the package llms_from_scratch ({modules}).
# Do not edit: in the book's repository run `make previous-chapters`; elsewhere
# `llms-from-scratch previous-chapters CHAPTER` writes fresh copies.
# このファイルはパッケージ llms_from_scratch のコードから自動生成されています。
# 中身: {purpose}。
# ノートブックの横で読めるように写したもので、補助のコード（ダウンロード、デバイスの
# 選択、引数のチェックなど）はインストールしたパッケージ llms_from_scratch から読み込みます。
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
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Attribute) \
            and isinstance(node.value.func.value, ast.Name):  # NAME.update(...) adds to NAME
        return {node.value.func.value.id}
    raise SystemExit(f"line {node.lineno}: only definitions can be picked by name")


def _pick(body, roots):
    """Only the top-level definitions of ``body`` named in ``roots`` and those they use
    (each with the comments above it), in the order of the module."""
    nodes = ast.parse(body).body
    lines = body.splitlines(keepends=True)
    wanted, todo = set(), list(roots)
    by_name = {}  # a name -> the statements that define it (or add to it)
    for node in nodes:
        for name in _defined_names(node):
            by_name.setdefault(name, []).append(node)
    while todo:
        name = todo.pop()
        if name in wanted or name not in by_name:
            continue
        wanted.add(name)
        todo += [n.id for node in by_name[name] for n in ast.walk(node)
                 if isinstance(n, ast.Name)]
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


def _is_stdlib(import_line):
    name = import_line.split()[1].split(".")[0]
    return name in sys.stdlib_module_names


def _home(module, rel):
    """The generated file (a module name, e.g. ``previous_chapters``) of the folder of
    ``rel`` that carries ``module``, or None: the copy imports it from the package."""
    folder = rel.split("/")[0]
    for other, modules in OUTPUTS.items():
        if other.split("/")[0] == folder and module in map(_name, modules):
            return Path(other).stem
    return None


def _module_parts(name):
    """``(source, import nodes, body)`` of package module ``name``, cached."""
    if name not in _PARTS:
        _doc, nodes, source, body = _split_module(PACKAGE / f"{name}.py")
        _PARTS[name] = (source, nodes, body)
    return _PARTS[name]


_PARTS = {}


def _section(name, roots):
    """The body of ``name`` in a copy (all of it when ``roots`` is None) and the names it uses."""
    body = _module_parts(name)[2]
    if roots is not None:
        body = _pick(body, sorted(roots)).strip("\n") if roots else ""
    return body, {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}


def _plan(folder):
    """``{rel: {module: roots}}`` for the copies of ``folder``: roots None for a module copied
    whole, else the names picked, grown until every name that one copy imports from a
    module of another (or of its own file) is there."""
    rels = [rel for rel in OUTPUTS if rel.split("/")[0] == folder]
    plan = {rel: {_name(e): (None if isinstance(e, str) else set(e[1])) for e in OUTPUTS[rel]}
            for rel in rels}
    for rel in rels:  # the notebooks' names: from the copy's own modules, or re-exported
        for name in NOTEBOOK_NAMES.get(rel, ()):
            _demand(plan, rel, name)
    changed = True
    while changed:
        changed = False
        for rel in rels:
            for module, roots in list(plan[rel].items()):
                _body, used = _section(module, roots)
                for node in _module_parts(module)[1]:
                    if not getattr(node, "level", 0):
                        continue
                    for alias in node.names:
                        if (alias.asname or alias.name) in used:
                            changed |= _add(plan, rel, node.module, alias.name)
    return plan


def _add(plan, rel, module, name):
    """Make ``name`` of ``module`` part of the copy of the folder of ``rel`` that carries it."""
    if module not in plan[rel] and _home(module, rel) is None:
        return False  # imported from the installed package
    home = rel if module in plan[rel] else f"{rel.split('/')[0]}/{_home(module, rel)}.py"
    roots = plan[home][module]
    if roots is None or name in roots:
        return False
    roots.add(name)
    return True


def _definer(plan, name):
    """``(rel, module)``: the copy of the plan's folder and the module in it that define
    ``name``."""
    for rel, modules in plan.items():
        for module in modules:
            if any(name in _defined_names(node)
                   for node in ast.parse(_module_parts(module)[2]).body
                   if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Assign))):
                return rel, module
    raise SystemExit(f"no copy of {next(iter(plan)).split('/')[0]}/ defines {name}; "
                     "add its module to standalone.OUTPUTS")


def _demand(plan, rel, name):
    """A name the notebooks import from ``rel``: picked where the folder defines it."""
    home, module = _definer(plan, name)
    _add(plan, home, module, name)


def _import_lines(rel, module, used, modules):
    """The import lines the section of ``module`` needs in the copy ``rel``."""
    source, nodes, _body = _module_parts(module)
    lines = []
    for node in nodes:
        names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if not names:
            continue
        if not getattr(node, "level", 0):
            lines.append(ast.get_source_segment(source, node) if len(names) == len(node.names)
                         else f"from {node.module} import {', '.join(a.name for a in names)}")
            continue
        if node.module not in modules:
            home = _home(node.module, rel) or f"llms_from_scratch.{node.module}"
            lines.append(f"from {home} import {_aliases(names)}")
    return lines


def _aliases(names):
    return ", ".join(a.name if a.asname is None else f"{a.name} as {a.asname}" for a in names)


def render(rel):
    """The text of the generated copy ``rel`` (a key of ``OUTPUTS``)."""
    plan = _plan(rel.split("/")[0])
    modules, imports, sections, shown = list(plan[rel]), [], [], []
    for module, roots in plan[rel].items():
        body, used = _section(module, roots)
        if not body:
            continue
        shown.append(module)
        imports += [line for line in _import_lines(rel, module, used, modules)
                    if line not in imports]
        title = (ast.get_docstring(ast.parse(_module_parts(module)[0])) or module).splitlines()[0]
        if roots is not None:
            title += f" (only {', '.join(sorted(roots))} and what it uses)"
        sections.append(f"# {'=' * 76}\n# llms_from_scratch.{module}: {title}\n"
                        f"# {'=' * 76}\n\n{body}\n")
    _check_unique_names(shown, sections)
    stdlib = sorted((i for i in imports if _is_stdlib(i)), key=lambda i: (i.startswith("from"), i))
    package = sorted(i for i in imports if i.startswith("from llms_from_scratch."))
    third = sorted((i for i in imports if i not in stdlib + package and not _is_local(i)),
                   key=lambda i: (i.startswith("from"), i))
    local = _local_imports([i for i in imports if _is_local(i)])
    groups = "\n\n".join("\n".join(group) for group in (stdlib, third, package, local)
                         if group)
    head = HEADER.format(modules=", ".join(shown), purpose=_PURPOSE[Path(rel).name])
    return head + "\n" + groups + "\n\n\n" + "\n\n".join(sections)


def _is_local(import_line):
    return import_line.split()[1] in {Path(r).stem for r in OUTPUTS}


def _local_imports(lines):
    """One ``from COPY import ...`` line per copy of the folder."""
    names = {}
    for line in lines:
        _from, home, _import, rest = line.split(" ", 3)
        names.setdefault(home, set()).update(n.strip() for n in rest.split(","))
    return [f"from {home} import {', '.join(sorted(names[home]))}" for home in sorted(names)]


def chapters():
    """The chapter folders that have copies, e.g. ``["ch02", ..., "appendix-D"]``."""
    return sorted({rel.split("/")[0] for rel in OUTPUTS})


def write_chapter_files(chapter, out_dir="."):
    """Write all the copies of folder ``chapter`` (e.g. ``"ch05"``) into ``out_dir``; return
    the paths written."""
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
