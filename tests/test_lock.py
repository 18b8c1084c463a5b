"""The lock file: every dependency pyproject.toml names is pinned in requirements/lock.txt within its range.

requirements/lock.txt is made by pip-compile (its header holds the command) and used as constraints
by .ci/run and the Dockerfile. A dependency added to pyproject.toml without regenerating the lock, or a
range moved past a pin, fails here rather than installing an unpinned version in CI or the image.
"""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)(?:\s*;.*)?(?:\s+\\)?$")


def read_pins(text: str) -> dict[str, Version]:
    """``name==version`` lines of a pip-compile output (names canonical), hashes and comments left out."""
    pins: dict[str, Version] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith((" ", "\t", "#", "-")):
            continue
        match = PIN.match(line.strip())
        assert match, f"not a plain pin in {LOCK.name}: {line!r} (constraints take no extras, URLs or ranges)"
        name = canonicalize_name(match["name"])
        assert name not in pins, f"{name} pinned twice"
        pins[name] = Version(match["version"])
    return pins


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared() -> list[tuple[str, Requirement]]:
    """Every requirement pyproject.toml names: (where, requirement), where is "dependencies", an extra, or build."""
    data = project()
    found = [("dependencies", Requirement(text)) for text in data["project"]["dependencies"]]
    for extra, texts in data["project"].get("optional-dependencies", {}).items():
        found += [(f"extra {extra!r}", Requirement(text)) for text in texts]
    found += [("build-system.requires", Requirement(text)) for text in data["build-system"]["requires"]]
    return found


@pytest.fixture(scope="module")
def pins() -> dict[str, Version]:
    return read_pins(LOCK.read_text(encoding="utf-8"))


def test_read_pins_takes_pins_and_refuses_what_a_constraints_file_cannot_hold():
    assert read_pins("# header\nflask==3.1.3\n    # via x\nPyYAML==6.0.4 \\\n    --hash=sha256:00\n") == {
        "flask": Version("3.1.3"), "pyyaml": Version("6.0.4")}
    with pytest.raises(AssertionError, match="not a plain pin"):
        read_pins("psycopg[binary]==3.3.9\n")
    with pytest.raises(AssertionError, match="not a plain pin"):
        read_pins("flask>=3\n")


@pytest.mark.parametrize(("where", "requirement"), declared(), ids=lambda value: str(value))
def test_every_declared_dependency_is_pinned_within_its_range(pins, where, requirement):
    name = canonicalize_name(requirement.name)
    assert name in pins, (f"{requirement} ({where} in pyproject.toml) is not pinned in requirements/lock.txt: "
                          "run the command in the lock's header")
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"{name}=={pins[name]} in requirements/lock.txt is outside {requirement} ({where}): regenerate the lock")


def test_the_extras_of_declared_dependencies_are_pinned_too(pins):
    """``psycopg[binary]`` needs psycopg-binary pinned too: read from the installed distribution's metadata."""
    checked = 0
    for where, requirement in declared():
        for extra in requirement.extras:
            try:
                requires = metadata.requires(requirement.name) or []
            except metadata.PackageNotFoundError:
                pytest.fail(f"{requirement.name} ({where}) is not installed; install with .ci/run")
            for text in requires:
                needed = Requirement(text)
                if needed.marker is None or not needed.marker.evaluate({"extra": extra}):
                    continue
                checked += 1
                assert canonicalize_name(needed.name) in pins, (
                    f"{needed.name} (from {requirement}, {where}) is not pinned in requirements/lock.txt")
    assert checked, "no extra of a dependency was checked: psycopg[binary] at least has one"


def test_the_header_regenerates_the_lock_from_pyproject_with_every_extra():
    header = LOCK.read_text(encoding="utf-8").split("\n\n")[0]
    command = next(line.strip("# ").strip() for line in header.splitlines() if "pip-compile " in line and "--" in line)
    for option in ("--all-extras", "--all-build-deps", "--strip-extras", "--output-file=requirements/lock.txt"):
        assert option in command.split(), f"{option} missing from the regeneration command: {command}"
    assert command.endswith(" pyproject.toml")


def test_ci_installs_with_the_lock_as_constraints():
    install = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
               if "pip install" in line and "-e" in line.split()]
    assert install, ".ci/run has no editable install line"
    for line in install:
        assert "-c requirements/lock.txt" in line, line


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI's fresh venv is sure to be installed from the lock")
def test_ci_installed_the_pinned_versions(pins):
    wrong = {}
    for name, version in pins.items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue  # a build-only pin (hatchling and its own) or one of another platform
        if installed != version:
            wrong[name] = f"{installed} installed, {version} pinned"
    assert not wrong, f"not installed from requirements/lock.txt: {wrong}"
