"""The former name of ``llms_from_scratch.checkpoint``, kept so that old imports work."""

from .checkpoint import *  # noqa: F403
from .checkpoint import CheckpointError, config_from_option, load_model, one_line  # noqa: F401
