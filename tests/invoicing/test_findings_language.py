"""Findings on an invoice read in the reader's language by their code: an EN 16931 rule (the rule
id kept, the precise English with the document's figures for English readers), a parser's own
note, a refusal found at validation and the portal's duplicate check."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.texts import REGISTRY
from invoicing.checks import with_text
from invoicing.formats import en16931
from invoicing.formats.en16931.rules import RULES
from invoicing.formats.en16931.statements import STATEMENTS
from invoicing.formats.model import Issue, Severity
from invoicing.formats.safexml import parse_xml
from invoicing.models import ValidationIssue
from invoicing.reasons import refusal_text
from tests.core.test_texts import catalogue  # noqa: F401 (fixture)
from tests.invoicing.test_en16931_rules import Spec, to_ubl

pytestmark = pytest.mark.django_db


def _stored(issue: Issue) -> ValidationIssue:
    return ValidationIssue(
        code=issue.code, severity=str(issue.severity), message=issue.message, text=issue.text
    )


def test_every_en16931_rule_has_words_by_its_id():
    assert set(RULES) <= set(STATEMENTS)
    assert all(f"en16931.{code}" in REGISTRY for code in RULES)


def test_a_br_finding_keeps_its_rule_id_and_figures_in_english_and_reads_translated_in_chinese(catalogue):  # noqa: F811
    catalogue(
        {
            STATEMENTS[
                "BR-CO-16"
            ]: "应付金额（BT-115）必须等于价税合计（BT-112）减已付金额（BT-113）加舍入金额（BT-114）。"
        }
    )
    issues = en16931.validate(parse_xml(to_ubl(Spec(payable_delta=Decimal("0.01")))))
    (finding,) = [i for i in issues if i.code == "BR-CO-16"]
    row = _stored(finding)
    with translation.override("en"):
        assert row.display == finding.message and row.display.startswith(
            "[BR-CO-16] The amount due (BT-115) is"
        )
    with translation.override("zh-hans"):
        assert (
            row.code == "BR-CO-16"
            and row.display
            == "应付金额（BT-115）必须等于价税合计（BT-112）减已付金额（BT-113）加舍入金额（BT-114）。"
        )


def test_a_parsers_note_and_a_refusal_read_by_their_code(catalogue):  # noqa: F811
    catalogue(
        {
            "A date in the invoice cannot be read as a date.": "发票中的日期无法识别。",
            "The file is damaged: it is not well-formed XML.": "文件已损坏：不是格式正确的 XML。",
        }
    )
    note = _stored(
        with_text(Issue("bad_date", Severity.ERROR, "The issue date (BT-2) is '2026-13-01', not a date."))
    )
    refused = _stored(
        Issue(
            "xml_malformed",
            Severity.ERROR,
            "line 1: tag mismatch",
            refusal_text("xml_malformed", "line 1: tag mismatch"),
        )
    )
    with translation.override("zh-hans"):
        assert note.display == "发票中的某个日期无法解析为日期。"
        assert refused.display == "文件已损坏：不是格式正确的 XML。"
    with translation.override("en"):
        assert note.display == "The issue date (BT-2) is '2026-13-01', not a date."
        assert refused.display == "line 1: tag mismatch"
