"""OFD seals: the real samples, tampered copies, and SES_Signature v1/v4 built with a test SM2 key."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from asn1crypto import algos, core, x509

from invoicing.formats import ofd, ofd_signature
from invoicing.formats.ofd_signature import SM2_CURVE, SM2_WITH_SM3, check_signatures, read_ses_signature
from invoicing.formats.safezip import read_zip
from tests.invoicing.samples import sample

SDP = "einvoice-cn/ofdrw-sdp-2024-vat-special-customtag-unsigned.ofd"
ZJ = "einvoice-cn/ofdrw-vat-einvoice-2020-zj-signed-origxml.ofd"
NUONUO = "einvoice-cn/ofdrw-vat-einvoice-2022-nuonuo-signed-xbrl.ofd"
MISMATCH = "einvoice-cn/ofdrw-vat-einvoice-2020-signed-digest-mismatch.ofd"
SIGN = "Doc_0/Signs/Sign_0/Signature.xml"
VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SIGNATURES = "Doc_0/Signs/Signatures.xml"


def members_of(rel: str) -> dict[str, bytes]:
    return read_zip(sample(rel).read_bytes())


def rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def signature_of(members: dict[str, bytes]):
    return ofd.parse(rezip(members)).signature


def sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


# --- a test signer: DER written by hand, independent of the structures under test ---------------


def der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def seq(*parts: bytes) -> bytes:
    return der(0x30, b"".join(parts))


def integer(value: int) -> bytes:
    return der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def ia5(text: str) -> bytes:
    return der(0x16, text.encode())


def utf8(text: str) -> bytes:
    return der(0x0C, text.encode())


def octets(data: bytes) -> bytes:
    return der(0x04, data)


def bits(data: bytes) -> bytes:
    return der(0x03, b"\0" + data)


def oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def gtime(text: str) -> bytes:
    return der(0x18, text.encode())


class SealMaker:
    """An SM2 key with a self-made certificate, signing SES_Signature structures."""

    def __init__(self, name: str = "测试签章"):
        sm = pytest.importorskip("tongsuopy.crypto.asymciphers.ec")
        from tongsuopy.crypto import hashes, serialization

        self._ec, self._hashes = sm, hashes
        self.key = sm.generate_private_key(sm.SM2())
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        validity = {
            "not_before": x509.Time({"utc_time": datetime(2020, 1, 1, tzinfo=UTC)}),
            "not_after": x509.Time({"utc_time": datetime(2040, 1, 1, tzinfo=UTC)}),
        }
        tbs = x509.TbsCertificate(
            {
                "version": "v3",
                "serial_number": 7,
                "signature": {"algorithm": SM2_WITH_SM3},
                "issuer": x509.Name.build({"common_name": "测试CA"}),
                "validity": validity,
                "subject": x509.Name.build({"common_name": name}),
                "subject_public_key_info": {
                    "algorithm": {"algorithm": "ec", "parameters": ("named", SM2_CURVE)},
                    "public_key": point,
                },
            }
        )
        self.cert = x509.Certificate(
            {
                "tbs_certificate": tbs,
                "signature_algorithm": {"algorithm": SM2_WITH_SM3},
                "signature_value": b"\0" * 8,
            }
        ).dump()

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, self._ec.ECDSA(self._hashes.SM3()))

    def _seal_info(self, version: int) -> bytes:
        header = seq(ia5("ES"), integer(version), ia5("TEST"))
        dates = gtime("20200101000000Z") * 3
        prop = seq(integer(1), utf8("测试专用章"), integer(1), seq(octets(self.cert)), dates)
        if version == 1:
            prop = seq(integer(1), utf8("测试专用章"), seq(octets(self.cert)), dates)
        picture = seq(ia5("png"), octets(b"\x89PNG"), integer(40), integer(40))
        return seq(header, ia5("seal-1"), prop, picture)

    def ses_v4(self, signature_xml: bytes, *, signer_cert: bytes | None = None) -> bytes:
        eseal = seq(self._seal_info(4), octets(self.cert), oid(SM2_WITH_SM3), bits(b"\1" * 64))
        path = ia5("/" + SIGN)
        tbs = seq(integer(4), eseal, gtime("20240101000000Z"), bits(sm3(signature_xml)), path)
        return seq(tbs, octets(signer_cert or self.cert), oid(SM2_WITH_SM3), bits(self.sign(tbs)))

    def ses_v1(self, signature_xml: bytes, *, raw_signature: bool = False) -> bytes:
        eseal = seq(self._seal_info(1), seq(octets(self.cert), oid(SM2_WITH_SM3), bits(b"\1" * 64)))
        tbs = seq(
            integer(1),
            eseal,
            bits(b"20240101000000Z"),
            bits(sm3(signature_xml)),
            ia5("/" + SIGN),
            octets(self.cert),
            oid(SM2_WITH_SM3),
        )
        signature = self.sign(tbs)
        if raw_signature:
            parsed = algos.DSASignature.load(signature)
            signature = parsed["r"].native.to_bytes(32, "big") + parsed["s"].native.to_bytes(32, "big")
        return seq(tbs, bits(signature))


@pytest.fixture(scope="module")
def signer() -> SealMaker:
    return SealMaker()


def resign(members: dict[str, bytes], signer: SealMaker, *, version: int = 4) -> dict[str, bytes]:
    """Replace the seal of SIGN by one made with the test key over the current Signature.xml."""
    blob = signer.ses_v4(members[SIGN]) if version == 4 else signer.ses_v1(members[SIGN])
    return {**members, VALUE: blob}


def set_digests(signature_xml: bytes, members: dict[str, bytes], algorithm: str) -> bytes:
    """Recompute every CheckValue of a Signature.xml with ``algorithm``."""

    def fix(match: re.Match) -> bytes:
        name = match.group(1).decode().lstrip("/")
        value = base64.b64encode(hashlib.new(algorithm, members[name]).digest())
        return match.group(0)[: match.start(2) - match.start(0)] + value + b"</ofd:CheckValue>"

    return re.sub(rb'FileRef="([^"]+)"><ofd:CheckValue>([^<]*)</ofd:CheckValue>', fix, signature_xml)


@pytest.fixture(params=["tongsuopy", "gmssl"])
def sm2_library(request, monkeypatch):
    """Each seal test twice: with Tongsuo, and forced onto the pure-Python gmssl path that hosts
    without a tongsuopy wheel (aarch64 Linux) use."""
    if request.param == "gmssl":
        pytest.importorskip("gmssl")
        monkeypatch.setattr(ofd_signature, "_sm_ec", None)
    elif ofd_signature._sm_ec is None:
        pytest.skip("tongsuopy is not installed here (no wheel for this platform)")
    return request.param


# --- the real samples ---------------------------------------------------------------------------


def test_zj_sample_seal_is_valid(sm2_library):
    info = ofd.parse(sample(ZJ).read_bytes()).signature
    assert (info.present, info.digests_valid, info.signature_valid) == (True, True, True)
    assert info.signer == "浙江省税务监制章电子证书"
    assert "13 of 13 file digests match" in info.detail
    assert "税务电子证书管理中心(SM2)" in info.detail
    assert info.status == "valid"


def test_nuonuo_sample_seal_is_valid(sm2_library):
    info = ofd.parse(sample(NUONUO).read_bytes()).signature
    assert (info.present, info.digests_valid, info.signature_valid) == (True, True, True)
    assert info.signer == "国家税务总局浙江省税务局"
    assert "7 of 7 file digests match" in info.detail
    assert info.status == "valid"


def test_digest_mismatch_sample_names_the_tampered_file(sm2_library):
    info = ofd.parse(sample(MISMATCH).read_bytes()).signature
    assert info.present is True
    assert info.digests_valid is False
    assert info.signature_valid is True  # the seal itself is fine: the document changed after sealing
    assert "digest mismatch: Doc_0/Document.xml" in info.detail
    assert info.status == "tampered"


def test_unsigned_sample():
    info = ofd.parse(sample(SDP).read_bytes()).signature
    assert info.present is False
    assert info.status == "unsigned"


def test_ses_structure_of_the_zj_sample():
    ses = read_ses_signature(members_of(ZJ)[VALUE])
    assert ses.version == 4
    assert ses.algorithm == SM2_WITH_SM3
    assert ses.seal_name == "国家税务总局浙江省税务局"
    assert ses.issuer == "税务电子证书管理中心(SM2)"
    assert len(ses.public_point) == 65 and ses.public_point[0] == 4
    assert ses.data_hash == sm3(members_of(ZJ)[SIGN])


# --- tampering with the samples -----------------------------------------------------------------


@pytest.mark.parametrize("rel", [ZJ, NUONUO])
def test_flipped_signature_byte_is_invalid(rel, sm2_library):
    members = members_of(rel)
    value = bytearray(members[VALUE])
    value[-1] ^= 0x01  # last byte of s in the SM2 signature
    members[VALUE] = bytes(value)
    inv = ofd.parse(rezip(members))
    info = inv.signature
    assert info.digests_valid is True
    assert info.signature_valid is False
    assert "does not verify" in info.detail
    assert info.status == "invalid"
    # Digests in a seal that does not verify protect nothing.
    assert any(i.code == "ofd_unsigned_content" and "OFD.xml" in i.message for i in inv.issues)


def test_modified_referenced_file_is_tampered():
    members = members_of(ZJ)
    members["Doc_0/Attachs/original_invoice.xml"] = members["Doc_0/Attachs/original_invoice.xml"].replace(
        b"526.00", b"926.00"
    )
    info = signature_of(members)
    assert info.digests_valid is False
    assert info.signature_valid is True
    assert "digest mismatch: Doc_0/Attachs/original_invoice.xml" in info.detail
    assert info.status == "tampered"


def test_missing_referenced_file_is_tampered():
    members = members_of(ZJ)
    del members["Doc_0/Res/image_78.jb2"]
    info = signature_of(members)
    assert info.digests_valid is False
    assert "referenced file missing: /Doc_0/Res/image_78.jb2" in info.detail


def test_edited_signature_xml_breaks_the_data_hash():
    members = members_of(NUONUO)
    members[SIGN] = members[SIGN].replace(b"20221031141634", b"20221031141635")
    info = signature_of(members)
    assert info.digests_valid is True
    assert info.signature_valid is False
    assert "data hash does not match" in info.detail


def test_garbage_signed_value_is_invalid():
    members = members_of(ZJ)
    members[VALUE] = b"\x30\x03\x02\x01\x04"
    info = signature_of(members)
    assert info.signature_valid is False
    assert "not a readable SES_Signature" in info.detail


def test_missing_signed_value_is_invalid():
    members = members_of(ZJ)
    del members[VALUE]
    info = signature_of(members)
    assert info.present is True
    assert info.signature_valid is False
    assert "is missing" in info.detail


def test_declared_but_missing_signature_list_is_invalid():
    members = members_of(ZJ)
    del members[SIGNATURES]
    info = signature_of(members)
    assert info.present is True
    assert info.signature_valid is False
    assert info.status == "invalid"


def test_malformed_signature_xml_is_invalid_not_refused():
    members = members_of(ZJ)
    members[SIGN] = members[SIGN][:-40]
    info = signature_of(members)
    assert info.signature_valid is False
    assert info.status == "invalid"


def test_without_any_sm2_library_the_signature_is_unverified(monkeypatch):
    monkeypatch.setattr(ofd_signature, "_sm_ec", None)
    monkeypatch.setattr(ofd_signature, "_gmssl_sm2", None)
    info = ofd.parse(sample(ZJ).read_bytes()).signature
    assert info.digests_valid is True
    assert info.signature_valid is None
    assert "tongsuopy" in info.detail
    assert info.status == "unverified"


# --- seals made with a test key -----------------------------------------------------------------


def test_own_v4_seal_verifies(signer, sm2_library):
    info = signature_of(resign(members_of(ZJ), signer))
    assert (info.digests_valid, info.signature_valid) == (True, True)
    assert info.signer == "测试签章"
    assert "SES v4" in info.detail and "测试专用章" in info.detail and "测试CA" in info.detail


def test_own_v1_seal_verifies(signer, sm2_library):
    info = signature_of(resign(members_of(ZJ), signer, version=1))
    assert (info.digests_valid, info.signature_valid) == (True, True)
    assert info.signer == "测试签章"
    assert "SES v1" in info.detail


def test_own_v1_seal_with_raw_r_s_signature_verifies(signer, sm2_library):
    members = members_of(ZJ)
    members[VALUE] = signer.ses_v1(members[SIGN], raw_signature=True)
    assert signature_of(members).signature_valid is True


def test_own_seal_by_another_key_does_not_verify(signer, sm2_library):
    members = members_of(ZJ)
    members[VALUE] = signer.ses_v4(members[SIGN], signer_cert=SealMaker("别人").cert)
    info = signature_of(members)
    assert info.signature_valid is False
    assert info.signer == "别人"


def test_sha256_check_method_is_supported(signer):
    members = members_of(ZJ)
    xml = set_digests(members[SIGN], members, "sha256").replace(
        b'CheckMethod="1.2.156.10197.1.401"', b'CheckMethod="2.16.840.1.101.3.4.2.1"'
    )
    info = signature_of(resign({**members, SIGN: xml}, signer))
    assert (info.digests_valid, info.signature_valid) == (True, True)


def test_unknown_check_method_leaves_digests_unchecked(signer):
    members = members_of(ZJ)
    xml = members[SIGN].replace(b'CheckMethod="1.2.156.10197.1.401"', b'CheckMethod="1.2.840.113549.2.5"')
    info = signature_of(resign({**members, SIGN: xml}, signer))
    assert info.digests_valid is None
    assert info.signature_valid is True
    assert "not supported" in info.detail


def test_data_read_from_an_unprotected_file_is_flagged(signer):
    members = members_of(ZJ)
    xml = re.sub(
        rb'<ofd:Reference FileRef="/Doc_0/Attachs/original_invoice.xml">.*?</ofd:Reference>',
        b"",
        members[SIGN],
    )
    members = resign({**members, SIGN: xml}, signer)
    members["Doc_0/Attachs/original_invoice.xml"] = members["Doc_0/Attachs/original_invoice.xml"].replace(
        b"<fp:TaxInclusiveTotalAmount>526.00", b"<fp:TaxInclusiveTotalAmount>926.00"
    )
    inv = ofd.parse(rezip(members))
    assert inv.signature.status == "valid"
    warning = next(i for i in inv.issues if i.code == "ofd_unsigned_content")
    assert "Doc_0/Attachs/original_invoice.xml" in warning.message


def test_two_seals_are_combined(signer):
    members = members_of(ZJ)
    second_xml = members[SIGN].replace(b"Sign_0/SignedValue.dat", b"Sign_1/SignedValue.dat")
    members["Doc_0/Signs/Sign_1/Signature.xml"] = second_xml
    members["Doc_0/Signs/Sign_1/SignedValue.dat"] = signer.ses_v4(second_xml)
    members[SIGNATURES] = members[SIGNATURES].replace(
        b"</ofd:Signatures>", b'<ofd:Signature ID="3" BaseLoc="Sign_1/Signature.xml"/></ofd:Signatures>'
    )
    info = check_signatures(members, "Doc_0/Signs/Signatures.xml").info
    assert (info.digests_valid, info.signature_valid) == (True, True)
    assert info.signer == "浙江省税务监制章电子证书; 测试签章"

    members["Doc_0/Signs/Sign_1/SignedValue.dat"] = b"junk"
    info = check_signatures(members, "Doc_0/Signs/Signatures.xml").info
    assert info.signature_valid is False
    assert info.signer == "浙江省税务监制章电子证书"


def test_no_signatures_location_means_unsigned():
    assert check_signatures({}, None).info.present is False


# --- the pure-Python path's own guards (gmssl checks neither the key nor r and s) ----------------


def test_the_pure_python_path_verifies_a_compressed_key_and_refuses_bad_keys_and_ranges(signer):
    pytest.importorskip("gmssl")
    from tongsuopy.crypto import serialization

    data = b"toSign DER"
    signature = signer.sign(data)
    point = signer.key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    compressed = bytes([2 + point[-1] % 2]) + point[1:33]
    verify = ofd_signature._verify_sm2_gmssl
    assert verify(point, data, signature) is True
    assert verify(compressed, data, signature) is True
    assert verify(point, data + b"!", signature) is False
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    assert verify(off_curve, data, signature) is False
    assert verify(point[:40], data, signature) is False
    n = ofd_signature._SM2_N
    for r, s in ((0, 1), (1, 0), (n, 1), (1, n)):
        assert verify(point, data, algos.DSASignature({"r": r, "s": s}).dump()) is False
    assert verify(point, data, b"not DER") is False


@pytest.mark.parametrize(
    "attributes, printable",
    [
        ({"common_name": "测试CA"}, False),
        ({"country_name": "CN", "organization_name": "Tax Bureau", "common_name": "Seal CA"}, True),
        ({"organization_name": "only an organisation"}, False),  # no CN: the whole name
        ({"common_name": "x" * 300}, False),  # a long-form length
    ],
)
def test_signer_name_read_from_der_is_what_asn1crypto_reads(attributes, printable):
    name = x509.Name.build(attributes, use_printable=printable)
    expected = next(
        (
            str(attribute["value"].native)
            for rdn in name.chosen
            for attribute in rdn
            if attribute["type"].dotted == "2.5.4.3"
        ),
        name.human_friendly,
    )
    assert ofd_signature._name(name) == expected
