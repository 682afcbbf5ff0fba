"""Red-letter invoices (红字发票): finance asks on a 数电 invoice, the supplier sees what to raise
(红字确认单) and confirms, and the uploaded red invoice links itself to the original and the
request; the original's remaining amount goes down."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import TransitionLog
from invoicing.models import Invoice, RedLetterRequest
from invoicing.red_letter import remaining_amounts
from invoicing.services import invoice_upload
from tests.factories import LegalEntityFactory
from tests.invoicing.cn_xml_builder import (
    BUYER_ID,
    BUYER_NAME,
    NUMBER,
    build_cn_xml,
    item,
)

pytestmark = pytest.mark.django_db

RED_NUMBER = "26352000000012349999"


@pytest.fixture
def original(seller, seller_user, django_capture_on_commit_callbacks):
    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    # 1000.00 + 60.00 = 1060.00; no PO, so it waits on the exception desk
    return _upload(build_cn_xml(), seller, seller_user, django_capture_on_commit_callbacks)


def _upload(data, seller, seller_user, callbacks) -> Invoice:
    with callbacks(execute=True):
        invoice, _ = invoice_upload(supplier=seller, data=data, filename="invoice.xml", actor=seller_user)
    return Invoice.objects.get(pk=invoice.pk)


def _ask(client, invoice, **data):
    return client.post(
        reverse("red-letter-request", args=[invoice.pk]),
        {"reason": "sales_allowance", "scope": "part", **data},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=reverse("invoice-detail", args=[invoice.pk]),
        follow=True,
    )


def _events(invoice):
    return list(
        TransitionLog.objects.filter(content_type__model="invoice", object_id=str(invoice.pk)).values_list(
            "transition", flat=True
        )
    )


def test_finance_asks_for_part_of_a_shuzi_invoice_and_the_supplier_sees_what_to_raise(
    original, finance, seller_user, client_as
):
    response = _ask(client_as(finance), original, net="200.00", tax="12.00", note="price cut")

    request = RedLetterRequest.objects.get(original=original)
    assert (request.state, request.reason, request.net_amount, request.tax_amount) == (
        "requested",
        "sales_allowance",
        Decimal("200.00"),
        Decimal("12.00"),
    )
    assert len(request.number) == 20
    assert f"Red-letter request {request.number} is sent to the supplier." in response.content.decode()
    assert "red_letter_requested" in _events(original)
    assert remaining_amounts(original) == (Decimal("800.00"), Decimal("48.00"))

    page = client_as(seller_user).get(
        reverse("invoice-detail", args=[original.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = page.content.decode()
    assert request.number in html and NUMBER in html
    assert "Sales allowance" in html and "-212.00" in html
    assert reverse("red-letter-confirm", args=[request.pk]) in html


def test_a_request_beyond_the_remaining_amount_is_refused_and_nothing_is_stored(original, finance, client_as):
    client = client_as(finance)
    _ask(client, original, net="900.00", tax="54.00")

    response = _ask(client, original, net="200.00", tax="6.00")  # 100.00 net left

    assert "Only net 100.00 and tax 6.00 of invoice" in response.content.decode()
    assert RedLetterRequest.objects.filter(original=original).count() == 1
    for bad in ({"net": "abc", "tax": "1"}, {"net": "-5", "tax": "0"}, {"net": "1.001", "tax": "0"}):
        _ask(client, original, **bad)
    assert RedLetterRequest.objects.filter(original=original).count() == 1


def test_the_whole_remaining_amount_is_asked_for_in_one_step(original, finance, client_as):
    _ask(client_as(finance), original, scope="whole")

    request = RedLetterRequest.objects.get(original=original)
    assert (request.net_amount, request.tax_amount) == (Decimal("1000.00"), Decimal("60.00"))
    assert remaining_amounts(original) == (Decimal("0.00"), Decimal("0.00"))
    response = _ask(client_as(finance), original, scope="whole")
    assert "Nothing is left to reverse" in response.content.decode()


def test_the_supplier_confirms_and_its_red_invoice_links_itself_to_the_original_and_the_request(
    original, finance, seller, seller_user, client_as, django_capture_on_commit_callbacks
):
    _ask(client_as(finance), original, net="500.00", tax="30.00")
    request = RedLetterRequest.objects.get(original=original)
    client_as(seller_user).post(reverse("red-letter-confirm", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "confirmed" and request.confirmed_by == seller_user

    red_xml = build_cn_xml(
        number=RED_NUMBER,
        blue=False,
        items=[item("*信息技术服务*软件维护费", "-1", "500", "0.06", unit="项")],
        original_number=NUMBER,
        red_confirmation=request.number,
    )
    red = _upload(red_xml, seller, seller_user, django_capture_on_commit_callbacks)

    assert red.state not in ("rejected",), list(red.issues.values_list("code", "message"))
    assert red.is_credit_note and red.corrects == original
    request.refresh_from_db()
    assert (request.state, request.red_invoice) == ("fulfilled", red)
    assert remaining_amounts(original) == (Decimal("500.00"), Decimal("30.00"))
    assert "red_invoice_linked" in _events(original) and "red_invoice_linked" in _events(red)
    assert [e for e in _events(original) if e.startswith("red_")] == [
        "red_letter_requested",
        "red_letter_confirmed",
        "red_invoice_linked",
    ]
    page = client_as(finance).get(reverse("invoice-detail", args=[original.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert reverse("invoice-detail", args=[red.pk]) in html
    assert "530.00" in html  # remaining 500 + 30, and reversed 530


def test_another_supplier_sees_and_confirms_nothing(original, finance, supplier_user_b, client_as):
    _ask(client_as(finance), original, net="100.00", tax="6.00")
    request = RedLetterRequest.objects.get(original=original)
    other = client_as(supplier_user_b)

    assert other.get(reverse("invoice-detail", args=[original.pk])).status_code == 404
    assert other.post(reverse("red-letter-confirm", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.state == "requested"


def test_only_finance_asks_and_cancels(original, finance, seller_user, buyer, client_as):
    assert _ask(client_as(seller_user), original, net="1", tax="0").status_code == 403
    assert _ask(client_as(buyer), original, net="1", tax="0").status_code == 403
    assert not RedLetterRequest.objects.exists()
    _ask(client_as(finance), original, net="100.00", tax="6.00")
    request = RedLetterRequest.objects.get()
    assert (
        client_as(seller_user)
        .post(reverse("red-letter-cancel", args=[request.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    client_as(finance).post(reverse("red-letter-cancel", args=[request.pk]), {"reason": "agreed otherwise"})
    request.refresh_from_db()
    assert request.state == "cancelled"
    assert remaining_amounts(original) == (Decimal("1000.00"), Decimal("60.00"))
