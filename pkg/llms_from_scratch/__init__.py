"""Code of the Japanese book on building a GPT-2-class LLM from scratch.

Modules follow the book: ``ch02`` (data), ``ch03`` (attention), ``ch04``
(GPT model), ``ch05`` (pretraining, decoding, GPT-2 weights), ``appendix_d``
(training-loop refinements); ``catalog`` lists the files the book downloads,
``assets`` fetches them (``hub`` for Hugging Face's), ``device`` picks CUDA,
MPS or CPU, and ``standalone`` writes the chapter folders' copies.
"""


def __getattr__(name):
    # ``__version__`` is looked up only when asked for: importlib.metadata is slow to import,
    # and the command line installs its Ctrl-C handling right after this package is imported.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llms-from-scratch")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"
