"""Write each chapter folder's stand-alone copies of the package code.

The rules (which modules go into which file, and how they are joined) live in
``llms_from_scratch.standalone``; this script applies them to the book's
repository (``previous_chapters.py`` in ch04, ch05 and appendix-D,
``ch05/gpt_download.py``) and deletes a copy that the rules no longer name (a
generated file in a chapter folder that ``standalone.OUTPUTS`` lacks).
``pkg/tests/test_previous_chapters.py`` fails when a committed copy differs from
what this script writes.

    python tools/gen_previous_chapters.py           # rewrite the copies
    python tools/gen_previous_chapters.py --check   # exit 1 if any is stale
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = "# Generated from the package llms_from_scratch"  # how every copy starts


def main(argv=None):
    sys.path.insert(0, str(ROOT / "pkg"))  # the source tree, installed or not
    from llms_from_scratch.standalone import OUTPUTS, render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report stale copies; exit 1 if any")
    args = parser.parse_args(argv)
    stale = []
    for rel in OUTPUTS:
        target = ROOT / rel
        text = render(rel)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(rel)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    for path in sorted(ROOT.glob("*/*.py")):  # copies the rules no longer name
        rel = path.relative_to(ROOT).as_posix()
        if rel not in OUTPUTS and path.read_text(encoding="utf-8").startswith(GENERATED):
            stale.append(rel)
            if not args.check:
                path.unlink()
                print(f"deleted {rel}")
    if args.check and stale:
        print("stale (run `make previous-chapters`): " + ", ".join(stale), file=sys.stderr)
        return 1
    for rel in stale if not args.check else []:
        if (ROOT / rel).exists():
            print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
