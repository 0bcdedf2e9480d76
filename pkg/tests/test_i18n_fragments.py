"""Details put into a message (a reason, a list of problems) follow the reader's language too.

A Japanese line must not carry an English fragment that was made elsewhere and
interpolated (``{reason}``, ``{problems}``, ``{err}``): each test below builds one
such detail under a Japanese and under an English locale.
"""

import errno
import os
import socket
import subprocess
import sys

import pytest

from llms_from_scratch import check, config, fileio, i18n, integrity, texts, tokenmeta

LANGUAGES = [("ja_JP.UTF-8", "ja"), ("C.UTF-8", "en")]


@pytest.fixture(params=LANGUAGES, ids=["ja", "en"])
def language(request, monkeypatch):
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", request.param[0])
    return request.param[1]


def english_words(text):
    """Words of four or more ASCII letters (flags, paths and names aside, Japanese has none)."""
    import re

    return re.findall(r"(?<![-./_\w])[A-Za-z]{4,}(?![\w./_-])", text)


def test_os_reasons_follow_the_language(language):
    reason = fileio.os_reason(OSError(errno.ENOENT, "No such file or directory"))
    assert reason == ("そのファイルもフォルダもありません" if language == "ja"
                      else "no such file or folder")
    # A refusal that the table does not know keeps the system's own words.
    assert fileio.os_reason(OSError(errno.ENOMEDIUM, "No medium found")) == "No medium found"


def test_a_folder_without_text_files_is_said_in_the_language(language, tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        texts.read_texts([tmp_path])
    message = str(caught.value)
    assert str(tmp_path) in message
    if language == "ja":
        assert "テキストファイルがありません" in message and english_words(message) == []
    else:
        assert message.startswith(f"no text file at {tmp_path}")


def test_the_token_folders_problems_are_said_in_the_language(language, tmp_path):
    meta = {"format": tokenmeta.FORMAT_VERSION, "source": "x", "sha256": "0" * 64,
            "tokenizer": "char", "vocab_size": 3, "dtype": "uint16", "val_fraction": 0.1,
            "characters": 10, "train_tokens": 9, "val_tokens": 1, "chars": "aab"}
    problems = tokenmeta.meta_problems(meta, tmp_path)
    assert len(problems) == 1
    if language == "ja":
        assert problems == ["語彙に同じ文字が 2 回以上あります"]
    else:
        assert problems == ["its vocabulary repeats a character"]


def test_resumes_clashing_settings_are_said_in_the_language(language):
    saved = {**config.DEFAULTS, "n_layer": 1}
    cfg = {**config.DEFAULTS, "n_layer": 2}
    with pytest.raises(config.TrainError) as caught:
        config.resumed_config(saved, cfg, {"n_layer"})
    message = str(caught.value)
    if language == "ja":
        assert "--n-layer 2（チェックポイントでは 1）" in message and "checkpoint" not in message
    else:
        assert "--n-layer 2 (checkpoint: 1)" in message


def test_a_damaged_checkpoints_reason_is_said_in_the_language(language, tmp_path):
    import torch

    path = tmp_path / "ckpt.pt"
    torch.save({"w": torch.zeros(64)}, path)
    data = bytearray(path.read_bytes())
    data[data.index(b"\0" * 64) + 8] ^= 0xFF  # one byte of the tensor: its CRC-32 fails
    path.write_bytes(bytes(data))
    reason = integrity.damaged_record(path)
    if language == "ja":
        assert "CRC-32 の検査に通りません" in reason
    else:
        assert reason.endswith("fails its CRC-32 check")


def test_checks_unreachable_download_is_said_in_the_language(language):
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    reason = check.probe_urls([f"http://127.0.0.1:{port}/file"], timeout=5)
    text = next(iter(reason.values()))
    if language == "ja":
        assert text.startswith("接続を拒否されました") and english_words(text) == []
    else:
        assert text.startswith("the connection was refused")


@pytest.mark.parametrize("lang, expected", [
    ("ja_JP.UTF-8", "にテキストファイルがありません: フォルダに .txt ファイルがありません。"
                    "--text に指定したパスを確かめてください"),
    ("C.UTF-8", "no text file at EMPTY: the folder holds no .txt file; check the path given "
                "to --text"),
])
def test_train_says_a_text_folder_is_empty_wholly_in_the_language(tmp_path, lang, expected):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    env["LANG"] = lang
    out = subprocess.run([sys.executable, "-m", "llms_from_scratch", "train", "--text",
                          str(empty), "--out-dir", str(tmp_path / "out"), "--no-progress"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    line = out.stderr.strip()
    assert line.count("\n") == 0
    assert expected.replace("EMPTY", str(empty)) in line
    if lang.startswith("ja"):
        after_prefix = line.split("エラー: ", 1)[1]
        assert english_words(after_prefix) == []
