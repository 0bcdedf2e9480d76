"""Training text from several files or folders, Aozora Bunko's files cleaned.

``train --text`` and the tokenizer trainer take any number of paths; a folder
stands for its ``.txt`` files (sorted, sub-folders included). An Aozora Bunko
file is recognised by its footer (底本： and 青空文庫), may be Shift_JIS or
UTF-8, and is cleaned as the book's own 吾輩は猫である is. Any other file
must be UTF-8.
"""

import re
from pathlib import Path

from .i18n import _

_AOZORA_MARKS = ("底本：", "青空文庫")


def clean_aozora(text):
    """Plain text from an Aozora Bunko file: no header, footer, ruby or notes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Header: title, author, then a block between two dashed lines explaining
    # the markup. Footer: the bibliography from the line starting with 底本：.
    parts = re.split(r"\n-{20,}\n", text, maxsplit=2)
    if len(parts) == 3:
        text = parts[2]
    footer = re.search(r"\n底本：", text)
    if footer:
        text = text[:footer.start()]
    text = re.sub(r"※?［＃[^］]*］", "", text)  # editor's notes (※ marks a missing glyph)
    text = re.sub(r"《[^》]*》", "", text)  # ruby readings
    text = text.replace("｜", "")  # marks where a ruby's base text starts
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def is_aozora(text):
    """Whether ``text`` carries Aozora Bunko's footer."""
    return all(mark in text for mark in _AOZORA_MARKS)


def read_text_path(path):
    """The text of one file, cleaned if it is Aozora Bunko's (see the module)."""
    from .data import read_text_file

    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(_("no text file at {path}").format(path=path))
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if is_aozora(text):
            return clean_aozora(text)
    return read_text_file(path)  # UTF-8, or its one-line error


def text_files(paths):
    """The files that ``paths`` name: files as given, folders as their ``.txt`` files."""
    files = []
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise FileNotFoundError(_("no text file at {path}: the folder holds no .txt "
                                          "file").format(path=path))
            files.extend(found)
        else:
            files.append(path)
    if not files:
        raise FileNotFoundError(_("no text file given"))
    return files


def read_texts(paths):
    """The texts of ``paths`` (files or folders) joined by a blank line."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = text_files(paths)
    if len(files) == 1:  # one file: its text as it is
        return read_text_path(files[0])
    return "\n\n".join(read_text_path(path).strip("\n") for path in files) + "\n"


__all__ = ["clean_aozora", "is_aozora", "read_text_path", "read_texts", "text_files"]
