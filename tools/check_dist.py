"""Build the package's sdist and wheel and prove each installs in a fresh venv.

    python tools/check_dist.py

Steps: ``python -m build pkg`` into a temporary folder; a new virtual
environment; ``pip install torch==<installed version>`` first (so no other
torch build is pulled in); then the wheel with its dependencies, an import of
``llms_from_scratch.ch05.generate``, ``llms-from-scratch --version`` and a
Japanese ``--help`` (the catalog ``messages_ja.json`` is package data); then
the same from the sdist. Exits non-zero on the first failure.
"""

import os
import subprocess
import sys
import tempfile
import venv
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ("from llms_from_scratch.ch05 import generate; "
         "from llms_from_scratch.ch04 import GPTModel; "
         "import llms_from_scratch, sys; print('imported', llms_from_scratch.__version__)")


def run(*cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def check_japanese_help(command, cwd):
    """The installed command's help is Japanese under a Japanese locale."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "ja_JP.UTF-8"
    out = subprocess.run([str(command), "--help"], cwd=cwd, env=env, check=True,
                         capture_output=True, text=True).stdout
    if "使い方" not in out:
        raise SystemExit(f"the installed command's help is not Japanese:\n{out}")
    print("+ LANG=ja_JP.UTF-8 llms-from-scratch --help: Japanese", flush=True)


def main():
    with tempfile.TemporaryDirectory(prefix="dist-check-") as tmp:
        tmp = Path(tmp)
        run(sys.executable, "-m", "build", "--outdir", tmp / "dist", ROOT / "pkg")
        wheel = next((tmp / "dist").glob("*.whl"))
        sdist = next((tmp / "dist").glob("*.tar.gz"))

        env_dir = tmp / "venv"
        venv.create(env_dir, with_pip=True)
        py = env_dir / "bin" / "python"
        torch_version = version("torch").split("+")[0]
        run(py, "-m", "pip", "install", "-q", f"torch=={torch_version}")
        for artifact in (wheel, sdist):
            run(py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", artifact)
            run(py, "-m", "pip", "install", "-q", artifact)  # its dependencies
            run(py, "-c", SMOKE, cwd=tmp)
            run(env_dir / "bin" / "llms-from-scratch", "--version", cwd=tmp)
            check_japanese_help(env_dir / "bin" / "llms-from-scratch", tmp)
        print(f"OK: {wheel.name} and {sdist.name} install and import in a fresh venv")


if __name__ == "__main__":
    main()
