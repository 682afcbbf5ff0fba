"""OFD throughput and ZIP-bomb refusal time.

Files per second on one core for ``ofd.parse`` (safezip, every needed XML member, the merge of
the three data carriers, and the seal check: SM3 digests of every referenced file plus one SM2
verification) over the four shared samples, next to the floor of unzipping them with ``zipfile``
and parsing every XML member with lxml and nothing else. Then the time to refuse a 1 GiB
zero-filled member, once with its size declared honestly and once with a forged small size.

Rates use the process's CPU time (``time.process_time``), so other work on the machine does not
lower them; the code is single-threaded, so this is the rate of one core.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from invoicing.formats import ofd, ofd_signature
from invoicing.formats.model import Refused
from invoicing.formats.safexml import parse_xml
from invoicing.formats.safezip import read_zip

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
SAMPLES = SHARED / "samples" / "einvoice-cn"
RUNS = 5
RUN_SECONDS = 0.2


def _median_rate(files: list[bytes], work: Callable[[bytes], object]) -> float:
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
        rates.append(repeat * len(files) / max(time.process_time() - start, 1e-9))
    return statistics.median(rates)


def _floor(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name.endswith(".xml"):
                with contextlib.suppress(Refused):  # the malformed CustomTag of one sample
                    parse_xml(content)


def _parse_only(data: bytes) -> None:
    ofd.parse(data, verify_signature=False)


def _zero_bomb(declared: int) -> bytes:
    """A ZIP whose one member inflates to 1 GiB of zeros (about 1 MB compressed), built in ~10 ms."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    payload = first + repeat * 1023 + compressor.flush()
    name = b"OFD.xml"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(payload), declared, len(name), 0)
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        0,
        len(payload),
        declared,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + name + payload
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), len(body), 0)
    return body + central + name + end


def _refusal_ms(data: bytes) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        try:
            read_zip(data)
        except Refused:
            pass
        else:
            raise AssertionError("the ZIP bomb was accepted")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> list[dict]:
    rows: list[dict] = []
    files = [path.read_bytes() for path in sorted(SAMPLES.glob("*.ofd"))]
    if files:
        n = len(files)
        for name, work in (
            (f"OFD parse + seal check ({n} samples)", ofd.parse),
            (f"OFD parse without seal check ({n} samples)", _parse_only),
            (f"OFD floor: zipfile + lxml parse of every XML member ({n} samples)", _floor),
        ):
            rows.append(
                {"name": name, "unit": "files/s", "median": round(_median_rate(files, work)), "runs": RUNS}
            )
    zj = SAMPLES / "ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd"
    if zj.is_file():
        ses = ofd_signature.read_ses_signature(
            read_zip(zj.read_bytes())["Doc_0/Signs/Sign_0/SignedValue.dat"]
        )
        if ofd_signature.verify_sm2(ses.public_point, ses.to_sign, ses.signature):
            rate = _median_rate(
                [b""], lambda _: ofd_signature.verify_sm2(ses.public_point, ses.to_sign, ses.signature)
            )
            rows.append(
                {
                    "name": "SM2 verify alone (tongsuopy, one seal)",
                    "unit": "verifications/s",
                    "median": round(rate),
                    "runs": RUNS,
                }
            )
    for name, declared in (
        ("refuse 1 GiB zero ZIP member, size declared", 1 << 30),
        ("refuse 1 GiB zero ZIP member, size forged to 1 KB", 1000),
    ):
        rows.append(
            {"name": name, "unit": "ms", "median": round(_refusal_ms(_zero_bomb(declared)), 3), "runs": RUNS}
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<72} {row['median']:>10} {row['unit']}")
