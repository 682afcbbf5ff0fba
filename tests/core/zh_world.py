"""A demo-like data set for the language crawler (tests/core/test_zh_crawl.py).

The `make run` demo data (``seed_demo``) plus what it lacks: invoices uploaded as real 数电 XML
files through the upload service — one that matches, one above the PO price (a match exception
on the desk, a credit note asked for), one with wrong arithmetic (refused by validation), a
credit note, one invoicing more than was received plus an item the PO lacks (quantity and "no PO
line" reasons), a UBL invoice breaking an EN 16931 rule — a refused upload, a rejected purchase
order and a disputed statement. Everything
goes through the services, so history rows, notifications and e-mails are the real ones. What a
person typed (reasons, notes) is Chinese, so any English the crawler finds came from the portal.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from core.errors import DomainError
from core.models import User
from invoicing.models import Invoice
from invoicing.services import invoice_upload
from procurement import services as procurement
from procurement.models import LegalEntity
from suppliers.models import SupplierMembership
from tests.invoicing.cn_xml_builder import build_cn_xml, item
from tests.invoicing.test_en16931_rules import Spec, to_ubl
from tests.settlement.match_flow_builders import make_po, po_lines, receive

ROLES = ("buyer", "requester", "approver", "finance", "supplier1", "admin")


def _upload(supplier, user, data, name, capture):
    with capture(execute=True):
        try:
            invoice, _ = invoice_upload(supplier=supplier, data=data, filename=name, actor=user)
        except DomainError:
            return None
    return Invoice.objects.get(pk=invoice.pk)


def build(capture) -> dict[str, User]:
    """Build the data set; returns the users by role. ``capture`` is pytest-django's
    ``django_capture_on_commit_callbacks`` (the tasks run after each commit, as a worker would)."""
    with capture(execute=True):
        call_command("seed_demo", stdout=StringIO())
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    buyer, finance, approver = users["buyer"], users["finance"], users["approver"]
    entity = LegalEntity.objects.order_by("pk").first()
    membership = SupplierMembership.objects.select_related("supplier").get(user=users["supplier1"])
    supplier, supplier_user = membership.supplier, membership.user
    seller, buyer_party = (supplier.tax_id, supplier.name), (entity.tax_id, entity.name)
    today = timezone.localdate()
    issued = (today - timedelta(days=2)).isoformat()

    with capture(execute=True):
        po = make_po(buyer, supplier, entity, [("路由器", 2, "100.00"), ("交换机", 5, "300.00")])
        routers, switches = po_lines(po)
        receive(buyer, po, {routers: 2, switches: 5}, day=today - timedelta(days=3))

    def xml(number, items, **kw):
        return build_cn_xml(
            items=items, number=number, seller=seller, buyer=buyer_party, issue_time=issued, **kw
        )

    matched = _upload(
        supplier,
        supplier_user,
        xml("26310000000000000001", [item("*电子计算机*路由器", "2", "100", "0.13")]),
        "发票-路由器.xml",
        capture,
    )
    above = _upload(
        supplier,
        supplier_user,
        xml("26310000000000000002", [item("*电子计算机*交换机", "5", "320", "0.13")]),
        "发票-交换机.xml",
        capture,
    )
    _upload(
        supplier,
        supplier_user,
        xml(
            "26310000000000000003",
            [item("*电子计算机*交换机", "1", "300", "0.13", amount="310.00")],
            totals=("300.00", "39.00", "350.00"),
        ),
        "发票-金额错误.xml",
        capture,
    )
    _upload(
        supplier,
        supplier_user,
        xml(
            "26310000000000000004",
            [item("*电子计算机*交换机", "-5", "20", "0.13")],
            blue=False,
            original_number="26310000000000000002",
        ),
        "红字发票.xml",
        capture,
    )
    # a quantity beyond what was received (the routers were all invoiced already) and an item the
    # PO does not have: a match exception with a quantity shortfall and a "no PO line" reason
    _upload(
        supplier,
        supplier_user,
        xml(
            "26310000000000000005",
            [item("*电子计算机*路由器", "1", "100", "0.13"), item("*电子计算机*打印机", "1", "900", "0.13")],
        ),
        "发票-超量.xml",
        capture,
    )
    # an EN 16931 (UBL) invoice that breaks a business rule: refused with a BR-* finding
    _upload(supplier, supplier_user, to_ubl(Spec(payable_delta=Decimal("0.01"))), "invoice-ubl.xml", capture)
    _upload(supplier, supplier_user, b"%PDF-1.4 not an invoice", "扫描件.pdf", capture)

    from settlement.services.exceptions import exception_request_credit_note

    if above is not None and above.state == "exception":
        with capture(execute=True):
            exception_request_credit_note(
                invoice_id=above.pk, actor=finance, message="请就单价差额开具红字发票"
            )

    with capture(execute=True):
        draft = make_po(buyer, supplier, entity, [("显示器", 1, "1500.00")], state="draft")
        procurement.purchase_order_submit(po=draft, actor=buyer)
        procurement.purchase_order_decline(po=draft, actor=approver, reason="价格偏高，请重新询价")
    del matched
    return users
