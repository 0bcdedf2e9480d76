import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """The tests read the benchmark's English report."""
    from llms_from_scratch.i18n import LOCALE_VARIABLES

    for variable in LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
