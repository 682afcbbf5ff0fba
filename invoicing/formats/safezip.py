"""The one way to open an untrusted ZIP archive (an OFD file is one).

:func:`read_zip` returns the members as ``{name: bytes}`` or raises :class:`Refused`. Every
limit is checked on the declared sizes *before* anything is decompressed, and then again on
the bytes actually produced: a member is decompressed in bounded chunks and refused as soon as
it yields more than it declared (headers lie). Only ``zipfile``'s reading of the central
directory is used; member data are read and inflated here, with ``zlib``, so that the bounds
do not depend on ``zipfile`` internals.

Refused codes: ``zip_too_large``, ``zip_too_many_members``, ``zip_member_too_large``,
``zip_bomb``, ``zip_bad_member_name``, ``zip_duplicate_member``, ``zip_nested_archive``,
``zip_encrypted``, ``zip_unsupported_method``, ``zip_corrupt``.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import zipfile
import zlib

from .model import Refused

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # declared (and actual) uncompressed size of one member
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # declared (and actual) uncompressed size of all members
MAX_RATIO = 100  # uncompressed : compressed, checked for members above RATIO_FLOOR
RATIO_FLOOR = 64 * 1024  # small members may compress very well and are harmless
CHUNK = 64 * 1024

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature … file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_MAX_NAME_LENGTH = 512

# Magic bytes of archive and compressed-stream formats that must not be nested inside.
_ARCHIVE_MAGIC = {
    b"PK\x03\x04": "ZIP",
    b"PK\x05\x06": "ZIP",
    b"PK\x07\x08": "ZIP",
    b"Rar!\x1a\x07": "RAR",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"\x1f\x8b": "gzip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"MSCF": "CAB",
}
_MAGICS = tuple(_ARCHIVE_MAGIC)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# What zipfile may raise on a damaged central directory.
_ZIPFILE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    ValueError,  # includes UnicodeDecodeError for bad UTF-8 names
    OSError,
    EOFError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    KeyError,
    IndexError,
    OverflowError,
)


def read_zip(
    data: bytes,
    *,
    what: str = "The archive",
    max_upload: int = MAX_UPLOAD_BYTES,
    max_members: int = MAX_MEMBERS,
    max_member_size: int = MAX_MEMBER_BYTES,
    max_total_size: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> dict[str, bytes]:
    """Return the files of the ZIP archive ``data`` as ``{name: bytes}`` (directories left out)."""
    if len(data) > max_upload:
        raise Refused("zip_too_large", f"{what} is {len(data)} bytes; the limit is {max_upload}.")
    # Reading the central directory costs time per entry before any check below can run; the
    # signature count is a cheap upper bound on the number of entries.
    if data.count(_CENTRAL_SIGNATURE) > max_members:
        raise Refused("zip_too_many_members", f"{what} has more than {max_members} entries.")
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except _ZIPFILE_ERRORS as exc:
        raise Refused("zip_corrupt", f"{what} is not a readable ZIP archive ({exc}).") from None

    if len(infos) > max_members:
        raise Refused("zip_too_many_members", f"{what} has {len(infos)} entries; the limit is {max_members}.")
    names = _check_entries(infos, what, max_member_size, max_total_size, max_ratio)
    _check_no_overlap(infos, names, what)

    members: dict[str, bytes] = {}
    total = 0
    for info, name in zip(infos, names, strict=True):
        if name.endswith("/"):
            continue
        content = _read_member(data, info, name, limit=min(info.file_size, max_member_size))
        total += len(content)
        if total > max_total_size:  # cannot happen when the checks above hold; kept as a backstop
            raise Refused("zip_bomb", f"{what} unpacks to more than {max_total_size} bytes.")
        kind = _archive_kind(content)
        if kind:
            raise Refused("zip_nested_archive", f"Member {name!r} is itself a {kind} archive.")
        members[name] = content
    return members


def _check_entries(
    infos: list[zipfile.ZipInfo], what: str, max_member_size: int, max_total_size: int, max_ratio: int
) -> list[str]:
    """Check every entry's header facts; return the decoded names in entry order."""
    names: list[str] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = _decoded_name(info)
        problem = member_name_problem(name)
        if problem:
            raise Refused("zip_bad_member_name", f"Member name {name!r} is not allowed: {problem}.")
        if name in seen:
            raise Refused("zip_duplicate_member", f"{what} contains {name!r} more than once.")
        seen.add(name)
        names.append(name)
        if info.flag_bits & _FLAG_ENCRYPTED:
            raise Refused("zip_encrypted", f"Member {name!r} is encrypted.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(
                "zip_unsupported_method",
                f"Member {name!r} uses compression method {info.compress_type}; only stored and deflated are accepted.",
            )
        size, packed = info.file_size, info.compress_size
        if size > RATIO_FLOOR and size > max_ratio * max(packed, 1):
            raise Refused(
                "zip_bomb",
                f"Member {name!r} declares {size} bytes from {packed} compressed bytes, "
                f"a ratio above {max_ratio}:1.",
            )
        if size > max_member_size:
            raise Refused(
                "zip_member_too_large",
                f"Member {name!r} declares {size} bytes; the limit is {max_member_size}.",
            )
        total += size
        if total > max_total_size:
            raise Refused("zip_too_large", f"{what} would unpack to more than {max_total_size} bytes.")
    return names


def _check_no_overlap(infos: list[zipfile.ZipInfo], names: list[str], what: str) -> None:
    """Refuse entries whose data overlap (the non-recursive "zip bomb" reuses one deflate stream)."""
    spans = sorted(
        (info.header_offset, info.header_offset + 30 + len(_raw_name(info)) + info.compress_size, name)
        for info, name in zip(infos, names, strict=True)
    )
    for (_, end, name), (next_start, _, next_name) in zip(spans, spans[1:], strict=False):
        if next_start < end:
            raise Refused("zip_bomb", f"In {what}, members {name!r} and {next_name!r} overlap.")


def member_name_problem(name: str) -> str:
    """Why ``name`` is not an acceptable member name, or "" when it is."""
    if not name:
        return "it is empty"
    if len(name) > _MAX_NAME_LENGTH:
        return f"it is longer than {_MAX_NAME_LENGTH} characters"
    if _CONTROL.search(name):
        return "it contains a NUL or control character"
    if "\\" in name:
        return "it contains a backslash"
    if name.startswith("/"):
        return "it is an absolute path"
    if _DRIVE.match(name):
        return "it starts with a drive letter"
    if ".." in name.split("/"):
        return "it contains a '..' path component"
    return ""


def _raw_name(info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & _FLAG_UTF8:
        return info.orig_filename.encode("utf-8")
    return info.orig_filename.encode("cp437")


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The member name as written (before zipfile cuts it at a NUL); UTF-8 without the flag too."""
    name = info.orig_filename
    if not info.flag_bits & _FLAG_UTF8:
        # Many tools write UTF-8 names without setting the flag; zipfile then decodes cp437.
        with contextlib.suppress(UnicodeError):
            name = name.encode("cp437").decode("utf-8")
    return name


def _read_member(data: bytes, info: zipfile.ZipInfo, name: str, *, limit: int) -> bytes:
    """Inflate one member, never producing more than ``limit`` + 1 bytes."""
    start = info.header_offset
    header = data[start : start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        raise Refused("zip_corrupt", f"The local header of member {name!r} is truncated.")
    signature, _version, flags, method, *_times_and_sizes, name_length, extra_length = _LOCAL_HEADER.unpack(
        header
    )
    if signature != _LOCAL_SIGNATURE:
        raise Refused("zip_corrupt", f"The local header of member {name!r} is damaged.")
    if flags & _FLAG_ENCRYPTED:
        raise Refused("zip_encrypted", f"Member {name!r} is encrypted.")
    if method != info.compress_type or data[start + 30 : start + 30 + name_length] != _raw_name(info):
        raise Refused("zip_corrupt", f"The local header of member {name!r} disagrees with the directory.")
    begin = start + 30 + name_length + extra_length
    raw = data[begin : begin + info.compress_size]
    if len(raw) < info.compress_size:
        raise Refused("zip_corrupt", f"Member {name!r} is truncated.")

    content = raw if method == zipfile.ZIP_STORED else _inflate(raw, name, limit)
    if len(content) > limit:
        raise Refused(
            "zip_bomb", f"Member {name!r} unpacks to more than its declared {info.file_size} bytes."
        )
    if len(content) != info.file_size:
        raise Refused("zip_corrupt", f"Member {name!r} unpacks to a different size than declared.")
    if zlib.crc32(content) != info.CRC:
        raise Refused("zip_corrupt", f"Member {name!r} fails its CRC check.")
    return content


def _inflate(raw: bytes, name: str, limit: int) -> bytes:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    pos = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            else:
                chunk = raw[pos : pos + CHUNK]
                pos += CHUNK
                if not chunk:
                    raise Refused("zip_corrupt", f"The compressed data of member {name!r} end early.")
            out += inflater.decompress(chunk, limit + 1 - len(out))  # max_length is always >= 1
            if len(out) > limit:
                break
    except zlib.error as exc:
        raise Refused("zip_corrupt", f"The compressed data of member {name!r} are damaged ({exc}).") from None
    return bytes(out)


def _archive_kind(content: bytes) -> str:
    if content.startswith(_MAGICS):  # one C call for the usual answer "none of them"
        for magic, kind in _ARCHIVE_MAGIC.items():
            if content.startswith(magic):
                return kind
    if _BZIP2.match(content):
        return "bzip2"
    if content[257:262] == b"ustar":
        return "tar"
    return ""
