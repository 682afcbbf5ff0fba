"""`make bench`: run every benchmarks/bench_*.py `run()` and write docs/benchmarks.md.

Each module returns rows {"name", "unit", "median", "runs"} (optionally "note"). Figures are
medians of the runs on this machine; the page records the machine and library versions.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks.md"


def _openssl_sm2() -> list[dict]:
    """The floor for SM2 signature checks: OpenSSL's own verify rate."""
    try:
        command = ["openssl", "speed", "-seconds", "3", "sm2"]
        out = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return []
    match = re.search(r"SM2 \(CurveSM2\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out)
    if not match:
        return []
    return [
        {
            "name": "floor: openssl speed sm2, verify",
            "unit": "verifications/s",
            "median": float(match[2]),
            "runs": 1,
        }
    ]


def _versions() -> str:
    from importlib.metadata import version

    names = ["Django", "lxml", "cryptography", "tongsuopy", "asn1crypto", "celery"]
    return ", ".join(f"{n} {version(n)}" for n in names)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    only = set(argv)
    sections = []
    page_notes = []  # header lines a module adds (bench_load: the server set-up and versions)
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        name = path.stem
        if only and name not in only:
            continue
        print(f"running {name} …", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        rows = module.run()
        if name == "bench_ofd":
            rows += _openssl_sm2()
        page_notes += getattr(module, "PAGE_NOTES", [])
        sections.append(
            (name, (module.__doc__ or "").strip().splitlines()[0:1], rows, time.perf_counter() - started)
        )
    lines = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`python -m benchmarks`); every figure below comes from that command.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        f"- Python {platform.python_version()}; {_versions()}",
        "- one process, one core; medians over the runs given",
        *[f"- {note}" for note in page_notes],
        "",
    ]
    for name, doc, rows, seconds in sections:
        lines += [f"## {name}", ""]
        if doc:
            lines += [doc[0], ""]
        noted = any(row.get("note") for row in rows)  # a notes column only where a module gives notes
        lines += [
            "| measure | median | unit | runs |" + (" note |" if noted else ""),
            "| --- | ---: | --- | ---: |" + (" --- |" if noted else ""),
        ]
        for row in rows:
            median = row["median"]
            shown = (
                f"{median:,.3f}"
                if isinstance(median, float) and median < 100
                else f"{median:,.0f}"
                if isinstance(median, (int, float))
                else str(median)
            )
            note = (
                " " + str(row.get("note", "")).replace("\n", " ").replace("|", "\\|") + " |" if noted else ""
            )
            lines.append(f"| {row['name']} | {shown} | {row['unit']} | {row.get('runs', '')} |{note}")
        lines += ["", f"({seconds:.1f} s)", ""]
    if only:  # a partial run prints its tables and leaves docs/benchmarks.md as it is
        print("\n".join(lines))
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
