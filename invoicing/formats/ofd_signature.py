"""Electronic seals of OFD files (GB/T 33190 signatures, GM/T 0031 SES_Signature, SM2/SM3).

For every ``Signature.xml`` listed in ``Signatures.xml``:

1. each ``Reference`` (``FileRef`` + base64 ``CheckValue``) is checked against the digest of
   that member, with the algorithm named by ``References/@CheckMethod`` (SM3 by default);
2. ``SignedValue.dat`` is read as an SES_Signature (GM/T 0031 v4, or the older v1 layout); its
   ``dataHash`` must equal SM3(``Signature.xml``) and the SM2 signature over the DER of
   ``toSign`` must verify with the public key of the signer certificate inside it.

The certificate chain (is the signer really a tax bureau?) and validity periods are *not*
checked; the signer's name is reported so that a person can judge it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import posixpath
from dataclasses import dataclass, field

from asn1crypto import algos, core, x509

from .model import Refused, SignatureInfo
from .safexml import local, parse_xml

# SM2 verification: Tongsuo (tongsuopy, C) where it has wheels (x86_64, macOS, Windows); gmssl
# (pure Python, slower) where it has none, e.g. aarch64 Linux (pyproject.toml's markers; README).
# With neither, signatures are reported as unverified, never as a crash.
try:
    from tongsuopy.crypto import hashes as _sm_hashes
    from tongsuopy.crypto.asymciphers import ec as _sm_ec
    from tongsuopy.crypto.exceptions import InternalError as _InternalError
    from tongsuopy.crypto.exceptions import InvalidSignature as _InvalidSignature
except ImportError:  # pragma: no cover - depends on the platform
    _sm_ec = None
try:
    from gmssl import sm2 as _gmssl_sm2
except ImportError:  # pragma: no cover - depends on the environment
    _gmssl_sm2 = None

SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM2_CURVE = "1.2.156.10197.1.301"
SM3 = "1.2.156.10197.1.401"
_DIGEST_NAMES = {
    SM3: "sm3",
    "sm3": "sm3",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "sha256": "sha256",
    "sha-256": "sha256",
}
TOLERATED_XML_CODES = frozenset({"xml_malformed", "xml_empty"})


# --- GM/T 0031 structures (only as deep as needed; the rest is kept as Any) -------------------


class SealHeader(core.Sequence):
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class SealInfo(core.Sequence):
    """SES_SealInfo: header, seal id, property (type, name, …), picture, optional extensions."""

    _fields = [
        ("header", SealHeader),
        ("es_id", core.IA5String),
        ("property", core.Any),
        ("picture", core.Any),
        ("ext_datas", core.Any, {"optional": True}),
    ]


class SESealV4(core.Sequence):
    _fields = [
        ("seal_info", SealInfo),
        ("cert", core.OctetString),  # the seal maker's certificate
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TBSSignV4(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV4),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", core.Any, {"optional": True}),
    ]


class SESSignatureV4(core.Sequence):
    _fields = [
        ("to_sign", TBSSignV4),
        ("cert", core.OctetString),  # the signer's certificate
        ("signature_algorithm", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.Any, {"optional": True}),
    ]


class SESealV1(core.Sequence):
    _fields = [("seal_info", SealInfo), ("sign_info", core.Any)]


class TBSSignV1(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("eseal", SESealV1),
        ("time_info", core.Any),  # a BIT STRING in the standard, UTCTime in some producers
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("cert", core.OctetString),
        ("signature_algorithm", core.ObjectIdentifier),
    ]


class SESSignatureV1(core.Sequence):
    _fields = [("to_sign", TBSSignV1), ("signature", core.OctetBitString)]


@dataclass(frozen=True)
class SesSignature:
    """The parts of an SES_Signature that verification needs."""

    version: int
    to_sign: bytes  # DER of toSign: the signed data
    data_hash: bytes
    algorithm: str
    signature: bytes  # DER SM2 signature
    signer: str  # subject of the signer certificate
    issuer: str
    curve: str  # OID of the certificate's named curve
    public_point: bytes  # uncompressed EC point, 65 bytes for SM2
    seal_name: str


def read_ses_signature(blob: bytes) -> SesSignature:
    """Read SignedValue.dat; raises ValueError (or another asn1crypto error) when it is not one."""
    outer = core.Sequence.load(blob, strict=True)
    if len(outer) >= 4:
        ses = SESSignatureV4.load(blob, strict=True)
        tbs = ses["to_sign"]
        cert_der, algorithm = ses["cert"].native, ses["signature_algorithm"].dotted
    else:
        ses = SESSignatureV1.load(blob, strict=True)
        tbs = ses["to_sign"]
        cert_der, algorithm = tbs["cert"].native, tbs["signature_algorithm"].dotted
    signature = ses["signature"].native
    if len(signature) == 64:  # raw r || s instead of a DER SEQUENCE
        signature = algos.DSASignature.from_p1363(signature).dump()
    else:  # re-encode, so that only well-formed DER ever reaches OpenSSL
        parsed = algos.DSASignature.load(signature, strict=True)
        signature = algos.DSASignature({"r": parsed["r"].native, "s": parsed["s"].native}).dump()
    cert = x509.Certificate.load(cert_der, strict=True)
    key_info = cert.public_key
    curve = key_info["algorithm"]["parameters"].chosen if key_info.algorithm == "ec" else None
    return SesSignature(
        version=tbs["version"].native,
        to_sign=tbs.dump(),
        data_hash=tbs["data_hash"].native,
        algorithm=algorithm,
        signature=signature,
        signer=_name(cert.subject),
        issuer=_name(cert.issuer),
        curve=curve.dotted if isinstance(curve, core.ObjectIdentifier) else "",
        public_point=key_info["public_key"].native if curve is not None else b"",
        seal_name=_seal_name(tbs["eseal"]["seal_info"]["property"]),
    )


def _seal_name(prop: core.Any) -> str:
    try:
        name = core.Sequence.load(prop.dump())[1]
        return (
            name.native if isinstance(name, core.UTF8String | core.PrintableString | core.BMPString) else ""
        )
    except (ValueError, TypeError, IndexError, KeyError):
        return ""


def _der_item(der: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag byte, start, end of contents) of the DER item at ``pos``; only what names need."""
    if pos + 2 > end:
        raise ValueError("truncated")
    tag, length = der[pos], der[pos + 1]
    pos += 2
    if tag & 0x1F == 0x1F:
        raise ValueError("high tag number")
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4 or pos + size > end:
            raise ValueError("length")
        length = int.from_bytes(der[pos : pos + size], "big")
        pos += size
    if pos + length > end:
        raise ValueError("truncated")
    return tag, pos, pos + length


_CN_OID = b"\x55\x04\x03"  # 2.5.4.3
_STRING_CODECS = {0x0C: "utf-8", 0x13: "latin1", 0x1E: "utf-16-be"}  # UTF8, Printable, BMP (asn1crypto's)


def _common_name(der: bytes) -> str | None:
    """The first commonName of a DER Name read directly (asn1crypto builds an object per
    attribute, which made reading the two names half the cost of a seal); None when the
    name has none or anything about it is unusual, and :func:`_name` then asks asn1crypto."""
    try:
        tag, pos, end = _der_item(der, 0, len(der))
        if tag != 0x30 or end != len(der):
            return None
        while pos < end:
            tag, rdn, rdn_end = _der_item(der, pos, end)
            if tag != 0x31:
                return None
            while rdn < rdn_end:
                tag, start, attr_end = _der_item(der, rdn, rdn_end)
                if tag != 0x30:
                    return None
                tag, oid, oid_end = _der_item(der, start, attr_end)
                if tag != 0x06:
                    return None
                if der[oid:oid_end] == _CN_OID:
                    tag, value, value_end = _der_item(der, oid_end, attr_end)
                    codec = _STRING_CODECS.get(tag)
                    if codec is None or value_end != attr_end:
                        return None
                    return der[value:value_end].decode(codec)
                rdn = attr_end
            pos = rdn_end
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _name(name: x509.Name) -> str:
    """The common name of a certificate subject or issuer, else the whole name."""
    fast = _common_name(name.dump())
    if fast is not None:
        return fast
    for rdn in name.chosen:
        for attribute in rdn:
            if attribute["type"].dotted == "2.5.4.3":  # commonName
                return str(attribute["value"].native)
    return name.human_friendly


def verify_sm2(public_point: bytes, data: bytes, signature: bytes) -> bool | None:
    """True/False for an SM2-with-SM3 signature (DER; default user id); None when SM2 is unavailable."""
    if _sm_ec is None:
        return None if _gmssl_sm2 is None else _verify_sm2_gmssl(public_point, data, signature)
    try:
        key = _sm_ec.EllipticCurvePublicKey.from_encoded_point(_sm_ec.SM2(), public_point)
        key.verify(signature, data, _sm_ec.ECDSA(_sm_hashes.SM3()))
    except (_InvalidSignature, _InternalError, ValueError):
        return False
    return True


# GB/T 32918.5 curve parameters (sm2p256v1); p % 4 == 3, so a square root is a single power.
_SM2_P = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
_SM2_A = _SM2_P - 3
_SM2_B = int("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", 16)
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def _sm2_point(encoded: bytes) -> tuple[int, int] | None:
    """(x, y) of an X9.62 point (uncompressed or compressed) on the SM2 curve, else None."""
    if len(encoded) == 65 and encoded[0] == 4:
        x, y = int.from_bytes(encoded[1:33], "big"), int.from_bytes(encoded[33:], "big")
    elif len(encoded) == 33 and encoded[0] in (2, 3):
        x = int.from_bytes(encoded[1:], "big")
        y = pow((x**3 + _SM2_A * x + _SM2_B) % _SM2_P, (_SM2_P + 1) // 4, _SM2_P)
        if y % 2 != encoded[0] % 2:
            y = _SM2_P - y
    else:
        return None
    on_curve = x < _SM2_P and y < _SM2_P and (y * y - x**3 - _SM2_A * x - _SM2_B) % _SM2_P == 0
    return (x, y) if on_curve else None


def _verify_sm2_gmssl(public_point: bytes, data: bytes, signature: bytes) -> bool:
    """The pure-Python path. gmssl checks neither the key nor the ranges of r and s: done here."""
    point = _sm2_point(public_point)
    try:
        parsed = algos.DSASignature.load(signature, strict=True)
        r, s = parsed["r"].native, parsed["s"].native
    except (ValueError, TypeError):
        return False
    if point is None or not (0 < r < _SM2_N and 0 < s < _SM2_N):
        return False
    verifier = _gmssl_sm2.CryptSM2(private_key=None, public_key="")
    verifier.public_key = f"{point[0]:064x}{point[1]:064x}"  # set directly: its constructor mangles "04…"
    try:
        return bool(verifier.verify_with_sm3(f"{r:064x}{s:064x}", data))
    except (ValueError, TypeError, IndexError):  # a sum at infinity: no valid signature gives one
        return False


def digest(algorithm: str, data: bytes) -> bytes:
    # hashlib.new("sm3") looks the algorithm up in OpenSSL each time (some 25 µs, more than hashing
    # a small member); a copy of one fresh hash object made once skips that.
    h = _fresh_hash(algorithm).copy()
    h.update(data)
    return h.digest()


@functools.cache
def _fresh_hash(algorithm: str):
    return hashlib.new(algorithm)


# --- walking the package ----------------------------------------------------------------------


def resolve_path(members: dict[str, bytes], loc: str, base_dir: str = "") -> str | None:
    """The member an OFD location (absolute, or relative to ``base_dir``) points to, if present."""
    loc = (loc or "").strip()
    if not loc:
        return None
    joined = loc if loc.startswith("/") else posixpath.join("/", base_dir, loc)
    name = posixpath.normpath(joined).lstrip("/")
    if name in members:
        return name
    if not loc.startswith("/"):  # some producers write root-relative paths without the slash
        name = posixpath.normpath("/" + loc).lstrip("/")
        if name in members:
            return name
    return None


def optional_xml(members: dict[str, bytes], name: str):
    """Parse a member that may be damaged: None when it is malformed, Refused when it is hostile."""
    try:
        return parse_xml(members[name], what=f"OFD member {name}")
    except Refused as exc:
        if exc.code in TOLERATED_XML_CODES:
            return None
        raise


def _kids(element, name: str) -> list:
    return [child for child in element if local(child.tag) == name]


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


@dataclass
class SignatureCheck:
    """The verdict on all seals, and which members a verified seal protects with a matching digest."""

    info: SignatureInfo
    covered: set[str] = field(default_factory=set)


@dataclass
class _Verdict:
    digests_valid: bool | None
    signature_valid: bool | None
    signer: str = ""
    notes: list[str] = field(default_factory=list)
    covered: set[str] = field(default_factory=set)


def check_signatures(members: dict[str, bytes], signatures_loc: str | None) -> SignatureCheck:
    """Check every seal listed by the Signatures file at ``signatures_loc`` (from OFD.xml)."""
    if not signatures_loc:
        return SignatureCheck(SignatureInfo(present=False))
    index = resolve_path(members, signatures_loc)
    if index is None:
        return SignatureCheck(
            SignatureInfo(True, None, False, "", f"the signature list {signatures_loc} is missing")
        )
    root = optional_xml(members, index)
    if root is None:
        return SignatureCheck(SignatureInfo(True, None, False, "", f"{index} is not well-formed XML"))
    locs = [entry.get("BaseLoc", "") for entry in _kids(root, "Signature")]
    if not locs:
        return SignatureCheck(SignatureInfo(present=False, detail=f"{index} lists no signatures"))

    verdicts = []
    for loc in locs:
        path = resolve_path(members, loc, posixpath.dirname(index))
        if path is None:
            verdicts.append(_Verdict(None, False, notes=[f"signature file {loc} is missing"]))
        else:
            verdicts.append(_check_one(members, path))
    covered = set().union(*(v.covered for v in verdicts if v.signature_valid))  # only by a seal that verifies
    return SignatureCheck(_combine(verdicts), covered)


def _combine(verdicts: list[_Verdict]) -> SignatureInfo:
    def all_of(values: list[bool | None]) -> bool | None:
        if False in values:
            return False
        return None if None in values else True

    signers = list(dict.fromkeys(v.signer for v in verdicts if v.signer))
    return SignatureInfo(
        present=True,
        digests_valid=all_of([v.digests_valid for v in verdicts]),
        signature_valid=all_of([v.signature_valid for v in verdicts]),
        signer="; ".join(signers),
        detail="; ".join(note for v in verdicts for note in v.notes),
    )


def _check_one(members: dict[str, bytes], path: str) -> _Verdict:
    root = optional_xml(members, path)
    if root is None or local(root.tag) != "Signature":
        return _Verdict(None, False, notes=[f"{path} is not a readable Signature file"])
    signed_info = next(iter(_kids(root, "SignedInfo")), None)
    if signed_info is None:
        return _Verdict(None, False, notes=[f"{path} has no SignedInfo"])
    verdict = _check_references(members, signed_info, path)
    method = _text(next(iter(_kids(signed_info, "SignatureMethod")), None))
    value_loc = _text(next(iter(_kids(root, "SignedValue")), None))
    value_path = resolve_path(members, value_loc, posixpath.dirname(path))
    if value_path is None:
        verdict.signature_valid = False
        verdict.notes.append(f"the signed value {value_loc or '(none)'} is missing")
        return verdict
    _check_signed_value(verdict, members[value_path], members[path], method, value_path)
    return verdict


def _check_references(members: dict[str, bytes], signed_info, path: str) -> _Verdict:
    references = next(iter(_kids(signed_info, "References")), None)
    entries = _kids(references, "Reference") if references is not None else []
    method = (references.get("CheckMethod", "") if references is not None else "").strip() or SM3
    algorithm = _DIGEST_NAMES.get(method.lower())
    if algorithm is None:
        return _Verdict(None, None, notes=[f"digest method {method} is not supported; digests not checked"])
    if not entries:
        return _Verdict(False, None, notes=[f"{path} protects no files"])

    mismatched, missing, covered = [], [], set()
    for entry in entries:
        ref = entry.get("FileRef", "")
        name = resolve_path(members, ref)
        if name is None:
            missing.append(ref)
            continue
        try:
            expected = base64.b64decode(_text(next(iter(_kids(entry, "CheckValue")), None)), validate=True)
        except (binascii.Error, ValueError):
            expected = b""
        if digest(algorithm, members[name]) == expected:
            covered.add(name)
        else:
            mismatched.append(name)
    notes = []
    if mismatched:
        notes.append("digest mismatch: " + ", ".join(mismatched))
    if missing:
        notes.append("referenced file missing: " + ", ".join(missing))
    if not notes:
        notes.append(f"{len(entries)} of {len(entries)} file digests match")
    return _Verdict(not (mismatched or missing), None, notes=notes, covered=covered)


def _check_signed_value(
    verdict: _Verdict, blob: bytes, signature_xml: bytes, method: str, value_path: str
) -> None:
    try:
        ses = read_ses_signature(blob)
    except Exception as exc:  # hostile DER may raise anything asn1crypto has; all mean "unreadable"
        verdict.signature_valid = False
        verdict.notes.append(f"{value_path} is not a readable SES_Signature ({type(exc).__name__})")
        return
    verdict.signer = ses.signer
    if ses.algorithm != SM2_WITH_SM3 or method not in ("", SM2_WITH_SM3, "SM2"):
        verdict.notes.append(f"signature algorithm {ses.algorithm} is not supported; signature not verified")
        return
    if ses.data_hash != digest("sm3", signature_xml):
        verdict.signature_valid = False
        verdict.notes.append("the seal's data hash does not match the Signature file")
        return
    seal = f" (seal {ses.seal_name})" if ses.seal_name else ""
    if ses.curve != SM2_CURVE:
        verdict.signature_valid = False
        verdict.notes.append(f"the signer certificate's key is not on the SM2 curve{seal}")
        return
    ok = verify_sm2(ses.public_point, ses.to_sign, ses.signature)
    verdict.signature_valid = ok
    if ok is None:
        verdict.notes.append(
            "SM2 is not available here (neither tongsuopy nor gmssl is installed); signature not verified"
        )
    elif ok:
        verdict.notes.append(
            f"SM2 signature (SES v{ses.version}) verifies{seal}, certificate issued by {ses.issuer}; "
            "certificate chain not checked"
        )
    else:
        verdict.notes.append(f"SM2 signature (SES v{ses.version}) does not verify{seal}")
