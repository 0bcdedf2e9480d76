"""Fold the Japanese translations of a ``messages_ja.py`` into ``messages_ja.json``.

    python tools/catalog_merge.py OLD/messages_ja.py [--json pkg/llms_from_scratch/messages_ja.json]
                                  [--theirs]

The catalog used to be a Python dict ``JA`` (English text -> Japanese text) in
``messages_ja.py``; it is now the JSON file. A branch that still adds entries to
the dict can be merged this way: every English text of the dict that the JSON
lacks is added, next to the entry that precedes it in the dict (so entries stay
grouped by module). A text that both have with different translations is
listed; the JSON keeps its own unless ``--theirs`` is given. The dict is read
with ``ast`` (the file is not imported). Exits 0; prints what it did.
"""

import argparse
import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "pkg" / "llms_from_scratch" / "messages_ja.json"


def read_dict(path):
    """The ``JA = {...}`` of a ``messages_ja.py`` as a list of (English, Japanese)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "JA"
                                                for t in node.targets):
            return list(zip(map(ast.literal_eval, node.value.keys),
                            map(ast.literal_eval, node.value.values), strict=True))
    raise SystemExit(f"{path}: no JA = {{...}} in it")


def merge(catalog, entries, theirs=False):
    """``catalog`` (a dict) with ``entries`` folded in; returns (merged, added, differing)."""
    order = list(catalog)
    merged = dict(catalog)
    added, differing = [], []
    previous = None
    for english, japanese in entries:
        if english not in merged:
            at = order.index(previous) + 1 if previous in merged else len(order)
            order.insert(at, english)
            merged[english] = japanese
            added.append(english)
        elif merged[english] != japanese:
            differing.append(english)
            if theirs:
                merged[english] = japanese
        previous = english
    return {k: merged[k] for k in order}, added, differing


def write_catalog(path, catalog):
    """Write ``catalog`` as the package keeps it: one entry a line, UTF-8, no escapes."""
    text = json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a messages_ja.py with a JA dict")
    parser.add_argument("--json", default=CATALOG, type=Path, help="the catalog to update")
    parser.add_argument("--theirs", action="store_true",
                        help="where both translate a text differently, take the dict's")
    args = parser.parse_args(argv)
    catalog = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
    merged, added, differing = merge(catalog, read_dict(args.source), args.theirs)
    write_catalog(args.json, merged)
    print(f"{args.json}: {len(added)} added, {len(merged)} in all")
    for english in differing:
        kept = "theirs" if args.theirs else "the JSON's"
        print(f"translated differently (kept {kept}): {english!r}")


if __name__ == "__main__":
    main()
