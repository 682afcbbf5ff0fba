"""The whole path through the real services: a 数电 XML invoice is uploaded, validated and matched
against a real PO and goods receipt, with the tasks run after each commit as a worker would."""

from datetime import date
from decimal import Decimal as D

import pytest

from core.models import TransitionLog
from invoicing.models import Invoice
from invoicing.services import invoice_upload
from settlement.models import ExceptionCase, MatchAllocation, MatchResult
from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml, item
from tests.settlement.match_flow_builders import make_po, po_lines, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")


@pytest.fixture
def seller_user(seller):
    return make_supplier_user(seller, "seller-user")


@pytest.fixture
def our_entity():
    return LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)


@pytest.fixture
def po(buyer, seller, our_entity):
    po = make_po(buyer, seller, our_entity, [("路由器", 2, "100.00"), ("交换机", 5, "300.00")])
    routers, switches = po_lines(po)
    receive(buyer, po, {routers: 2, switches: 5}, day=date(2026, 3, 1))
    return po


def _upload(data, seller, seller_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice, created = invoice_upload(
            supplier=seller, data=data, filename="invoice.xml", actor=seller_user
        )
    assert created
    return Invoice.objects.get(pk=invoice.pk)


def test_an_uploaded_invoice_that_matches_its_po_and_receipt_is_approved_without_a_person(
    po, seller, seller_user, django_capture_on_commit_callbacks
):
    data = build_cn_xml(
        items=[item("*电子计算机*路由器", "2", "100", "0.13"), item("*电子计算机*交换机", "5", "300")]
    )

    invoice = _upload(data, seller, seller_user, django_capture_on_commit_callbacks)

    assert invoice.state == "approved", list(invoice.issues.values_list("code", "message"))
    result = MatchResult.objects.get(invoice=invoice, is_current=True)
    assert result.verdict == "matched"
    assert [line["paired_by"] for line in result.explanation["lines"]] == ["name", "name"]
    routers, switches = po_lines(po)
    assert sorted(
        MatchAllocation.objects.filter(invoice=invoice).values_list("po_line", "quantity")
    ) == sorted([(routers.pk, D(2)), (switches.pk, D(5))])
    assert list(
        TransitionLog.objects.filter(content_type__model="invoice", object_id=str(invoice.pk)).values_list(
            "transition", flat=True
        )
    ) == ["start_validation", "pass_validation", "tax_verified", "match", "approve"]  # 发票查验 first


def test_an_uploaded_invoice_above_the_po_price_lands_on_the_desk(
    po, seller, seller_user, django_capture_on_commit_callbacks
):
    data = build_cn_xml(items=[item("*电子计算机*路由器", "2", "120", "0.13")])

    invoice = _upload(data, seller, seller_user, django_capture_on_commit_callbacks)

    assert invoice.state == "exception"
    case = ExceptionCase.objects.get(invoice=invoice)
    assert case.primary_reason == "price_above_tolerance"
    assert "Unit price 120.00 is 20.00 CNY (20.00%) above the PO price 100.00" in case.result.summary
