"""GPT-2's loaders and the Hub download speak the reader's language, in the package and in
the copy that chapter 5's folder carries (``ch05/gpt_download.py``, which has its own ``_``)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from llms_from_scratch import gpt2, i18n
from llms_from_scratch.errors import DownloadError
from llms_from_scratch.i18n import japanese_catalog

JA = japanese_catalog()

ROOT = Path(__file__).resolve().parents[2]


def _locale(monkeypatch, lang):
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", lang)


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_hub_download_error_in_the_readers_language(tmp_path, monkeypatch, lang):
    # imported before the variable is set: the client reads it once, at its import, and the
    # other tests of the session must not inherit the offline mode (hub.py also reads the
    # variable itself, so it still applies here)
    pytest.importorskip("huggingface_hub.constants")
    _locale(monkeypatch, lang)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network needed: the Hub's offline mode
    with pytest.raises(DownloadError) as err:
        gpt2.download_gpt2_safetensors("124M", tmp_path, progress=False)
    text = str(err.value)
    assert str(tmp_path / "124M" / "model.safetensors") in text and "\n" not in text
    offline = "it is not cached and the Hub's offline mode is on (HF_HUB_OFFLINE)"
    if lang.startswith("ja"):
        assert JA[offline] in text and "ダウンロードできませんでした" in text
        assert "could not download" not in text and "offline mode" not in text
    else:
        assert text.startswith("could not download https://") and offline in text


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_damaged_weight_files_in_the_readers_language(tmp_path, monkeypatch, lang):
    pytest.importorskip("safetensors")
    _locale(monkeypatch, lang)
    empty = tmp_path / "model.safetensors"
    empty.write_bytes(b"")
    with pytest.raises(ValueError) as err:
        gpt2.load_gpt2_params_from_safetensors(empty)
    with pytest.raises(FileNotFoundError) as missing:
        gpt2.read_hparams(tmp_path)
    if lang.startswith("ja"):
        assert f"{empty} は空です" in str(err.value) and "削除して" in str(err.value)
        assert "hparams.json がありません" in str(missing.value)
    else:
        assert f"{empty} is empty" in str(err.value)
        assert str(missing.value).startswith(f"no hparams.json in {tmp_path}")


def _run(lang, *args, code=None):
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    env.update(LANG=lang, HF_HUB_OFFLINE="1")
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m",
                                                          "llms_from_scratch", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                          cwd=ROOT / "ch05")


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_generate_offline_says_so_in_the_readers_language(tmp_path, lang):
    pytest.importorskip("huggingface_hub")
    out = _run(lang, "generate", "--model", "124M", "--models-dir", str(tmp_path),
               "--prompt", "Hello")
    assert out.returncode == 1 and out.stderr.count("\n") == 1, out.stderr
    if lang.startswith("ja"):
        assert out.stderr.startswith("llms-from-scratch generate: エラー: ")
        assert "ダウンロードできませんでした" in out.stderr and "HF_HUB_OFFLINE" in out.stderr
        assert "could not download" not in out.stderr
    else:
        assert out.stderr.startswith("llms-from-scratch generate: error: could not download")


@pytest.mark.parametrize("lang", ["ja_JP.UTF-8", "C.UTF-8"])
def test_the_copy_in_ch05_speaks_the_readers_language(tmp_path, lang):
    # ch05/gpt_download.py takes its messages from the installed package's catalog
    code = ("from gpt_download import load_gpt2_params_from_safetensors, normalize_gpt2_size\n"
            "for call in (lambda: normalize_gpt2_size('7B'),\n"
            f"             lambda: load_gpt2_params_from_safetensors({str(tmp_path / 'x')!r})):\n"
            "    try:\n"
            "        call()\n"
            "    except (ValueError, OSError) as err:\n"
            "        print(err)\n")
    out = _run(lang, code=code)
    assert out.returncode == 0, out.stderr
    size, path = out.stdout.splitlines()
    if lang.startswith("ja"):
        assert size == "GPT-2 のサイズ '7B' はありません。使えるサイズ: 124M, 355M, 774M, 1558M"
        assert path.startswith(f"{tmp_path / 'x'} に safetensors ファイルがありません")
    else:
        assert size == "unknown GPT-2 size '7B'; valid sizes: 124M, 355M, 774M, 1558M"
        assert path.startswith(f"no safetensors file at {tmp_path / 'x'}")
