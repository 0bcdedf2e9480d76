import subprocess
import sys

import pytest

from llms_from_scratch import cli
from llms_from_scratch.cli import main
from llms_from_scratch.errors import UserError


def test_download_without_arguments_lists_assets(capsys):
    assert main(["download"]) == 0
    out = capsys.readouterr().out
    for name in ("the-verdict", "tinyshakespeare", "wagahaiwa-nekodearu", "gpt2-tokenizer"):
        assert name in out
    assert "cached" in out


def test_download_of_a_cached_asset_prints_its_path(capsys):
    assert main(["download", "the-verdict"]) == 0
    assert "the-verdict.txt" in capsys.readouterr().out


def test_unknown_asset_is_one_line_and_exit_1(capsys):
    assert main(["download", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown asset 'nope'" in err


def test_all_and_names_conflict(capsys):
    assert main(["download", "--all", "the-verdict"]) == 1
    assert "not both" in capsys.readouterr().err


def test_help_and_version_through_the_console_script():
    out = subprocess.run([sys.executable, "-m", "llms_from_scratch", "download", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "--all" in out.stdout
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0


def test_previous_chapters_command_writes_the_folder_copies(tmp_path, capsys):
    assert main(["previous-chapters", "ch05", "--out-dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gpt_download.py",
                                                          "previous_chapters.py"]
    assert "previous_chapters.py" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["previous-chapters", "ch99"])
    assert exc.value.code == 2


@pytest.mark.parametrize("bug", [ValueError("a bug"), OSError("a bug"), ImportError("a bug")])
def test_an_unexpected_error_keeps_its_traceback(monkeypatch, bug):
    def failing(args):
        raise bug

    monkeypatch.setattr(cli, "_run_download", failing)
    with pytest.raises(type(bug), match="a bug"):
        main(["download"])


def test_a_user_error_is_one_line_and_exit_1(capsys, monkeypatch):
    def failing(args):
        raise UserError("the file is\n  missing; give another")

    monkeypatch.setattr(cli, "_run_download", failing)
    assert main(["download"]) == 1
    assert capsys.readouterr().err == ("llms-from-scratch download: error: the file is "
                                       "missing; give another\n")
    assert issubclass(cli.CommandError, UserError)


@pytest.mark.parametrize("given, expected", [(None, "1"), ("0", "0")])
def test_train_asks_torch_for_huge_pages_unless_told_otherwise(given, expected):
    """THP_MEM_ALLOC_ENABLE is set before torch is imported (it is read only then)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "THP_MEM_ALLOC_ENABLE"}
    if given is not None:
        env["THP_MEM_ALLOC_ENABLE"] = given
    code = ("import os, sys\n"
            "from llms_from_scratch import cli\n"
            "parser = cli.build_parser(['download'])\n"
            "assert os.environ.get('THP_MEM_ALLOC_ENABLE', '0') == '0'\n"
            "import llms_from_scratch.cpu_memory as m; real = m.use_huge_pages\n"
            "m.use_huge_pages = lambda: (print('torch' in sys.modules), real())\n"
            "parser = cli.build_parser(['train'])\n"
            "print(os.environ['THP_MEM_ALLOC_ENABLE'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", expected]
