"""The command line speaks the reader's language (see ``llms_from_scratch.i18n``).

The first tests read the package's source: every message a reader sees must
be wrapped in ``_()`` (or marked ``N_()`` where it is defined) and have a
Japanese translation with the same placeholders. A message added without
either fails here, naming its file and line.
"""

import ast
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

import llms_from_scratch
from llms_from_scratch import i18n
from llms_from_scratch.i18n import _

JA = i18n.japanese_catalog()

PACKAGE = Path(llms_from_scratch.__file__).parent
CATALOG = PACKAGE / i18n.CATALOG_FILE
# The chapters' code prints for the notebooks, in the notebooks' own words.
BOOK_MODULES = {"ch02", "ch03", "ch04", "ch05", "appendix_d", "i18n"}
# Calls whose first argument is shown to the reader.
SHOWN_FIRST_ARGUMENT = {"print", "report", "log", "add_argument_group"}
SHOWN_KEYWORDS = {"help", "description", "epilog", "reason", "advice", "default_text"}
# Variables that hold a part of a message (advice = "..."; raise Error(f"... {advice}")).
MESSAGE_PARTS = re.compile(r"advice|hint|redo|why|how|reason|resume|space|what|note|details?"
                           r"|by_hand|problems|[A-Z_]*(ADVICE|START_OVER)")
# Exceptions whose message the commands pass on inside their own (``{err}; check the path``).
PASSED_ON_ERRORS = {"FileNotFoundError"}
MARKERS = {"_", "N_"}


def copied_modules():
    """Modules that ``standalone`` copies into the chapter folders and that keep their
    English messages there. A copied module that imports ``i18n`` is checked like the
    rest: its copy carries its own ``_`` with these messages' Japanese texts."""
    from llms_from_scratch.standalone import OUTPUTS

    copied = {entry if isinstance(entry, str) else entry[0]
              for entries in OUTPUTS.values() for entry in entries}
    return {name for name in copied
            if "from .i18n import" not in (PACKAGE / f"{name}.py").read_text(encoding="utf-8")}


# The benchmark (the repository's bench/ folder) prints through the package's catalog too.
BENCH = Path(__file__).resolve().parents[2] / "bench" / "llms_from_scratch_bench"


def modules():
    skip = BOOK_MODULES | copied_modules()
    found = [p for p in PACKAGE.rglob("*.py") if p.stem not in skip]
    return sorted(found + sorted(BENCH.glob("*.py")))


def user_error_classes(trees):
    """Names of ``UserError`` and every class derived from it in the package."""
    names, grew = {"UserError", "DownloadError"}, True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names and any(
                        (getattr(b, "id", None) or getattr(b, "attr", None)) in names
                        for b in node.bases):
                    names.add(node.name)
                    grew = True
    return names


def call_name(node):
    func = node.func
    return getattr(func, "id", None) or getattr(func, "attr", None)


def shown_expressions(tree, errors):
    """The expressions of ``tree`` whose text reaches the reader."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            names = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(n, ast.Name) and MESSAGE_PARTS.fullmatch(n.id) for n in names):
                yield node.value
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if name == "append" and MESSAGE_PARTS.fullmatch(getattr(node.func.value, "id", "")):
            yield from node.args[:1]  # problems.append("..."), joined into a message
        if name in errors or name in SHOWN_FIRST_ARGUMENT or name in PASSED_ON_ERRORS:
            yield from node.args[:1]
        elif name == "Result":  # check's report lines: status, name, detail
            yield from node.args[1:3]
        elif name == "_s":  # config's settings table: the help text
            yield from node.args[4:5]
        yield from (k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS)


def unwrapped_words(expr):
    """String constants in ``expr`` with words in them that no ``_``/``N_`` wraps."""
    if isinstance(expr, ast.Call) and call_name(expr) in MARKERS:
        return []
    if isinstance(expr, ast.Constant):
        text = expr.value
        # A single token (a name such as "MPS" or "tokenizer") is not a sentence.
        wordy = isinstance(text, str) and re.search("[A-Za-z]", text) and " " in text.strip()
        return [text] if wordy else []
    return [w for child in ast.iter_child_nodes(expr) for w in unwrapped_words(child)]


def parsed():
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in modules()}


def marked_messages(tree):
    """``(line, msgid)`` of each ``_("...")`` and ``N_("...")`` with a literal argument."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in MARKERS and node.args \
                and isinstance(node.args[0], ast.Constant):
            yield node.lineno, node.args[0].value


def test_every_shown_message_is_wrapped():
    trees = parsed()
    errors = user_error_classes(trees.values())
    bare = [f"{path.name}:{expr.lineno}: {text!r}"
            for path, tree in trees.items() for expr in shown_expressions(tree, errors)
            for text in unwrapped_words(expr)]
    assert not bare, "wrap these messages in _() and translate them in messages_ja.json:\n" \
        + "\n".join(bare)


def fields(text):
    return sorted(f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f)


def test_every_wrapped_message_has_a_japanese_translation_with_its_placeholders():
    problems = []
    for path, tree in parsed().items():
        for line, msgid in marked_messages(tree):
            where = f"{path.name}:{line}: {msgid!r}"
            if msgid not in JA:
                problems.append(f"{where}: no translation")
            elif "{" in msgid and fields(JA[msgid]) != fields(msgid):
                problems.append(f"{where}: placeholders {fields(JA[msgid])} != {fields(msgid)}")
    assert not problems, f"add to {CATALOG} (English text -> Japanese text):\n" \
        + "\n".join(problems)


def test_every_translation_is_used_and_japanese():
    used = {msgid for tree in parsed().values() for _line, msgid in marked_messages(tree)}
    assert sorted(set(JA) - used) == []
    # A translation without kana or kanji may only keep names (torch, CUDA) of its English.
    kana_or_kanji = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")

    def english_words(text):
        return set(re.findall("[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", text)))

    not_japanese = [k for k, v in JA.items()
                    if not kana_or_kanji.search(v) and english_words(k) - english_words(v)]
    assert not_japanese == []


@pytest.mark.parametrize("env, expected", [
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANG": "C", "LC_MESSAGES": "ja_JP.eucJP"}, "ja"),
    ({"LANG": "ja_JP.UTF-8", "LANGUAGE": "en:ja"}, "en"),
    ({}, "en"),
])
def test_language_follows_gettexts_order_of_variables(monkeypatch, env, expected):
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    assert i18n.language() == expected
    message = "give either --all or asset names, not both"
    assert (_(message) != message) == (expected == "ja")


def run_command(lang, *args):
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    env["LANG"] = lang
    return subprocess.run([sys.executable, "-m", "llms_from_scratch", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_japanese_locale_gives_japanese_help_and_errors():
    out = run_command("ja_JP.UTF-8", "--help")
    assert out.returncode == 0
    assert JA["fetch the book's files ahead of time, or list what is cached"][:15] in out.stdout
    assert JA["positional arguments"] in out.stdout and "options" not in out.stdout
    out = run_command("ja_JP.UTF-8", "download", "no-such-asset")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "llms-from-scratch download: エラー: " in out.stderr
    assert "'no-such-asset'" in out.stderr and "unknown asset" not in out.stderr


def test_other_locales_give_english_help_and_errors():
    out = run_command("C.UTF-8", "--help")
    assert out.returncode == 0
    assert "fetch the book's files ahead of time" in out.stdout
    assert "positional arguments" in out.stdout
    out = run_command("C.UTF-8", "download", "no-such-asset")
    assert out.returncode == 1
    assert out.stderr.startswith("llms-from-scratch download: error: unknown asset "
                                 "'no-such-asset'")


def test_the_catalog_is_read_only_for_a_japanese_reader():
    code = ("import contextlib, io\n"
            "from llms_from_scratch import cli, i18n\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "    cli.main(['--help'])\n"
            "print(i18n.japanese_catalog.cache_info().misses)\n")
    for lang, reads in (("C.UTF-8", "0"), ("ja_JP.UTF-8", "1")):
        env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
        env["LANG"] = lang
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.stdout.strip() == reads, out.stderr
