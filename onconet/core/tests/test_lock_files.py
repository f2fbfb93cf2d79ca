"""The lock files (`make lock`) pin every dependency that pyproject.toml declares, within its range, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)(?: ; (?P<marker>[^\\]+?))?\s*\\?$")


def pins(lock: Path) -> dict[str, list[tuple[str, str]]]:
    """name → [(version, marker)] of every pinned requirement; each pin must carry at least one hash."""
    out: dict[str, list[tuple[str, str]]] = {}
    lines = lock.read_text().splitlines()
    for i, line in enumerate(lines):
        match = PIN.match(line)
        if match:
            assert lines[i + 1].strip().startswith("--hash=sha256:"), f"{lock.name}: {line} has no hash"
            name = canonicalize_name(match["name"])
            out.setdefault(name, []).append((match["version"], (match["marker"] or "").strip()))
    return out


PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("runtime.lock", PROJECT["dependencies"]),
        ("dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, declared: list[str]) -> None:
    pinned = pins(REPO / "requirements" / lock)
    for text in declared:
        requirement = Requirement(text)
        versions = pinned.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements/{lock}: run make lock"
        for version, _marker in versions:
            outside = f"{requirement.name}=={version} in requirements/{lock} is outside {requirement.specifier}"
            assert requirement.specifier.contains(version, prereleases=True), f"{outside}: run make lock"


def test_every_declared_dependency_has_an_upper_bound() -> None:
    for text in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]:
        requirement = Requirement(text)
        assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), text
