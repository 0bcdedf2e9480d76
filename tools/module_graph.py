"""Write the package's import graph into pkg/README.md, read from the code itself.

    python tools/module_graph.py          # rewrite the block in pkg/README.md
    python tools/module_graph.py --check  # exit 1 when the block is out of date

The block between the module-graph markers lists, for every module of
``llms_from_scratch``, the package modules it imports: first those imported when
the module is loaded, then (after "when used:") those imported inside functions.
The architecture prose around the block is written by hand; this keeps the
"which module depends on which" part true (pkg/tests/test_docs.py runs --check).
"""

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pkg" / "llms_from_scratch"
README = ROOT / "pkg" / "README.md"
START, END = "<!-- module-graph: start -->", "<!-- module-graph: end -->"
BENCH = "llms_from_scratch_bench"  # the benchmark, a package of its own


def module_name(path):
    """``ch04`` for ch04.py, ``kv_cache`` for every file of the kv_cache subpackage."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imported_modules(node, importer):
    """Package modules named by one import statement of ``importer``."""
    if isinstance(node, ast.Import):
        names = {a.name for a in node.names}
        return ({n.split(".")[1] for n in names if n.startswith("llms_from_scratch.")}
                | {BENCH for n in names if n.split(".")[0] == BENCH})
    if node.level == 0:
        if node.module == "llms_from_scratch":
            return {a.name for a in node.names}
        if node.module and node.module.startswith("llms_from_scratch."):
            return {node.module.split(".")[1]}
        if node.module and node.module.split(".")[0] == BENCH:
            return {BENCH}
        return set()
    inside_subpackage = importer[1]
    if node.level == 2 or (node.level == 1 and not inside_subpackage):
        return {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return set()  # a relative import inside the same subpackage


def module_imports(path):
    """(imports at load time, imports inside functions) of one file."""
    importer = (module_name(path), path.parent != PACKAGE)
    at_load, when_used = set(), set()

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                (when_used if in_function else at_load).update(imported_modules(child, importer))
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            visit(child, nested)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return at_load, when_used


def graph():
    """{module: (imports at load time, imports inside functions)} for the package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py") and path.parent == PACKAGE:
            continue
        at_load, when_used = modules.setdefault(module_name(path), (set(), set()))
        more_at_load, more_when_used = module_imports(path)
        at_load.update(more_at_load)
        when_used.update(more_when_used)
    for name, (at_load, when_used) in modules.items():
        for names in (at_load, when_used):
            names.discard(name)
            names.discard("__version__")
        when_used -= at_load
    return modules


def block():
    lines = [START, "", "| module | imports from the package |", "| --- | --- |"]
    for name, (at_load, when_used) in sorted(graph().items()):
        text = ", ".join(f"`{m}`" for m in sorted(at_load)) or "—"
        if when_used:
            text += "; when used: " + ", ".join(f"`{m}`" for m in sorted(when_used))
        lines.append(f"| `{name}` | {text} |")
    return "\n".join([*lines, "", END])


def with_block(text):
    start, end = text.find(START), text.find(END)
    if start == -1 or end == -1:
        raise SystemExit(f"{README}: no {START} ... {END} block")
    return text[:start] + block() + text[end + len(END):]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the block is out of date")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    wanted = with_block(text)
    if args.check:
        if wanted != text:
            print(f"{README} is out of date: run python tools/module_graph.py", file=sys.stderr)
            return 1
        return 0
    if wanted != text:
        sys.path.insert(0, str(ROOT / "pkg"))  # the source tree, installed or not
        from llms_from_scratch.fileio import write_text

        write_text(README, wanted)
        print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
