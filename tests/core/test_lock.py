"""requirements/lock.txt covers pyproject.toml: every declared dependency is locked at the pinned
version with hashes, and the SM2 library's platform marker is carried into the lock (aarch64
hosts install gmssl only). `make lock` regenerates the file; `make install` installs from it."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def locked() -> dict[str, tuple[str, str, int]]:
    """name -> (version, marker text, number of hashes)."""
    text = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    entries = {}
    for block in re.split(r"\n(?=\S)", text):
        if block.startswith("#") or not block.strip():
            continue
        head = block.split("\\", 1)[0].strip()
        spec, _, marker = head.partition(";")
        name, _, version = spec.strip().partition("==")
        entries[re.sub(r"[-_.]+", "-", name.lower())] = (
            version,
            marker.strip(),
            block.count("--hash=sha256:"),
        )
    return entries


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]


def test_every_declared_dependency_is_locked_at_its_pin_with_hashes():
    lock = locked()
    stale = []
    for requirement in declared():
        name = re.sub(r"[-_.]+", "-", requirement.name.lower())
        pins = [s.version for s in requirement.specifier if s.operator == "=="]
        assert pins, f"{requirement} is not pinned with == in pyproject.toml"
        if name not in lock or lock[name][0] != pins[0]:
            stale.append(f"{requirement.name}=={pins[0]} (lock: {lock.get(name, ('absent',))[0]})")
    assert not stale, "requirements/lock.txt is out of date, run `make lock`: " + ", ".join(stale)
    assert all(hashes for _, _, hashes in lock.values())


def test_tongsuopy_is_locked_only_where_it_has_wheels_and_gmssl_everywhere():
    lock = locked()
    assert "aarch64" in lock["tongsuopy"][1]
    assert lock["gmssl"][1] == ""
