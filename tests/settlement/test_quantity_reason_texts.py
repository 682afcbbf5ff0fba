"""A quantity shortfall reads in the reader's language from its stored code and figures; the
English keeps the figures and the rule, the supplier reads the facts without the policy."""

from decimal import Decimal

import pytest
from django.utils import translation

from settlement.matching import explain
from settlement.matching.explain import TEXTS
from settlement.matching.model import ReasonCode
from settlement.matching.tolerance import Direction, Limit, LimitCheck, TolerancePolicy
from settlement.selectors.matching import reason_words
from tests.core.test_texts import catalogue  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _shortfall(check):
    situation = explain.quantity_situation(
        "three_way",
        invoiced="5",
        po_line="PO-1/1",
        received=explain.quantity_part("received", received="4"),
        already="",
        by_siblings="",
        left=explain.quantity_part("left", matched="4", missing="1"),
    )
    reason = explain.quantity_shortfall(
        code=ReasonCode.QUANTITY_NOT_RECEIVED,
        line_id="1",
        invoiced=Decimal(5),
        matched=Decimal(4),
        situation=situation,
        check=check,
        policy=TolerancePolicy(version="v2"),
    )
    return reason, {
        "code": reason.code.value,
        "message": reason.message,
        "rule": reason.rule,
        "text": reason.text,
    }


def test_a_quantity_shortfall_is_stored_as_a_code_with_figures_and_reads_in_chinese(catalogue):  # noqa: F811
    catalogue(
        {
            TEXTS[
                "match.quantity.situation.three_way"
            ]: "发票数量 %(invoiced)s 超过采购订单行 %(po_line)s 剩余可开票数量："
            "%(received)s%(already)s%(by_siblings)s；%(left)s。",
            TEXTS["match.quantity.part.received"]: "已收货 %(received)s",
            TEXTS["match.quantity.part.left"]: "已匹配 %(matched)s，未匹配 %(missing)s",
            TEXTS[
                "match.quantity.exception"
            ]: "%(situation)s未匹配 %(share)s；政策（版本 %(version)s）允许 %(limit)s，"
            "因此该行为异常（规则：%(rule)s）。",
            TEXTS["match.quantity.exception.facts"]: "%(situation)s未匹配 %(share)s。",
            TEXTS["match.quantity.share.percent"]: "%(missing)s，占已匹配 %(matched)s 的 %(percent)s",
            TEXTS["match.rule.quantity.upper"]: "数量上限",
            TEXTS["match.limit.at_most"]: "最多 %(limit)s",
        }
    )
    check = LimitCheck(
        Decimal(1), Decimal(4), Direction.ABOVE, Limit(percent=Decimal("10"), absolute=None), False
    )
    reason, stored = _shortfall(check)
    assert reason.text["code"] == "match.quantity.exception" and reason.text["params"]["version"] == "v2"
    assert reason.message == (
        "Invoiced quantity 5 is more than is left to invoice on PO line PO-1/1: received 4; 4 matched and 1 not. "
        "The 1 not matched is 25.00% of the 4 matched; the policy (version v2) allows at most +10.00%, so this "
        "line is an exception (rule: quantity upper limit)."
    )
    with translation.override("en"):
        assert reason_words(stored) == reason.message
        assert reason_words(stored, for_supplier=True).endswith(
            "The 1 not matched is 25.00% of the 4 matched."
        )
    with translation.override("zh-hans"):
        chinese = reason_words(stored)
        supplier = reason_words(stored, for_supplier=True)
    assert (
        chinese.startswith("开票数量 5 超过采购订单行 PO-1/1")
        and "数量上限" in chinese
        and "25.00%" in chinese
    )
    assert "政策" not in supplier and "25.00%" in supplier


def test_nothing_matched_names_its_rule_in_words():
    reason, stored = _shortfall(None)
    assert reason.text["code"] == "match.quantity.nothing"
    assert reason.message.endswith(
        "Nothing could be matched, so this line is an exception (rule: never invoice more than received)."
    )
    assert reason.rule == "never invoice more than received"
