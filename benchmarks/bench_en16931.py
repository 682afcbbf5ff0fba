"""EN 16931 throughput and rule agreement.

Files per second on one core for parse + validate (``safexml.parse_xml`` then ``ubl.parse`` /
``cii.parse``, which read the semantic model, run every covered business rule and build the
normalised invoice), next to the floor of parsing the same bytes with lxml and nothing else.
The CEN rule unit-test agreement from ``unit_suite.measure()`` is reported as rows too.

Rates use the process's CPU time (``time.process_time``), so other work on the machine does not
lower them; the code is single-threaded, so this is the rate of one core.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from invoicing.formats import cii, ubl
from invoicing.formats.en16931 import oracle, unit_suite
from invoicing.formats.safexml import parse_xml

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
SAMPLES = SHARED / "samples" / "en16931"
RUNS = 5
RUN_SECONDS = 0.15


def _files_per_second(files: list[bytes], work: Callable[[bytes], object]) -> tuple[float, int]:
    for data in files:  # warm-up, and the repeat count for about RUN_SECONDS per run
        work(data)
    start = time.process_time()
    for data in files:
        work(data)
    once = max(time.process_time() - start, 1e-6)
    repeat = max(1, int(RUN_SECONDS / once))
    rates = []
    for _ in range(RUNS):
        start = time.process_time()
        for _ in range(repeat):
            for data in files:
                work(data)
        rates.append(repeat * len(files) / (time.process_time() - start))
    return statistics.median(rates), RUNS


def run() -> list[dict]:
    rows: list[dict] = []
    for label, folder, parser in (("UBL", "ubl", ubl.parse), ("CII", "cii", cii.parse)):
        files = [p.read_bytes() for p in sorted((SAMPLES / folder).glob("*.xml"))]
        if not files:
            rows.append(
                {"name": f"en16931 {label}: samples missing", "unit": "files/s", "median": None, "runs": 0}
            )
            continue
        floor, runs = _files_per_second(files, parse_xml)
        full, runs = _files_per_second(files, lambda data, _p=parser: _p(parse_xml(data)))
        rows.append(
            {
                "name": f"en16931 {label} lxml parse floor ({len(files)} samples)",
                "unit": "files/s",
                "median": round(floor),
                "runs": runs,
            }
        )
        rows.append(
            {
                "name": f"en16931 {label} parse + validate + normalise",
                "unit": "files/s",
                "median": round(full),
                "runs": runs,
            }
        )
        rows.append(
            {
                "name": f"en16931 {label} parse + validate + normalise ÷ lxml parse floor",
                "unit": "%",
                "median": round(100 * full / floor, 1),
                "runs": runs,
            }
        )
    if (SHARED / unit_suite.SUITE_DIRS[0]).is_dir():
        m = unit_suite.measure(SHARED)
        rows += [
            {"name": "en16931 rules covered", "unit": "rules", "median": m["rules_covered"], "runs": 1},
            {
                "name": "en16931 CEN unit-test checks run (covered rules)",
                "unit": "checks",
                "median": m["tests_run"],
                "runs": 1,
            },
            {
                "name": "en16931 CEN unit-test checks agreed",
                "unit": "checks",
                "median": m["tests_agreed"],
                "runs": 1,
            },
            {
                "name": "en16931 CEN unit-test agreement",
                "unit": "%",
                "median": round(100 * m["agreement"], 2),
                "runs": 1,
            },
            {
                "name": "en16931 CEN unit-test rules not covered",
                "unit": "rules",
                "median": len(m["uncovered_rules"]),
                "runs": 1,
            },
        ]
    rows += _oracle_rows()
    return rows


def _oracle_rows() -> list[dict]:
    """Agreement with the official 1.3.16 artefacts (saxonche) and their speed next to the native rules."""
    if not oracle.available(SHARED):
        return [
            {
                "name": "en16931 official artefacts: saxonche or files missing",
                "unit": "",
                "median": None,
                "runs": 0,
            }
        ]
    judge = oracle.Oracle(SHARED)
    invoices = oracle.corpus(SHARED, mutants_per_file=20)
    m = oracle.agreement(judge, invoices)
    rows = [
        {
            "name": "en16931 official oracle: invoices judged",
            "unit": "invoices",
            "median": m["judged"],
            "runs": 1,
        },
        {
            "name": "en16931 official oracle: same accept/reject verdict",
            "unit": "%",
            "median": round(100 * m["same_verdict"] / m["judged"], 2),
            "runs": 1,
        },
        {
            "name": "en16931 official oracle: same fatal and warning rule ids",
            "unit": "%",
            "median": round(100 * m["same_rules"] / m["judged"], 2),
            "runs": 1,
        },
    ]
    full = [parse_xml(p.read_bytes()) for p in oracle.corpus_files(SHARED)]
    official, runs = _files_per_second(full, judge.verdict)
    native, runs = _files_per_second(full, oracle.native)
    speedups = [
        _seconds_per_file(judge.verdict, root) / _seconds_per_file(oracle.native, root) for root in full
    ]
    rows += [
        {
            "name": "en16931 official XSLT (saxonche), samples",
            "unit": "files/s",
            "median": round(official),
            "runs": runs,
        },
        {
            "name": "en16931 native rules, same samples",
            "unit": "files/s",
            "median": round(native),
            "runs": runs,
        },
        {
            "name": f"en16931 native rules speed-up over the official XSLT, median of {len(full)} files",
            "unit": "×",
            "median": round(statistics.median(speedups), 2),
            "runs": RUNS,
            "note": f"each file's CPU time official ÷ native (median of {RUNS} runs each); "
            f"lowest {min(speedups):.1f}×, highest {max(speedups):.1f}×",
        },
    ]
    return rows


def _seconds_per_file(work: Callable[[etree._Element], object], root: etree._Element) -> float:
    """Median CPU seconds of one call, over RUNS runs of about 20 ms each (after a warm-up call)."""
    work(root)
    start = time.process_time()
    work(root)
    repeat = max(1, int(0.02 / max(time.process_time() - start, 1e-6)))
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        for _ in range(repeat):
            work(root)
        times.append((time.process_time() - start) / repeat)
    return statistics.median(times)


if __name__ == "__main__":  # pragma: no cover - manual use
    for row in run():
        print(f"{row['name']:<60} {row['median']!s:>10} {row['unit']} (runs={row['runs']})")
