"""Intake pipeline (detect + parse + signature + validate) per format, peak memory, and the time to refuse each hostile file."""

from __future__ import annotations

import io
import os
import random
import statistics
import time
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

from invoicing.checks import check_file
from invoicing.formats.model import Refused
from invoicing.validation import ValidationContext

SAMPLES = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared") / "samples"
CTX = ValidationContext(today=date(2026, 11, 23), max_age_days=10_000)
FORMATS = {
    "ofd": "einvoice-cn/*.ofd",
    "cn-xml": "einvoice-cn-xml/*.xml",
    "ubl": "en16931/ubl/*.xml",
    "cii": "en16931/cii/*.xml",
}


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("OFD.xml", "w", force_zip64=True) as m,
    ):
        chunk = bytes(1 << 20)
        for _ in range(1024):
            m.write(chunk)
    return buffer.getvalue()


def hostile_corpus() -> dict[str, bytes]:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9))
        + b"]><EInvoice>&j;</EInvoice>"
    )
    return {
        "billion laughs": laughs,
        "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EInvoice>&e;</EInvoice>',
        "ZIP bomb (1 GiB member)": _zip_bomb(),
        "ZIP member named ../../etc/passwd": _zip({"OFD.xml": b"<a/>", "../../etc/passwd": b"x"}),
        "nested archive": _zip({"OFD.xml": b"<a/>", "inner.zip": _zip({"a": b"b"})}),
        "truncated ZIP": _zip(
            {"OFD.xml": b"<OFD>" + random.Random(1).randbytes(20_000).hex().encode() + b"</OFD>"}
        )[:5000],
        "XML that is no invoice (RSS)": b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
        "wrong encoding declared": '<?xml version="1.0" encoding="UTF-8"?><EInvoice>发票</EInvoice>'.encode(
            "gbk"
        ),
        "deeply nested XML": b"<EInvoice>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</EInvoice>",
        "PDF": b"%PDF-1.7\n" + bytes(1000),
    }


def _rate(files: list[bytes], repeat: int) -> list[float]:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        for data in files:
            check_file(data, CTX)
        rates.append(len(files) / (time.perf_counter() - start))
    return rates


def run() -> list[dict]:
    rows = []
    all_files = []
    for name, pattern in FORMATS.items():
        files = [p.read_bytes() for p in sorted(SAMPLES.glob(pattern))]
        if not files:
            continue
        all_files += files
        rates = _rate(files, 5)
        rows.append(
            {
                "name": f"intake {name}: parse + signature + validate ({len(files)} samples)",
                "unit": "files/s",
                "median": statistics.median(rates),
                "runs": len(rates),
            }
        )
    if all_files:
        tracemalloc.start()
        for data in all_files:
            check_file(data, CTX)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append(
            {
                "name": "intake peak Python memory, all samples one after another",
                "unit": "MiB",
                "median": peak / 2**20,
                "runs": 1,
            }
        )
    for label, data in hostile_corpus().items():
        times, code = [], ""
        for _ in range(5):
            start = time.perf_counter()
            try:
                check_file(data, CTX)
                code = "ACCEPTED"
            except Refused as refused:
                code = refused.code
            times.append((time.perf_counter() - start) * 1000)
        rows.append(
            {"name": f"refuse {label} → {code}", "unit": "ms", "median": statistics.median(times), "runs": 5}
        )
    return rows
