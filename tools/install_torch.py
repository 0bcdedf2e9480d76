"""Install torch into the running Python, from PyTorch's own index when it answers.

    python tools/install_torch.py INDEX_URL SPEC     # e.g. https://download.pytorch.org/whl/cpu "torch>=2.3"
    python tools/install_torch.py "" SPEC            # from the default package index (PyPI)

``make lab`` and ``make test`` call this before installing the rest. The index
is asked once, with a short timeout, before pip starts: pip itself would retry
every unreachable index five times for each package, a screen of warnings. When
the index does not answer, one short message says so and torch comes from the
default package index instead (on Linux that is the CUDA build, several GB);
``make lab TORCH_INDEX=... TORCH_SPEC=...`` chooses otherwise (setup/README.md,
troubleshooting). The message is in Japanese when the locale is Japanese.
"""

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

# The package's rule for the language, read from the source tree (nothing is installed yet).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "pkg"))
from llms_from_scratch.i18n import language

PROBE_TIMEOUT = 5  # seconds

FALLBACK = {
    "en": "PyTorch's index {index} does not answer ({reason}); installing {spec} from the "
          "default package index instead (on Linux the CUDA build, several GB). To choose "
          "another source: make lab TORCH_INDEX=URL TORCH_SPEC=SPEC (setup/README.md, "
          "troubleshooting).",
    "ja": "PyTorch のインデックス {index} に接続できません（{reason}）。代わりに既定のパッケージ"
          "インデックスから {spec} を入れます（Linux では CUDA 版で数 GB あります）。入手先を"
          "選ぶには make lab TORCH_INDEX=URL TORCH_SPEC=SPEC としてください"
          "（setup/README.md のトラブルシューティング）。",
}


def probe(index, timeout=PROBE_TIMEOUT):
    """None when ``index`` answers an HTTP request within ``timeout`` seconds, else why not."""
    url = index.rstrip("/") + "/torch/"
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return None
    except urllib.error.HTTPError as err:
        return None if err.code < 500 else f"HTTP {err.code}"  # it answered
    except (OSError, ValueError) as err:  # URLError, timeouts, refused, bad URL
        reason = getattr(err, "reason", None) or err
        return " ".join(str(reason).split()) or type(err).__name__


def pip_command(index, spec):
    """The pip command that installs ``spec``, from ``index`` when one is given."""
    command = [sys.executable, "-m", "pip", "install"]
    if index:
        command += ["--index-url", index]
    return command + [spec]


def main(argv=None):
    index, spec = (argv if argv is not None else sys.argv[1:])
    if index:
        reason = probe(index)
        if reason is not None:
            print(FALLBACK[language()].format(index=index, reason=reason, spec=spec),
                  file=sys.stderr, flush=True)
            index = ""
    return subprocess.call(pip_command(index, spec))


if __name__ == "__main__":
    raise SystemExit(main())
