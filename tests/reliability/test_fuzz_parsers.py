"""Hypothesis: whatever the bytes, the intake pipeline and each parser either return a normalised
invoice or raise the documented refusal (`Refused` with a code and a message) — never anything else.

Seeds are built here (数电 XML, UBL, CII, OFD) and, where ../shared/samples is present, the real
sample files. Mutations work on three levels: raw bytes, the XML tree (values, elements, names)
and the members of an OFD (ZIP) package.
"""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from invoicing.checks import check_file
from invoicing.formats import cii, cn_xml, ofd, ubl
from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import Issue, NormalisedInvoice, Refused
from invoicing.formats.safexml import parse_xml
from invoicing.validation import ValidationContext
from tests.invoicing.cn_xml_builder import BUYER_ID, SELLER_ID, build_cn_xml, discount, item
from tests.invoicing.samples import SAMPLES
from tests.invoicing.test_en16931_rules import Spec, to_cii, to_ubl
from tests.invoicing.test_formats_ofd import BLUE, build_ofd

CTX = ValidationContext(
    today=date(2026, 3, 10),
    max_age_days=3650,
    expected_seller_tax_id=SELLER_ID,
    buyer_tax_ids=frozenset({BUYER_ID}),
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- seeds -------------------------------------------------------------------------------------------

CN_SEEDS = [
    build_cn_xml(
        items=[
            item("*电子计算机*路由器", "2", "1000", "0.13"),
            discount("*电子计算机*路由器", "-100", "0.13"),
            item("*图书*教材", "3", "12.5", "免税", unit="本"),
        ]
    ),
    build_cn_xml(blue=False, original_number="26352000000012340000", encoding="GBK"),
]
EN_SEEDS = [
    to_ubl(Spec()),
    to_ubl(
        Spec(
            allowances=[(Decimal("5"), Decimal(19))],
            prepaid=Decimal("10"),
            period=("2026-01-01", "2026-01-31"),
        )
    ),
    to_cii(Spec()),
    to_cii(Spec(allowances=[(Decimal("5"), Decimal(19))], prepaid=Decimal("10"), tax_point=True)),
]
OFD_SEEDS = [build_ofd(BLUE)]


def _sample_files() -> list[bytes]:
    patterns = ("einvoice-cn/*.ofd", "einvoice-cn-xml/*.xml", "en16931/ubl/*.xml", "en16931/cii/*.xml")
    found = []
    for pattern in patterns:
        found += [p.read_bytes() for p in sorted(SAMPLES.glob(pattern))[:4]]
    return found


SAMPLE_SEEDS = _sample_files()
XML_SEEDS = CN_SEEDS + EN_SEEDS

# -- mutations ---------------------------------------------------------------------------------------

INTERESTING_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "-",
            "0",
            "-0",
            "1e400",
            "NaN",
            "Infinity",
            "9" * 40,
            "0.0000001",
            "１２３",
            "1,000.00",
            "2026-02-30",
            "2026年13月01日",
            "99999-01-01",
            "*",
            "免税",
            "\u202e",
            "&amp;",
            "0x10",
            "١٢٣",
        ]
    ),
)


@st.composite
def byte_mutations(draw, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["replace", "delete", "insert", "duplicate", "truncate", "flip"]))
        if op == "replace":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at : at + len(chunk)] = chunk
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[at:]
        elif data and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


@st.composite
def tree_mutations(draw, base: bytes) -> bytes:
    """Change the XML tree of a (trusted) seed: a value, an element, a name, an attribute."""
    root = etree.fromstring(base)
    elements = _elements(root)
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(elements))
        op = draw(st.sampled_from(["text", "remove", "duplicate", "rename", "attribute", "empty"]))
        parent = target.getparent()
        if op == "text":
            target.text = draw(INTERESTING_TEXT.filter(_xml_safe))
        elif op == "remove" and parent is not None:
            parent.remove(target)
        elif op == "duplicate" and parent is not None:
            parent.insert(parent.index(target), copy.deepcopy(target))
        elif op == "rename":
            namespace = etree.QName(target).namespace
            target.tag = f"{{{namespace}}}X" if namespace else "X"
        elif op == "attribute":
            target.set(
                draw(st.sampled_from(["currencyID", "unitCode", "schemeID", "Name", "ID", "format"])),
                draw(INTERESTING_TEXT.filter(_xml_safe)),
            )
        elif op == "empty":
            for child in list(target):
                target.remove(child)
        elements = _elements(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _elements(root) -> list:
    return [e for e in root.iter() if isinstance(e.tag, str)]  # not comments or processing instructions


def _xml_safe(text: str) -> bool:
    try:
        etree.Element("x").text = text
    except ValueError:
        return False
    return True


@st.composite
def ofd_mutations(draw, base: bytes) -> bytes:
    """Rebuild a (trusted) OFD package with one member changed, dropped, renamed or doubled."""
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    names = sorted(members)
    name = draw(st.sampled_from(names))
    op = draw(st.sampled_from(["tree", "bytes", "drop", "rename", "empty"]))
    content = members[name]
    if op == "tree" and name.endswith(".xml"):
        try:
            members[name] = draw(tree_mutations(content))
        except etree.XMLSyntaxError:
            members[name] = draw(byte_mutations(content))
    elif op in ("tree", "bytes"):
        members[name] = draw(byte_mutations(content))
    elif op == "drop":
        del members[name]
    elif op == "rename":
        members[
            draw(st.sampled_from(["../evil.xml", "Doc_0/../../x.xml", "/abs.xml", name.upper(), name + "/"]))
        ] = members.pop(name)
    else:
        members[name] = b""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return out.getvalue()


# -- the properties ----------------------------------------------------------------------------------


def parses_or_refuses(data: bytes) -> None:
    """The whole intake pipeline: a checked invoice, or Refused with a code and a message."""
    try:
        result = check_file(data, CTX)
    except Refused as refused:
        assert refused.code and refused.message
        return
    assert isinstance(result.invoice, NormalisedInvoice)
    assert all(isinstance(i, Issue) and i.code and i.message for i in result.issues)


def each_xml_parser_parses_or_refuses(data: bytes) -> None:
    """Every XML parser on whatever tree the safe XML reader accepts — also a tree of another format."""
    try:
        root = parse_xml(data)
    except Refused:
        return
    for parser in (ubl.parse, cii.parse, cn_xml.parse):
        try:
            assert isinstance(parser(root), NormalisedInvoice)
        except Refused as refused:
            assert refused.code and refused.message


def ofd_parser_parses_or_refuses(data: bytes) -> None:
    for verify in (True, False):
        try:
            assert isinstance(ofd.parse(data, verify_signature=verify), NormalisedInvoice)
        except Refused as refused:
            assert refused.code and refused.message


def test_the_seeds_themselves_parse():
    for seed in XML_SEEDS + OFD_SEEDS:
        assert isinstance(parse_invoice(seed), NormalisedInvoice)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_parse_or_are_refused(data):
    parses_or_refuses(data)


@FUZZ
@given(st.binary(max_size=2048).map(lambda tail: b"PK\x03\x04" + tail))
def test_arbitrary_bytes_behind_a_zip_signature_are_refused_by_the_ofd_parser(data):
    parses_or_refuses(data)
    ofd_parser_parses_or_refuses(data)


@FUZZ
@given(st.sampled_from(XML_SEEDS).flatmap(byte_mutations))
def test_byte_mutated_xml_invoices_parse_or_are_refused_by_the_pipeline_and_every_parser(data):
    parses_or_refuses(data)
    each_xml_parser_parses_or_refuses(data)


@FUZZ
@given(st.sampled_from(XML_SEEDS).flatmap(tree_mutations))
def test_tree_mutated_xml_invoices_parse_or_are_refused_by_the_pipeline_and_every_parser(data):
    parses_or_refuses(data)
    each_xml_parser_parses_or_refuses(data)


@FUZZ
@given(st.sampled_from(OFD_SEEDS).flatmap(byte_mutations))
def test_byte_mutated_ofd_packages_parse_or_are_refused(data):
    parses_or_refuses(data)
    ofd_parser_parses_or_refuses(data)


@FUZZ
@given(st.sampled_from(OFD_SEEDS).flatmap(ofd_mutations))
def test_ofd_packages_with_a_mutated_member_parse_or_are_refused(data):
    parses_or_refuses(data)
    ofd_parser_parses_or_refuses(data)


@pytest.mark.skipif(not SAMPLE_SEEDS, reason=f"no sample files in {SAMPLES}")
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.data())
def test_mutated_real_sample_files_parse_or_are_refused(data):
    seed = data.draw(st.sampled_from(SAMPLE_SEEDS))
    if seed.startswith(b"PK\x03\x04"):
        mutated = data.draw(st.one_of(byte_mutations(seed), ofd_mutations(seed)))
        parses_or_refuses(mutated)
        ofd_parser_parses_or_refuses(mutated)
    else:
        mutated = data.draw(st.one_of(byte_mutations(seed), tree_mutations(seed)))
        parses_or_refuses(mutated)
        each_xml_parser_parses_or_refuses(mutated)
