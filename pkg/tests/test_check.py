import argparse

import pytest
import torch

from llms_from_scratch import check, versions
from llms_from_scratch.cli import main as cli_main

# --- versions ---------------------------------------------------------------

@pytest.mark.parametrize("line, name, lower", [
    ("torch>=2.3", "torch", "2.3"),
    ("tensorflow>=2.16      # only for chapter 5", "tensorflow", "2.16"),
    ("numpy >= 1.26, <3", "numpy", "1.26"),
    ("tiktoken==0.7.0", "tiktoken", "0.7.0"),
    ("jupyterlab", "jupyterlab", None),
    ('pytest>=8.0; extra == "test"', None, None),
    ("# a comment", None, None),
    ("", None, None),
    ("-r other.txt", None, None),
])
def test_parse_requirement(line, name, lower):
    req = versions.parse_requirement(line)
    if name is None:
        assert req is None
    else:
        assert (req.name, req.lower) == (name, lower)


@pytest.mark.parametrize("installed, lower, expected", [
    ("2.13.0+cpu", "2.3", True),
    ("2.3", "2.3", True),
    ("2.2.2", "2.3", False),
    ("0.11.0", "0.11", True),
    ("10.0", "9.9", True),  # numeric, not string, comparison
    ("1.26.0rc1", "1.26", False),  # a pre-release comes before the release
])
def test_version_at_least(installed, lower, expected):
    assert versions.version_at_least(installed, lower) is expected


@pytest.mark.parametrize("line, name, lower, spec", [
    ('tomli>=2.0; python_version < "3.0"', None, None, None),  # a marker that does not apply
    ('torch>=2.3; python_version >= "3.8"', "torch", "2.3", ">=2.3"),
    ("llms-from-scratch[tensorflow]>=0.1", "llms-from-scratch", "0.1", ">=0.1"),
    ("numpy~=1.26.0", "numpy", "1.26.0", "~=1.26.0"),
    ("torch>=2.0,>=2.3", "torch", "2.3", None),  # the highest lower bound wins
    ("not a requirement !!", None, None, None),
])
def test_parse_requirement_with_packaging(line, name, lower, spec):
    req = versions.parse_requirement(line)
    if name is None:
        assert req is None
    else:
        assert (req.name, req.lower) == (name, lower)
        assert spec is None or req.spec == spec


def test_an_upper_bound_is_checked(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("torch<1.0\ntorch>=2.3,<999\n")
    _, results = versions.check_versions(reqs)
    low, ok = [r for r in results if r.name == "torch"]
    assert low.status == check.FAIL and "does not fit" in low.detail
    assert ok.status == check.OK


def test_missing_and_outdated_packages_fail(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("torch>=2.3\n"
                    "surely-not-an-installed-package-xyz>=1.0\n"
                    "numpy>=999.0  # far beyond any release\n")
    source, results = versions.check_versions(reqs)
    by_name = {r.name: r for r in results}
    assert source == str(reqs)
    assert by_name["Python"].status == check.OK
    assert by_name["torch"].status == check.OK
    missing = by_name["surely-not-an-installed-package-xyz"]
    assert missing.status == check.FAIL and "not installed" in missing.detail
    old = by_name["numpy"]
    assert old.status == check.FAIL and "too old" in old.detail


def test_run_exits_1_on_a_failed_requirement(tmp_path, capsys):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("surely-not-an-installed-package-xyz>=1.0\n")
    args = argparse.Namespace(requirements=str(reqs), no_network=True,
                              tolerance=check.DEFAULT_TOLERANCE, timeout=1.0)
    assert check.run(args) == 1
    out = capsys.readouterr().out
    assert "FAIL  surely-not-an-installed-package-xyz" in out


def test_optional_requirement_only_warns(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("tensorflow>=9999\n")
    _, results = versions.check_versions(reqs)
    (tf,) = [r for r in results if r.name == "tensorflow"]
    assert tf.status == check.WARN and "safetensors" in tf.detail


def test_python_range():
    assert versions.check_python((3, 11, 4)).status == versions.OK
    assert versions.check_python((3, 9, 18)).status == versions.FAIL
    assert versions.check_python((3, 99, 0)).status == versions.WARN


def test_checkout_requirements_and_package_fallback():
    found = versions.find_requirements_file()
    assert found is not None and found.name == "requirements.txt"
    names = {r.name for r in versions.package_requirements()}
    assert {"torch", "tiktoken"} <= names
    assert "pytest" not in names  # an extra, not a dependency


# --- numerical self-test ----------------------------------------------------

def test_self_test_passes_on_cpu():
    result = check.self_test("cpu")
    assert result.status == check.OK, result.detail
    assert "max |logits diff|" in result.detail


def test_self_test_fails_on_a_wrong_device_computation(monkeypatch):
    real = check._forward_backward

    def wrong_on_the_device(model, inputs, targets, device):
        logits, grads = real(model, inputs, targets, device)
        if next(model.parameters()).dtype == torch.float32:  # the device run, not the reference
            logits = logits + 0.01  # what a broken kernel might do
        return logits, grads

    monkeypatch.setattr(check, "_forward_backward", wrong_on_the_device)
    result = check.self_test("cpu")
    assert result.status == check.FAIL
    assert "LLMS_FROM_SCRATCH_DEVICE=cpu" in result.detail


def test_self_test_fails_on_wrong_gradients(monkeypatch):
    real = check._forward_backward

    def wrong_gradients(model, inputs, targets, device):
        logits, grads = real(model, inputs, targets, device)
        if next(model.parameters()).dtype == torch.float32:
            grads = {k: g * 1.5 + 1e-2 for k, g in grads.items()}
        return logits, grads

    monkeypatch.setattr(check, "_forward_backward", wrong_gradients)
    assert check.self_test("cpu").status == check.FAIL


def test_self_test_reports_an_exception(monkeypatch):
    def broken(*args):
        raise RuntimeError("kernel not implemented for this device")

    monkeypatch.setattr(check, "_forward_backward", broken)
    result = check.self_test("cpu")
    assert result.status == check.FAIL and "kernel not implemented" in result.detail


# --- downloads and the whole run --------------------------------------------

def test_probe_urls_never_hangs(monkeypatch):
    import time

    def slow(url, timeout):
        time.sleep(30)

    monkeypatch.setattr(check, "_probe_url", slow)
    start = time.monotonic()
    answers = check.probe_urls(["http://example.invalid/a", "http://example.invalid/b"],
                               timeout=0.2)
    assert time.monotonic() - start < 3
    assert all("no answer" in reason for reason in answers.values())


def test_uncached_files_fail_offline_with_a_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    monkeypatch.setattr(check, "_probe_url", lambda url, timeout: "offline")
    results = {r.name: r for r in check.check_downloads(network=True, timeout=0.5)}
    verdict = results["the-verdict"]
    assert verdict.status == check.FAIL
    assert "llms-from-scratch download --all" in verdict.detail
    assert "the-verdict.txt" in verdict.detail
    assert "extract wagahaiwa_nekodearu.txt" in results["wagahaiwa-nekodearu"].detail


def test_uncached_but_reachable_files_only_warn(monkeypatch, tmp_path):
    monkeypatch.setenv("LLMS_FROM_SCRATCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    monkeypatch.setattr(check, "_probe_url", lambda url, timeout: None)
    results = check.check_downloads(network=True, timeout=0.5)
    assert {r.status for r in results if r.name in check.BOOK_ASSETS} == {check.WARN}


def test_main_exits_0_here_without_touching_the_network(monkeypatch, capsys):
    from llms_from_scratch import assets

    if not all(assets.is_cached(name) for name in check.BOOK_ASSETS):
        pytest.skip("the book's files are not cached on this machine")

    def no_network(url, timeout):
        raise AssertionError(f"the check probed {url} although the files are cached")

    monkeypatch.setattr(check, "_probe_url", no_network)
    assert check.main([]) == 0
    out = capsys.readouterr().out
    assert "self-test cpu" in out and "Everything the book needs is here" in out
    assert "FAIL" not in out


def test_the_cli_has_the_check_command(monkeypatch, capsys):
    monkeypatch.setattr(check, "check_numerics", lambda tolerance: [])
    monkeypatch.setattr(check, "check_downloads", lambda network, timeout: [])
    assert cli_main(["check", "--no-network"]) == 0
    assert "torch" in capsys.readouterr().out
