"""Code of the Japanese book on building a GPT-2-class LLM from scratch.

Modules follow the book: ``ch02`` (data), ``ch03`` (attention), ``ch04``
(GPT model), ``ch05`` (pretraining, decoding, GPT-2 weights), ``appendix_d``
(training-loop refinements); ``catalog`` lists the files the book downloads,
``assets`` fetches them (``hub`` for Hugging Face's), ``device`` picks CUDA,
MPS or CPU, and ``standalone`` writes the chapter folders' copies.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llms-from-scratch")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"
