"""JSON in and out of the matching engine: scenario files and stored explanations.

Pure (no Django), used by ``manage.py reconcile_scenario``, by the match service to store a result's
explanation and to export a database case as a scenario. Decimals travel as strings
(``"10.50"``), dates as ISO text; see docs/matching.md for both formats.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from core.money import to_decimal
from settlement.matching import (
    EarlierAllocation,
    Invoice,
    InvoiceLine,
    Limit,
    MatchResult,
    PoLine,
    ReceiptLine,
    Tolerance,
    TolerancePolicy,
)


class ScenarioError(ValueError):
    """The scenario file does not have the documented shape; the message says where."""


# ------------------------------------------------------------------------------------------- output


def plain(value: Any) -> Any:
    """A dataclass tree as JSON-ready data: Decimals as strings, enums as their values."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def result_to_json(result: MatchResult) -> dict:
    return plain(result)


def policy_to_json(policy: TolerancePolicy) -> dict:
    return plain(policy)


def scenario_to_json(
    invoice: Invoice,
    *,
    po_lines,
    receipt_lines,
    earlier_allocations,
    policy: TolerancePolicy,
) -> dict:
    return {
        "invoice": plain(invoice),
        "po_lines": plain(list(po_lines)),
        "receipt_lines": plain(list(receipt_lines)),
        "earlier_allocations": plain(list(earlier_allocations)),
        "policy": plain(policy),
    }


# -------------------------------------------------------------------------------------------- input


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise ScenarioError(f'{where}: write numbers as strings ("10.50") or integers, not {value!r}')
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = to_decimal(value)
        except ValueError:
            number = None
        if number is None:
            raise ScenarioError(f"{where}: {value!r} is not a number")
        return number
    raise ScenarioError(f"{where}: expected a number, got {type(value).__name__}")


def _required(data: dict, key: str, where: str) -> Any:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected an object")
    if data.get(key) is None:
        raise ScenarioError(f"{where}: {key!r} is required")
    return data[key]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _list(data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ScenarioError(f"{key}: expected a list")
    return value


def _build(kind, where: str, **fields):
    try:
        return kind(**fields)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def invoice_from_json(data: dict) -> Invoice:
    lines = []
    for index, line in enumerate(_list(data, "lines")):
        where = f"invoice.lines[{index}]"
        lines.append(
            _build(
                InvoiceLine,
                where,
                id=_text(_required(line, "id", where)),
                quantity=_decimal(_required(line, "quantity", where), f"{where}.quantity"),
                amount=_decimal(_required(line, "amount", where), f"{where}.amount"),
                tax_rate=_decimal(line.get("tax_rate", "0"), f"{where}.tax_rate"),
                tax_amount=_decimal(line.get("tax_amount", "0"), f"{where}.tax_amount"),
                unit_price=_decimal(line.get("unit_price"), f"{where}.unit_price"),
                po_line_id=_text(line.get("po_line_id")),
                item_code=_text(line.get("item_code")),
                name=str(line.get("name") or ""),
            )
        )
    return _build(
        Invoice,
        "invoice",
        id=_text(_required(data, "id", "invoice")),
        lines=tuple(lines),
        net_total=_decimal(_required(data, "net_total", "invoice"), "invoice.net_total"),
        tax_total=_decimal(data.get("tax_total", "0"), "invoice.tax_total"),
        document_type=str(data.get("document_type") or "invoice"),
        currency=str(data.get("currency") or "CNY"),
        original_invoice_id=_text(data.get("original_invoice_id")),
    )


def _po_line(data: dict, index: int) -> PoLine:
    where = f"po_lines[{index}]"
    return _build(
        PoLine,
        where,
        id=_text(_required(data, "id", where)),
        quantity=_decimal(_required(data, "quantity", where), f"{where}.quantity"),
        unit_price=_decimal(_required(data, "unit_price", where), f"{where}.unit_price"),
        tax_rate=_decimal(data.get("tax_rate", "0"), f"{where}.tax_rate"),
        item_code=_text(data.get("item_code")),
        name=str(data.get("name") or ""),
        receipt_required=bool(data.get("receipt_required", True)),
        currency=str(data.get("currency") or "CNY"),
        label=str(data.get("label") or ""),
    )


def _receipt_line(data: dict, index: int) -> ReceiptLine:
    where = f"receipt_lines[{index}]"
    return _build(
        ReceiptLine,
        where,
        id=_text(_required(data, "id", where)),
        po_line_id=_text(_required(data, "po_line_id", where)),
        receipt_date=_date(_required(data, "receipt_date", where), f"{where}.receipt_date"),
        accepted_quantity=_decimal(_required(data, "accepted_quantity", where), f"{where}.accepted_quantity"),
        returned_quantity=_decimal(data.get("returned_quantity", "0"), f"{where}.returned_quantity"),
    )


def _earlier(data: dict, index: int) -> EarlierAllocation:
    where = f"earlier_allocations[{index}]"
    return _build(
        EarlierAllocation,
        where,
        invoice_id=_text(_required(data, "invoice_id", where)),
        po_line_id=_text(_required(data, "po_line_id", where)),
        quantity=_decimal(_required(data, "quantity", where), f"{where}.quantity"),
        receipt_line_id=_text(data.get("receipt_line_id")),
        original_invoice_id=_text(data.get("original_invoice_id")),
    )


def _limit_from(data: Any, where: str) -> Limit:
    if data is None:
        return Limit()
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected an object with percent and absolute")
    return _build(
        Limit,
        where,
        percent=_decimal(data.get("percent"), f"{where}.percent"),
        absolute=_decimal(data.get("absolute"), f"{where}.absolute"),
    )


def policy_from_json(data: dict) -> TolerancePolicy:
    if not isinstance(data, dict):
        raise ScenarioError("policy: expected an object")
    tolerances = {}
    for measure in ("unit_price", "quantity", "line_amount", "invoice_total"):
        value = data.get(measure) or {}
        if not isinstance(value, dict):
            raise ScenarioError(f"policy.{measure}: expected an object with lower and upper")
        tolerances[measure] = Tolerance(
            lower=_limit_from(value.get("lower"), f"policy.{measure}.lower"),
            upper=_limit_from(value.get("upper"), f"policy.{measure}.upper"),
        )
    optional = {}
    for name in ("tax_rounding_per_line", "tax_rounding_per_invoice"):
        if data.get(name) is not None:
            optional[name] = _decimal(data[name], f"policy.{name}")
    for name in ("legal_entity_id", "supplier_id", "item_category"):
        optional[name] = _text(data.get(name))
    for name in ("effective_from", "effective_to"):
        if data.get(name):
            optional[name] = _date(data[name], f"policy.{name}")
    return _build(
        TolerancePolicy, "policy", version=str(data.get("version") or "scenario"), **tolerances, **optional
    )


def scenario_from_json(data: Any, *, default_policy: TolerancePolicy) -> dict:
    """The keyword arguments of ``match_invoice`` from a scenario document."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a JSON object")
    invoice = invoice_from_json(_required(data, "invoice", "scenario"))
    policy = policy_from_json(data["policy"]) if data.get("policy") is not None else default_policy
    return {
        "invoice": invoice,
        "po_lines": [_po_line(line, i) for i, line in enumerate(_list(data, "po_lines"))],
        "receipt_lines": [_receipt_line(line, i) for i, line in enumerate(_list(data, "receipt_lines"))],
        "earlier_allocations": [_earlier(a, i) for i, a in enumerate(_list(data, "earlier_allocations"))],
        "policy": policy,
    }
