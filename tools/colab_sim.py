"""Run the book's notebooks as Google Colab would, offline.

    python tools/colab_sim.py prepare [--dir .colab-sim]      # needs the package index once
    python tools/colab_sim.py run [--dir .colab-sim] --all    # offline from here on
    python tools/colab_sim.py run ch02/ch02.ipynb ch04/ch04.ipynb

``prepare`` makes, under ``--dir``:

- ``venv/``: a Python with only Colab's preinstalled stack (torch, numpy,
  matplotlib, tiktoken, ipykernel) and a stand-in ``google.colab`` module;
- ``wheels/``: every dependency of the book's package, read from
  ``pkg/pyproject.toml`` at run time, plus what building it from git needs
  (its ``[build-system] requires``), so that pip can work with ``--no-index``;
- ``ready``: the list it was made from; ``prepare`` does nothing while it matches.

``run`` copies each notebook alone into an empty folder and executes it top to
bottom (nbclient, in this Python) in a kernel of ``venv/`` that imports
``google.colab`` at start, as Colab's does. So the notebook's Colab cell really
runs: ``%pip`` installs the package from ``git+<repository>@v<version>``, which git
reads from a temporary clone of this working tree tagged ``v<version>`` (with
``--without-tag`` the clone has no tag and the cell installs its default branch)
(``url.<clone>.insteadOf`` through ``GIT_CONFIG_COUNT``); pip takes everything
else from ``wheels/`` (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``); the book's downloads
come from the offline copies (``LLMS_FROM_SCRATCH_OFFLINE_DIR``, default
``../shared/offline``). Cells marked ``# NBVAL_SKIP`` or tagged ``skip-execution``
(the real GPT-2 downloads) are skipped, as in the tests. Each notebook's time is printed.
"""

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the test extra brings tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".colab-sim"
# What a Colab runtime has before the notebook's first cell (the parts the book touches).
# Colab preinstalls these (TensorFlow too: chapter 5 writes and reads its checkpoints).
COLAB_STACK = ["torch==2.13.0", "numpy", "matplotlib", "tiktoken", "ipykernel", "tensorflow-cpu"]
FAKE_COLAB = '"""Stand-in for Colab\'s module: its presence is what the notebooks test."""\n'
KERNEL = "colab-sim"
CELL_TIMEOUT = 1800  # seconds; chapter 5's training cell is the longest


def pyproject():
    return tomllib.loads((ROOT / "pkg" / "pyproject.toml").read_text(encoding="utf-8"))


def wheelhouse_requirements(conf=None):
    """The package's dependencies (torch left to the Colab stack) and its build requirements."""
    conf = conf or pyproject()
    deps = [d for d in conf["project"]["dependencies"]
            if not d.replace(" ", "").lower().startswith(("torch>", "torch=", "torch<", "torch;"))
            and d.strip().lower() != "torch"]
    return sorted(set(deps + conf["build-system"]["requires"]))


def python_of(sim_dir):
    return Path(sim_dir) / "venv" / "bin" / "python"


def run(*cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def prepare(sim_dir):
    """Make the Colab-like venv and the wheelhouse (needs the package index)."""
    sim_dir = Path(sim_dir)
    wanted = json.dumps({"stack": COLAB_STACK, "wheels": wheelhouse_requirements()}, indent=1)
    ready = sim_dir / "ready"
    if ready.is_file() and ready.read_text(encoding="utf-8") == wanted:
        print(f"{sim_dir} is ready")
        return
    ready.unlink(missing_ok=True)
    py = python_of(sim_dir)
    if not py.exists():
        venv.create(sim_dir / "venv", with_pip=True)
    run(py, "-m", "pip", "install", "-q", "--no-compile", *COLAB_STACK)  # .pyc on first import
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    fake = Path(site) / "google" / "colab"
    fake.mkdir(parents=True, exist_ok=True)
    (fake / "__init__.py").write_text(FAKE_COLAB, encoding="utf-8")
    run(py, "-m", "pip", "download", "-q", "-d", sim_dir / "wheels",
        *wheelhouse_requirements())
    (sim_dir / "stack.txt").write_text(_installed(py), encoding="utf-8")
    ready.write_text(wanted, encoding="utf-8")
    print(f"{sim_dir} is ready")


def _installed(py):
    """The distributions installed in the venv of ``py``, one name a line."""
    out = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze"], check=True,
                         capture_output=True, text=True).stdout
    return "".join(sorted(f"{line.split('==')[0].lower()}\n" for line in out.split()))


def reset_venv(sim_dir):
    """Remove what an earlier notebook installed, so that each one starts on a fresh runtime."""
    py = python_of(sim_dir)
    stack = set((Path(sim_dir) / "stack.txt").read_text(encoding="utf-8").split())
    extra = sorted(set(_installed(py).split()) - stack)
    if extra:
        subprocess.run([str(py), "-m", "pip", "uninstall", "-q", "-y", *extra], check=True)


def is_prepared(sim_dir):
    return all((Path(sim_dir) / name).is_file() for name in ("ready", "stack.txt")) \
        and python_of(sim_dir).exists()


@contextlib.contextmanager
def exclusive(sim_dir):
    """One simulation at a time: every notebook installs into the same venv."""
    with open(Path(sim_dir) / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def make_remote(work, tag):
    """A git repository with this working tree's files, tagged ``tag`` (None: no tag, as
    before a release is tagged): the stand-in for GitHub."""
    remote = work / "remote"
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (remote / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, remote / rel)
    git = ["git", "-c", "user.name=colab-sim", "-c", "user.email=colab-sim@localhost",
           "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    steps = [["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]]
    for args in steps + ([["tag", tag]] if tag else []):
        subprocess.run(git + args, cwd=remote, check=True, capture_output=True)
    return remote


def _python_path_without_sources():
    """Keep only the network guard (CI) from PYTHONPATH: the kernel must not see pkg/."""
    keep = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
            if p and Path(p).name == "netguard"]
    return os.pathsep.join(keep)


def offline_dir():
    env = os.environ.get("LLMS_FROM_SCRATCH_OFFLINE_DIR")
    path = Path(env) if env else ROOT.parent / "shared" / "offline"
    if not path.is_dir():
        raise SystemExit(f"no offline copies at {path}: set LLMS_FROM_SCRATCH_OFFLINE_DIR")
    return path


def kernel_env(sim_dir, work, remote, url):
    """The environment of the Colab-like kernel."""
    sim_dir = Path(sim_dir).resolve()
    offline = offline_dir()
    cache = work / "cache"
    if not cache.exists():
        shutil.copytree(offline / "data", cache / "data")
        for path in cache.rglob("*"):
            path.chmod(0o644 if path.is_file() else 0o755)
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-google-colab.py").write_text("import google.colab  # noqa: F401\n",
                                                 encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_FIND_LINKS", "PIP_INDEX_URL",
                        "PIP_EXTRA_INDEX_URL", "JUPYTER_PATH", "IPYTHONDIR")}
    env.update({
        "PATH": f"{sim_dir / 'venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": _python_path_without_sources(),
        "IPYTHONDIR": str(work / "ipython"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(sim_dir / "wheels"),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{remote}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
        "LLMS_FROM_SCRATCH_CACHE": str(cache),
        "TIKTOKEN_CACHE_DIR": str(offline / "tiktoken"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    })
    return env


def mark_skipped_cells(nb):
    """Tag the cells nbval skips or expects to raise, so that nbclient treats them alike."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        # nbval's rule: a comment line that is exactly the marker, anywhere in the cell.
        markers = {line.strip().lstrip("#").strip() for line in cell.source.splitlines()
                   if line.strip().startswith("#")}
        for marker, tag in (("NBVAL_SKIP", "skip-execution"),
                            ("NBVAL_RAISES_EXCEPTION", "raises-exception")):
            if marker in markers and tag not in tags:
                tags.append(tag)


def run_notebook(rel, sim_dir, work, remote, url):
    """Execute notebook ``rel`` alone in an empty folder; return (seconds, folder)."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels = work / "kernels" / KERNEL
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python_of(sim_dir).resolve()), "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Colab simulation", "language": "python"}), encoding="utf-8")
    source = ROOT / rel  # rel may also be an absolute path
    folder = work / "notebooks" / f"{source.parent.name}__{source.stem}"
    folder.mkdir(parents=True)
    shutil.copy2(source, folder / source.name)
    nb = nbformat.read(folder / source.name, as_version=4)
    mark_skipped_cells(nb)
    reset_venv(sim_dir)
    km = KernelManager(kernel_name=KERNEL,
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(work / "kernels")]))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    try:
        client.execute(env=kernel_env(sim_dir, work, remote, url), cwd=str(folder))
    finally:
        # nbclient leaves a kernel it was given running: stop it, or every notebook's
        # kernel stays alive (and some keep the CPU busy) until the whole run ends.
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    seconds = time.perf_counter() - start
    nbformat.write(nb, folder / source.name)
    return seconds, folder


def all_notebooks():
    sys.path.insert(0, str(ROOT / "tools"))
    from colab_cells import notebooks

    return [str(p.relative_to(ROOT)) for p in notebooks()]


def run_all(rels, sim_dir, work=None, tagged=True):
    """Run every notebook in ``rels``; return ``{rel: seconds or the error}``.

    ``tagged=False`` serves the repository without its release tag: the Colab
    cell must then install from the default branch.
    """
    if not is_prepared(sim_dir):
        raise SystemExit(f"{sim_dir} is not prepared: run `make colab-sim-prepare` "
                         "(it needs the package index once)")
    project = pyproject()
    url = project["project"]["urls"]["Repository"].rstrip("/")
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="colab-sim-")) if own else Path(work)
    try:
        with exclusive(sim_dir):
            tag = f"v{project['project']['version']}" if tagged else None
            results = _run_each(rels, sim_dir, work, url, make_remote(work, tag))
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    return results


def _run_each(rels, sim_dir, work, url, remote):
    from nbclient import exceptions as nbx

    failures = (nbx.CellExecutionError, nbx.CellTimeoutError, nbx.DeadKernelError,
                RuntimeError, subprocess.CalledProcessError)
    results = {}
    for rel in rels:
        try:
            seconds, _ = run_notebook(rel, sim_dir, work, remote, url)
            results[rel] = seconds
            print(f"ok    {seconds:7.1f} s  {rel}", flush=True)
        except failures as err:  # report every notebook, then fail
            results[rel] = err
            print(f"FAIL  {rel}: {str(err).strip().splitlines()[-1:]}", flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run"])
    parser.add_argument("notebooks", nargs="*", help="paths from the repository root")
    parser.add_argument("--dir", default=str(DEFAULT_DIR), help="where prepare puts its files")
    parser.add_argument("--all", action="store_true", help="run every notebook of the book")
    parser.add_argument("--without-tag", action="store_true",
                        help="serve the repository without its release tag (as before a "
                             "release is tagged)")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.dir)
        return 0
    rels = all_notebooks() if args.all else args.notebooks
    if not rels:
        parser.error("name notebooks or give --all")
    start = time.perf_counter()
    results = run_all(rels, args.dir, tagged=not args.without_tag)
    failed = [rel for rel, r in results.items() if isinstance(r, Exception)]
    print(f"{len(rels) - len(failed)} of {len(rels)} notebooks ran top to bottom "
          f"in {time.perf_counter() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
