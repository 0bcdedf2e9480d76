"""Versions for ``llms-from-scratch check``: Python and every requirement.

Requirement lines (``requirements.txt`` or the package's own dependencies) and
installed versions are read with ``packaging`` (PEP 508 and PEP 440: markers,
extras, pre-releases, local versions such as ``+cpu``), imported on first use
so that the command line starts fast.
"""

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .i18n import N_, _

OK, WARN, FAIL, INFO = "OK", "WARN", "FAIL", "INFO"
PYTHON_RANGE = ((3, 10), (3, 13))  # the versions the book is tested with
# Requirements the book can do without: missing or old is a warning, with a hint.
OPTIONAL = {
    "tensorflow": N_("only needed to read OpenAI's original TensorFlow checkpoints in chapter 5; "
                  "without it the book loads the same weights from safetensors files "
                  "(try `pip install tensorflow-cpu` if `pip install tensorflow` fails)"),
}


@dataclass
class Result:
    status: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class Requirement:
    name: str
    lower: str = None  # the highest lower bound from >=, ==, ~= or >; None if there is none
    spec: str = ""  # the version specifier, e.g. ">=2.3" (PEP 440)


def parse_requirement(line):
    """One requirement line -> ``Requirement``, or None for blanks, comments, options,
    lines whose environment marker does not apply here (extras never do) and lines
    that are not PEP 508 requirements."""
    import packaging.requirements
    import packaging.version

    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    try:
        req = packaging.requirements.Requirement(line)
    except packaging.requirements.InvalidRequirement:
        return None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None
    lowers = [spec.version.removesuffix(".*") for spec in req.specifier
              if spec.operator in (">=", "==", "~=", ">")]
    lower = max(lowers, key=packaging.version.Version) if lowers else None
    return Requirement(req.name, lower, str(req.specifier))


def read_requirements(path):
    text = Path(path).read_text(encoding="utf-8")
    return [req for req in map(parse_requirement, text.splitlines()) if req is not None]


def package_requirements(dist="llms-from-scratch"):
    """The installed package's own dependencies (without extras)."""
    try:
        lines = metadata.requires(dist) or []
    except metadata.PackageNotFoundError:
        return []
    return [req for req in map(parse_requirement, lines) if req is not None]


def find_requirements_file():
    """The book's root ``requirements.txt`` when this module runs from a checkout."""
    root = Path(__file__).resolve().parents[2]
    candidate = root / "requirements.txt"
    if candidate.is_file() and (root / "pkg" / "pyproject.toml").is_file():
        return candidate
    return None


def version_at_least(installed, lower):
    """Whether version string ``installed`` >= ``lower`` (PEP 440: 1.26rc1 < 1.26)."""
    import packaging.version

    try:
        return packaging.version.Version(installed) >= packaging.version.Version(lower)
    except packaging.version.InvalidVersion:
        return False


def satisfies(installed, spec):
    """Whether version string ``installed`` meets the specifier ``spec`` (pre-releases count)."""
    import packaging.specifiers
    import packaging.version

    try:
        return packaging.specifiers.SpecifierSet(spec).contains(installed, prereleases=True)
    except (packaging.specifiers.InvalidSpecifier, packaging.version.InvalidVersion):
        return False


def installed_version(name):
    """The installed version of distribution ``name``, or None."""
    for candidate in (name, name.replace("_", "-"), name.replace("-", "_")):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def check_requirement(req):
    version = installed_version(req.name)
    needs = _("needs {spec}").format(spec=req.spec) if req.spec else _("needed")
    if version is None:
        result = Result(FAIL, req.name, _("not installed ({needs})")
                                        .format(needs=needs))
    elif req.lower is not None and not version_at_least(version, req.lower):
        result = Result(FAIL, req.name, _("{version} is too old ({needs})")
                                        .format(version=version, needs=needs))
    elif req.spec and not satisfies(version, req.spec):
        result = Result(FAIL, req.name, _("{version} does not fit ({needs})")
                                        .format(version=version, needs=needs))
    else:
        return Result(OK, req.name, f"{version}" + (f" ({req.spec})" if req.spec else ""))
    if req.name.lower() in OPTIONAL:
        result.status = WARN
        result.detail += _("; optional: {why}").format(why=_(OPTIONAL[req.name.lower()]))
    return result


def check_python(version_info=None):
    v = tuple(version_info or sys.version_info)[:3]
    text = ".".join(map(str, v))
    low, high = PYTHON_RANGE
    wanted = _("the book supports {low}-{high}").format(low=f"{low[0]}.{low[1]}",
                                                          high=f"{high[0]}.{high[1]}")
    if v[:2] < low:
        return Result(FAIL, "Python", _("{text} is too old ({wanted})")
                                      .format(text=text, wanted=wanted))
    if v[:2] > high:
        return Result(WARN, "Python", _("{text} is newer than tested ({wanted}); some packages "
                                        "(TensorFlow) may not have wheels for it yet")
                                      .format(text=text, wanted=wanted))
    return Result(OK, "Python", f"{text} ({platform.python_implementation()}, {wanted})")


def check_versions(requirements_file=None):
    """Python plus every requirement; returns ``(source, results)``."""
    if requirements_file is not None:
        source, reqs = str(requirements_file), read_requirements(requirements_file)
    else:
        source, reqs = _("the llms-from-scratch package's dependencies"), package_requirements()
    results = [check_python()]
    results += [check_requirement(req) for req in reqs]
    pkg_version = installed_version("llms-from-scratch")
    if pkg_version is None:
        results.append(Result(FAIL, "llms-from-scratch", _("not installed: pip install -e ./pkg "
                                                           "(from the repository root)")))
    else:
        results.append(Result(OK, "llms-from-scratch", pkg_version))
    return source, results
