"""The speed benchmark of the book's GPT: ``llms-from-scratch bench``.

A contributors' tool, kept out of the reader's package: ``bench`` times
training steps and generation for the GPT-2 124M shape (``bench.py``, with
the generation rows in ``generation.py`` and the report in ``report.py``),
and ``bench --sweep`` the same against the context length (``sweep.py``).
Install it from the repository with ``pip install -e ./bench``.
"""
