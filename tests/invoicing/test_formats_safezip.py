"""safezip: every hostile archive is generated here, in memory, and must be refused cheaply."""

from __future__ import annotations

import gzip
import io
import struct
import time
import tracemalloc
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.formats.model import Refused
from invoicing.formats.safezip import member_name_problem, read_zip
from tests.invoicing.samples import sample

GIB = 1 << 30
MIB = 1 << 20


# --- builders -----------------------------------------------------------------------------------


def make_zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@dataclass
class Entry:
    """One member of a hand-built archive: every header field is ours to forge."""

    name: bytes
    payload: bytes  # the bytes stored (already compressed when method is 8)
    size: int  # declared uncompressed size
    crc: int = 0
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0

    @classmethod
    def stored(cls, name: str | bytes, content: bytes) -> Entry:
        raw = name.encode() if isinstance(name, str) else name
        return cls(raw, content, len(content), zlib.crc32(content), zipfile.ZIP_STORED)


def build_zip(entries: list[Entry], central_offsets: list[int] | None = None) -> bytes:
    """A ZIP written field by field (local headers, central directory, end record)."""
    out, central, offsets = bytearray(), bytearray(), []
    for e in entries:
        offsets.append(len(out))
        out += struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,
            e.flags,
            e.method,
            0,
            0,
            e.crc,
            len(e.payload),
            e.size,
            len(e.name),
            0,
        )
        out += e.name + e.payload
    for e, offset in zip(entries, central_offsets or offsets, strict=True):
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            e.flags,
            e.method,
            0,
            0,
            e.crc,
            len(e.payload),
            e.size,
            len(e.name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += e.name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def zero_deflate(mib: int) -> bytes:
    """A raw deflate stream of ``mib`` MiB of zeros, built without compressing them all (~1 KiB/MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(MIB)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + repeat * (mib - 1) + compressor.flush()


def refused(data: bytes, **limits) -> Refused:
    with pytest.raises(Refused) as info:
        read_zip(data, **limits)
    assert info.value.message
    return info.value


def assert_fast_and_small(data: bytes, code: str) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        assert refused(data).code == code
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 0.2, f"took {elapsed:.3f} s"
    assert peak < 8 * MIB, f"allocated {peak} bytes"


# --- accepted archives --------------------------------------------------------------------------


def test_reads_members_and_skips_directories():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Doc_0/", b"")
        archive.writestr("OFD.xml", b"<a/>" * 1000)
        archive.writestr("Doc_0/附件.xml", "<发票/>".encode())
        archive.writestr("empty.txt", b"")
        archive.writestr("stored.bin", b"\x89PNG raw", compress_type=zipfile.ZIP_STORED)
    members = read_zip(buffer.getvalue())
    assert members == {
        "OFD.xml": b"<a/>" * 1000,
        "Doc_0/附件.xml": "<发票/>".encode(),
        "empty.txt": b"",
        "stored.bin": b"\x89PNG raw",
    }


def test_utf8_name_without_the_utf8_flag_is_decoded():
    members = read_zip(build_zip([Entry.stored("发票.xml".encode(), b"<x/>")]))
    assert members == {"发票.xml": b"<x/>"}


def test_well_compressing_small_member_is_not_a_bomb():
    content = b"<p/>" * 16_000  # 64 000 bytes at a ratio far above 100:1, but below the floor
    assert read_zip(make_zip({"page.xml": content}))["page.xml"] == content


def test_the_shared_ofd_samples_open():
    members = read_zip(sample("einvoice-cn/ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd").read_bytes())
    assert "OFD.xml" in members
    assert len(members) == 16


# --- bombs --------------------------------------------------------------------------------------


def test_zero_deflate_helper_really_inflates_to_the_stated_size():
    assert zlib.decompress(zero_deflate(3), -15) == bytes(3 * MIB)


def test_one_gib_of_zeros_declared_honestly_is_refused_from_the_header():
    payload = zero_deflate(1024)
    assert len(payload) < 2 * MIB
    data = build_zip([Entry(b"OFD.xml", payload, GIB)])
    assert_fast_and_small(data, "zip_bomb")


def test_one_gib_of_zeros_with_a_forged_small_size_stops_after_the_declared_bytes():
    data = build_zip([Entry(b"OFD.xml", zero_deflate(1024), 1000)])
    assert_fast_and_small(data, "zip_bomb")


def test_forged_size_just_below_the_member_limit_stops_at_the_limit():
    # Declared 1 MiB (ratio check passes with ratio 1000 allowed); the stream holds 64 MiB.
    data = build_zip([Entry(b"OFD.xml", zero_deflate(64), MIB)])
    with pytest.raises(Refused) as info:
        read_zip(data, max_ratio=1000)
    assert info.value.code == "zip_bomb"
    assert "more than its declared" in info.value.message


def test_streamed_zero_member_written_by_zipfile_is_refused():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("OFD.xml", "w") as member,
    ):
        chunk = bytes(MIB)
        for _ in range(32):
            member.write(chunk)
    assert_fast_and_small(buffer.getvalue(), "zip_bomb")


def test_overlapping_members_are_refused():
    entries = [Entry.stored("a.xml", b"<a/>" * 10), Entry.stored("b.xml", b"<b/>" * 10)]
    assert refused(build_zip(entries, central_offsets=[0, 0])).code == "zip_bomb"


def test_declared_member_size_limit():
    data = make_zip({"big.bin": bytes(range(256)) * 4})
    assert refused(data, max_member_size=1000).code == "zip_member_too_large"


def test_declared_total_size_limit():
    data = make_zip({f"m{i}.bin": bytes(range(256)) * 2 for i in range(3)})
    assert refused(data, max_total_size=1200).code == "zip_too_large"


# --- size and count caps ------------------------------------------------------------------------


def test_upload_size_cap():
    data = make_zip({"OFD.xml": b"<a/>"})
    assert refused(data, max_upload=len(data) - 1).code == "zip_too_large"
    assert refused(b"\0" * (20 * MIB + 1)).code == "zip_too_large"


def test_member_count_cap():
    data = make_zip({f"f{i}.txt": b"x" for i in range(501)})
    assert_fast_and_small(data, "zip_too_many_members")
    assert len(read_zip(make_zip({f"f{i}.txt": b"x" for i in range(500)}))) == 500


def test_member_count_cap_applies_before_the_directory_is_parsed():
    # The end record claims 1 entry; the central directory holds 2000 tiny ones.
    data = bytearray(make_zip({f"{i}": b"" for i in range(2000)}, zipfile.ZIP_STORED))
    data[-12:-10] = struct.pack("<H", 1)
    data[-14:-12] = struct.pack("<H", 1)
    assert refused(bytes(data)).code == "zip_too_many_members"


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        b"../OFD.xml",
        b"Doc_0/../../etc/passwd",
        b"/etc/passwd",
        b"Doc_0\\Document.xml",
        b"C:/Windows/system.ini",
        b"c:evil",
        b"OFD.xml\x00.png",
        b"line\nbreak",
        b"",
        b"a" * 600,
    ],
)
def test_bad_member_names_are_refused(name):
    assert refused(build_zip([Entry.stored(name, b"x")])).code == "zip_bad_member_name"


def test_member_name_problem_accepts_ordinary_names():
    assert member_name_problem("Doc_0/Pages/Page_0/Content.xml") == ""
    assert member_name_problem("Doc_0/Attachs/发票.xml") == ""
    assert member_name_problem("a..b/c") == ""


def test_duplicate_member_names_are_refused():
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("OFD.xml", b"<a/>")
        archive.writestr("OFD.xml", b"<b/>")
    assert refused(buffer.getvalue()).code == "zip_duplicate_member"


# --- nested, encrypted, unsupported --------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        make_zip({"inner.xml": b"<a/>"}),
        gzip.compress(b"<a/>"),
        b"Rar!\x1a\x07\x01\x00rest",
        b"7z\xbc\xaf\x27\x1c\x00\x04rest",
        b"\xfd7zXZ\x00rest",
        b"BZh91AY&SYrest",
    ],
    ids=["zip", "gzip", "rar", "7z", "xz", "bzip2"],
)
def test_nested_archives_are_refused(content):
    assert refused(make_zip({"OFD.xml": b"<a/>", "Doc_0/Res/x.bin": content})).code == "zip_nested_archive"


def test_text_starting_like_bzip2_is_not_an_archive():
    assert read_zip(make_zip({"note.txt": b"BZh is a word"}))["note.txt"] == b"BZh is a word"


def test_encrypted_members_are_refused():
    entry = Entry.stored("OFD.xml", b"secret")
    entry.flags = 0x1
    assert refused(build_zip([entry])).code == "zip_encrypted"


def test_other_compression_methods_are_refused():
    data = make_zip({"OFD.xml": b"<a/>" * 100}, zipfile.ZIP_BZIP2)
    assert refused(data).code == "zip_unsupported_method"


# --- corrupt ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x03\x04" + b"\0" * 40], ids=["empty", "text", "stub"])
def test_not_a_zip(data):
    assert refused(data).code == "zip_corrupt"


def test_truncated_archive():
    data = make_zip({"OFD.xml": b"<a/>" * 1000, "b.xml": b"<b/>"})
    assert refused(data[: len(data) // 2]).code == "zip_corrupt"


def test_crc_mismatch():
    entry = Entry.stored("OFD.xml", b"<a/>")
    entry.crc ^= 1
    assert refused(build_zip([entry])).code == "zip_corrupt"


def test_damaged_deflate_stream():
    entry = Entry(b"OFD.xml", b"\xff" * 50, 100, 0)
    assert refused(build_zip([entry])).code == "zip_corrupt"


def test_deflate_stream_shorter_than_declared():
    content = b"<a/>" * 100
    payload = zlib.compress(content)[2:-4]  # raw deflate
    entry = Entry(b"OFD.xml", payload, len(content) + 10, zlib.crc32(content))
    assert refused(build_zip([entry])).code == "zip_corrupt"


def test_local_header_name_disagreeing_with_directory():
    data = bytearray(build_zip([Entry.stored("OFD.xml", b"<a/>")]))
    data[30:37] = b"EVIL.js"
    assert refused(bytes(data)).code == "zip_corrupt"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=6),
)
def test_mutated_archives_only_ever_raise_refused(cut, flips):
    original = make_zip({"OFD.xml": b"<ofd/>" * 50, "Doc_0/a.xml": b"<a>x</a>", "b.bin": bytes(range(200))})
    data = bytearray(original[: len(original) - cut] if cut < len(original) else original)
    for position, mask in flips:
        if data:
            data[position % len(data)] ^= mask
    try:
        read_zip(bytes(data))
    except Refused as exc:
        assert exc.code.startswith("zip_")
