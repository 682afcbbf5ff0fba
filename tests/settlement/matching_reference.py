"""Fingerprints of the engine's full results on generated cases, to hold every decision still.

``tests/settlement/data/matching_reference.json`` holds, for each case below, a short fingerprint of
the whole :class:`~settlement.matching.MatchResult`: pairings, allocations, variances, verdicts,
reasons with their messages and texts, and the input hash. Decimals are fingerprinted as written
(``10.00`` is not ``10``), so even a change in how a figure is rounded or scaled shows. The file was
made by the engine before its speed work; a change to the engine that changes any answer on purpose
regenerates it (``python -m tests.settlement.matching_reference``) and says so in its commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from settlement.matching.cases import large_case, quality_cases

REFERENCE = Path(__file__).parent / "data" / "matching_reference.json"
QUALITY = (3000, 20240601)  # (cases, seed): the quality bench's seed, more cases
LARGE = ((300, 1), (300, 2), (1000, 3), (2500, 4))  # (lines, seed) of large invoices


def exact(value: Any) -> Any:
    """Plain JSON data for a result, every Decimal as its exact text."""
    if isinstance(value, Decimal):
        return "D" + str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: exact(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def fingerprint(result: Any) -> str:
    text = json.dumps(exact(result), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def quality_fingerprints() -> list[str]:
    count, seed = QUALITY
    return [fingerprint(case.run()) for case in quality_cases(count, seed=seed)]


def large_fingerprints() -> list[str]:
    return [fingerprint(large_case(lines, seed=seed).run()) for lines, seed in LARGE]


def main() -> None:
    data = {
        "quality": {"cases": QUALITY[0], "seed": QUALITY[1], "fingerprints": quality_fingerprints()},
        "large": {"cases": [list(x) for x in LARGE], "fingerprints": large_fingerprints()},
    }
    REFERENCE.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
