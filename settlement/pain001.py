"""ISO 20022 ``pain.001.001.03`` (CustomerCreditTransferInitiationV03) for a payment run: pure,
no database. One payment information block (our account, the execution date), one credit
transfer per supplier and bank account with the statements it settles as unstructured remittance.

Accounts are not IBANs here (Chinese bank accounts): creditor and debtor accounts are written as
``Othr/Id``, the banks by name (``FinInstnId/Nm``) unless a BIC is known. Every file is validated
against the official schema before it leaves (``settlement/schemas/pain.001.001.03.xsd``, from
the ISO 20022 message archive — ISO's terms of use let it be reproduced; the copy is the one the
MIT-licensed PyPI package sepaxml 2.7.0 ships, byte for byte).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
XSD = Path(__file__).parent / "schemas" / "pain.001.001.03.xsd"


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_account: str
    creditor_bank: str
    remittance: str
    creditor_bic: str = ""


@dataclass(frozen=True)
class Batch:
    message_id: str
    created_at: datetime
    initiator: str
    payment_info_id: str
    execution_date: date
    currency: str
    debtor_name: str
    debtor_account: str
    debtor_bank: str
    debtor_bic: str = ""
    transfers: list[Transfer] = field(default_factory=list)


class InvalidPaymentFile(ValueError):
    """The generated file does not validate against the schema (a bug or impossible data)."""


def _clean(text: str, limit: int) -> str:
    """Text as the schema allows it: no control characters, at most ``limit`` characters."""
    out = "".join(ch for ch in str(text) if ch >= " " and ch != "\x7f").strip()
    return out[:limit] or "-"


def _sub(parent, tag: str, text: str | None = None, **attrs):
    el = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _agent(parent, tag: str, bank: str, bic: str) -> None:
    inst = _sub(_sub(parent, tag), "FinInstnId")
    if bic:
        _sub(inst, "BIC", bic)
    else:
        _sub(inst, "Nm", _clean(bank, 140))


def _account(parent, tag: str, number: str) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", _clean(number, 34))


def build(batch: Batch) -> bytes:
    total = sum((t.amount for t in batch.transfers), Decimal("0.00"))
    root = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    msg = _sub(root, "CstmrCdtTrfInitn")
    head = _sub(msg, "GrpHdr")
    _sub(head, "MsgId", _clean(batch.message_id, 35))
    _sub(head, "CreDtTm", batch.created_at.replace(microsecond=0, tzinfo=None).isoformat())
    _sub(head, "NbOfTxs", str(len(batch.transfers)))
    _sub(head, "CtrlSum", f"{total:.2f}")
    _sub(_sub(head, "InitgPty"), "Nm", _clean(batch.initiator, 140))
    info = _sub(msg, "PmtInf")
    _sub(info, "PmtInfId", _clean(batch.payment_info_id, 35))
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", str(len(batch.transfers)))
    _sub(info, "CtrlSum", f"{total:.2f}")
    _sub(info, "ReqdExctnDt", batch.execution_date.isoformat())
    _sub(_sub(info, "Dbtr"), "Nm", _clean(batch.debtor_name, 140))
    _account(info, "DbtrAcct", batch.debtor_account)
    _agent(info, "DbtrAgt", batch.debtor_bank, batch.debtor_bic)
    for t in batch.transfers:
        tx = _sub(info, "CdtTrfTxInf")
        _sub(_sub(tx, "PmtId"), "EndToEndId", _clean(t.end_to_end_id, 35))
        _sub(_sub(tx, "Amt"), "InstdAmt", f"{t.amount:.2f}", Ccy=batch.currency)
        _agent(tx, "CdtrAgt", t.creditor_bank, t.creditor_bic)
        _sub(_sub(tx, "Cdtr"), "Nm", _clean(t.creditor_name, 140))
        _account(tx, "CdtrAcct", t.creditor_account)
        _sub(_sub(tx, "RmtInf"), "Ustrd", _clean(t.remittance, 140))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(data)
    return data


@cache
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD), parser))


def validate(data: bytes) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(data, parser)
    schema = _schema()
    if not schema.validate(doc):
        raise InvalidPaymentFile("; ".join(str(e) for e in schema.error_log))
