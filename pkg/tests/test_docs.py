"""The documents stay true: links lead somewhere, the module graph is the code's, the
reader's README stays short and never points at files readers do not have."""

import ast
import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("module_graph", ROOT / "tools" / "module_graph.py")
module_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module_graph)

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
FENCE = re.compile(r"```.*?```", re.S)
README_LIMIT = 8000


def _documents(root):
    """Every markdown file and notebook under ``root``, hidden folders left out."""
    for path in sorted([*root.rglob("*.md"), *root.rglob("*.ipynb")]):
        if not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def _markdown(path):
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def _slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[`*]", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(text):
    anchors, seen = set(), {}
    for heading in HEADING.findall(FENCE.sub("", text)):
        slug = _slug(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def broken_links(root):
    """'file: target (why)' for each relative link whose file or heading is missing."""
    broken = []
    for path in _documents(root):
        for target in LINK.findall(FENCE.sub("", _markdown(path))):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, attachment:
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part) if file_part else path
            where = f"{path.relative_to(root)}: {target}"
            if not dest.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and dest.suffix in (".md", ".ipynb") and \
                    anchor not in _anchors(_markdown(dest)):
                broken.append(f"{where} (no such heading)")
    return broken


def test_every_relative_link_leads_to_a_file_and_heading():
    assert broken_links(ROOT) == []


def test_the_checker_finds_planted_broken_links(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# 始め方\n\n## Set-up (pip)\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[ok](docs/a.md#始め方) [ok](docs/a.md#set-up-pip) [web](https://example.org/x)\n"
        "[gone](docs/b.md) [no heading](docs/a.md#install)\n"
        "```\n[in code](not/checked.md)\n```\n", encoding="utf-8")
    assert broken_links(tmp_path) == ["README.md: docs/b.md (no such file)",
                                      "README.md: docs/a.md#install (no such heading)"]


def test_the_module_graph_in_pkg_readme_is_read_from_the_code():
    assert module_graph.main(["--check"]) == 0, "run `python tools/module_graph.py`"


def test_the_module_graph_sees_imports_at_load_time_and_inside_functions():
    at_load, when_used = module_graph.graph()["ch04"]
    assert {"ch03", "arg_checks"} <= at_load and "train" not in at_load | when_used
    at_load, when_used = module_graph.graph()["cli"]
    assert "train" in when_used and "train" not in at_load
    assert module_graph.graph()["kv_cache"][0] == {"ch04", "kvcache"}  # ..ch04 from a subpackage


def test_the_module_graph_names_the_bench_package_and_skips_other_libraries():
    def names(line, importer=("cli", False)):
        return module_graph.imported_modules(ast.parse(line).body[0], importer)

    assert names("from llms_from_scratch_bench import bench") == {"llms_from_scratch_bench"}
    assert names("import llms_from_scratch.ch05") == {"ch05"}
    assert names("from . import amp, errors") == {"amp", "errors"}
    assert names("from .gpt2 import gpt2_params") == {"gpt2"}
    assert names("import torch.nn") == set() and names("from numpy import ndarray") == set()
    assert names("from . import generate", ("kv_cache", True)) == set()


def test_the_readers_readme_is_short_and_names_no_outside_folder():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text) <= README_LIMIT, (
        f"README.md has {len(text):,} characters (at most {README_LIMIT:,}): "
        "move contributor material to CONTRIBUTING.md or docs/")
    reader_facing = [ROOT / "README.md", ROOT / "index.ipynb", *ROOT.glob("setup/*.md"),
                     *ROOT.glob("ch*/*.md"), *ROOT.glob("ch*/*.ipynb"),
                     *ROOT.glob("appendix-*/*.md"), *ROOT.glob("appendix-*/*.ipynb")]
    naming = [str(p.relative_to(ROOT)) for p in reader_facing if "../shared" in _markdown(p)]
    assert naming == [], "readers have no ../shared folder"


def test_the_architecture_in_pkg_readme_holds_at_its_two_ends():
    """pkg/README.md's claims: chapters import only chapters, checks and (ch02) assets;
    the foundations import nothing above them; nothing imports cli, only cli imports train."""
    graph = {name: at_load | when_used
             for name, (at_load, when_used) in module_graph.graph().items()}
    chapters = {"ch02", "ch03", "ch04", "ch05", "appendix_d"}
    for name in chapters:
        allowed = chapters | {"arg_checks"} | ({"assets"} if name == "ch02" else set())
        assert graph[name] <= allowed, f"{name} imports {graph[name] - allowed}"
    foundations = {"errors", "fileio", "interrupts", "i18n", "device"}
    for name in foundations:
        assert graph[name] <= foundations | {"messages_ja"}, f"{name} imports {graph[name]}"
    assert [name for name, names in graph.items() if "cli" in names] == []
    assert [name for name, names in graph.items() if "train" in names] == ["cli"]


def test_every_test_named_in_the_faults_page_exists():
    """docs/faults.md names the test that holds each promise; renaming a test renames it there."""
    text = (ROOT / "docs" / "faults.md").read_text(encoding="utf-8")
    legend = dict(re.findall(r"\b([A-Z]) = `(test_\w+\.py)`", text))
    assert len(legend) >= 10, legend
    refs = [(f"pkg/tests/{legend[short]}", name)
            for short, name in re.findall(r"\b([A-Z])::(test_\w+)", text)]
    refs += [(path if path.startswith("bench/") else f"pkg/tests/{path}", name)
             for path, name in re.findall(r"\b((?:bench/tests/)?test_\w+\.py)::(test_\w+)", text)]
    assert len(refs) > 100
    missing = []
    for path, name in refs:
        if path.startswith("bench/") and not (ROOT / "bench").is_dir():
            continue  # the benchmark is a package of its own, not in every checkout
        file = ROOT / path
        if not file.is_file() or f"def {name}(" not in file.read_text(encoding="utf-8"):
            missing.append(f"{path}::{name}")
    assert missing == [], "docs/faults.md names tests that do not exist"
