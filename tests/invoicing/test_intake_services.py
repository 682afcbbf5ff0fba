from decimal import Decimal

import pytest

from core.errors import Conflict, DomainError, PermissionDenied
from core.models import TransitionLog
from invoicing.models import Invoice, StoredFile, UploadRefusal
from invoicing.services import invoice_upload, invoice_validate
from suppliers.models import Supplier
from tests.factories import SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import build_cn_xml, item
from tests.invoicing.samples import sample


def upload(seller_user, data, name="invoice.xml", **kw):
    return invoice_upload(
        supplier=seller_user.membership.supplier, data=data, filename=name, actor=seller_user, **kw
    )


def test_valid_cn_xml_invoice_is_received_then_validated_with_lines_and_log(
    seller_user, our_entity, django_capture_on_commit_callbacks
):
    data = build_cn_xml(
        items=[
            item("*办公用品*复印纸", "10", "25", "0.13", unit="包"),
            item("*办公用品*订书机", "2", "30", "0.13"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice, created = upload(seller_user, data)
    invoice.refresh_from_db()
    assert created
    # validated, then settlement matched it (no PO here: an exception)
    assert invoice.validated_at and invoice.state not in ("received", "validating", "rejected")
    assert invoice.format == "cn-xml"
    assert invoice.legal_entity == our_entity
    assert invoice.net_amount == Decimal("310.00") and invoice.tax_amount == Decimal("40.30")
    assert [(line.name, line.quantity, line.net) for line in invoice.lines.all()] == [
        ("*办公用品*复印纸", Decimal("10"), Decimal("250.00")),
        ("*办公用品*订书机", Decimal("2"), Decimal("60.00")),
    ]
    log = list(TransitionLog.objects.filter(object_id=str(invoice.pk)).values_list("source", "target"))
    assert log[:2] == [("received", "validating"), ("validating", "validated")]
    assert StoredFile.objects.get().size == len(data)


def test_the_same_bytes_twice_return_the_existing_invoice(seller_user, our_entity):
    data = build_cn_xml()
    first, created1 = upload(seller_user, data)
    second, created2 = upload(seller_user, data, name="renamed.xml")
    assert (created1, created2) == (True, False)
    assert first.pk == second.pk
    assert Invoice.objects.count() == 1 and StoredFile.objects.count() == 1


def test_invoice_for_another_buyer_is_rejected_with_the_reason(seller_user, our_entity):
    data = build_cn_xml(buyer=("91350100M000100Y43", "别人的公司"))
    invoice, _ = upload(seller_user, data)
    invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "rejected"
    codes = set(invoice.issues.values_list("code", flat=True))
    assert "buyer_not_ours" in codes
    log = TransitionLog.objects.filter(object_id=str(invoice.pk), target="rejected").get()
    assert "buyer_not_ours" in log.reason


def test_invoice_from_another_seller_tax_id_is_rejected(db, our_entity):
    other = SupplierFactory(state="approved")
    user = make_supplier_user(other, "other-user")
    invoice, _ = invoice_upload(supplier=other, data=build_cn_xml(), filename="x.xml", actor=user)
    invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "rejected"
    assert "seller_mismatch" in set(invoice.issues.values_list("code", flat=True))


def test_arithmetic_error_rejects_the_invoice(seller_user, our_entity):
    data = build_cn_xml(items=[item("*服务*咨询", "1", "100", "0.06")], totals=("100.00", "6.00", "116.00"))
    invoice, _ = upload(seller_user, data)
    invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "rejected"
    assert "gross_mismatch" in set(invoice.issues.values_list("code", flat=True))


def test_the_same_invoice_in_another_file_is_a_duplicate(seller_user, our_entity):
    first, _ = upload(seller_user, build_cn_xml())
    assert invoice_validate(invoice_id=first.pk).state == "validated"
    again, created = upload(seller_user, build_cn_xml(encoding="GBK"), name="same-invoice-gbk.xml")
    assert created
    again = invoice_validate(invoice_id=again.pk)
    assert again.state == "rejected"
    assert list(again.issues.filter(code="duplicate_invoice").values_list("severity", flat=True)) == ["error"]


def test_a_rejected_invoice_can_be_uploaded_again_corrected(seller_user, our_entity):
    bad = build_cn_xml(items=[item("*服务*咨询", "1", "100", "0.06")], totals=("100.00", "6.00", "116.00"))
    first, _ = upload(seller_user, bad)
    assert invoice_validate(invoice_id=first.pk).state == "rejected"
    fixed, _ = upload(seller_user, build_cn_xml(items=[item("*服务*咨询", "1", "100", "0.06")]))
    assert invoice_validate(invoice_id=fixed.pk).state == "validated"


def test_validation_is_idempotent(seller_user, our_entity):
    invoice, _ = upload(seller_user, build_cn_xml())
    invoice_validate(invoice_id=invoice.pk)
    invoice_validate(invoice_id=invoice.pk)
    assert TransitionLog.objects.filter(object_id=str(invoice.pk)).count() == 2
    assert Invoice.objects.get(pk=invoice.pk).lines.count() == 1


def test_hostile_file_is_refused_and_only_the_refusal_is_stored(seller_user, our_entity):
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><EInvoice>&lol2;</EInvoice>'
    with pytest.raises(DomainError) as exc:
        upload(seller_user, bomb, name="bomb.xml")
    assert exc.value.code == "xml_doctype"
    assert not Invoice.objects.exists() and not StoredFile.objects.exists()
    refusal = UploadRefusal.objects.get()
    assert (refusal.code, refusal.original_name, refusal.size) == ("xml_doctype", "bomb.xml", len(bomb))


def test_a_damaged_pdf_is_refused(seller_user):
    with pytest.raises(DomainError) as exc:
        upload(seller_user, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", name="invoice.pdf")
    assert exc.value.code == "pdf_malformed"


def test_file_over_the_limit_is_refused(seller_user, settings):
    settings.INVOICE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(DomainError) as exc:
        upload(seller_user, b"<EInvoice>" + b" " * 2000 + b"</EInvoice>")
    assert exc.value.code == "file_too_large"
    assert not Invoice.objects.exists()


def test_unapproved_supplier_cannot_upload(seller_user):
    Supplier.objects.filter(pk=seller_user.membership.supplier_id).update(state="suspended")
    seller_user.membership.supplier.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        upload(seller_user, build_cn_xml())
    assert exc.value.code == "supplier_not_approved"
    assert not Invoice.objects.exists()


def test_user_of_another_supplier_cannot_upload_for_this_one(seller, supplier_user_b):
    with pytest.raises(PermissionDenied):
        invoice_upload(supplier=seller, data=build_cn_xml(), filename="x.xml", actor=supplier_user_b)


def test_idempotency_key_reused_with_other_bytes_is_a_conflict(seller_user, our_entity):
    first, _ = upload(seller_user, build_cn_xml(), idempotency_key="k-1")
    again, created = upload(seller_user, build_cn_xml(), idempotency_key="k-1")
    assert again.pk == first.pk and not created
    with pytest.raises(Conflict) as exc:
        upload(seller_user, build_cn_xml(number="26352000000099999999"), idempotency_key="k-1")
    assert exc.value.code == "idempotency_key_reused"
    assert Invoice.objects.count() == 1


def test_red_letter_credit_note_links_to_the_original(seller_user, our_entity):
    original, _ = upload(seller_user, build_cn_xml())
    invoice_validate(invoice_id=original.pk)
    credit = build_cn_xml(
        number="26352000000012349999",
        blue=False,
        items=[item("*信息技术服务*软件维护费", "-1", "1000", "0.06", unit="项")],
        original_number="26352000000012345678",
    )
    note, _ = upload(seller_user, credit)
    note = invoice_validate(invoice_id=note.pk)
    assert note.document_type == "credit_note"
    assert note.state == "validated", list(note.issues.values_list("code", "message"))
    assert note.corrects_id == original.pk


def test_credit_note_for_an_unknown_invoice_is_rejected(seller_user, our_entity):
    credit = build_cn_xml(
        number="26352000000012349999",
        blue=False,
        items=[item("*信息技术服务*软件维护费", "-1", "1000", "0.06", unit="项")],
        original_number="26352000000000000001",
    )
    note, _ = upload(seller_user, credit)
    note = invoice_validate(invoice_id=note.pk)
    assert note.state == "rejected"
    assert "credit_note_unknown_original" in set(note.issues.values_list("code", flat=True))


def test_tampered_ofd_sample_is_rejected_with_the_signature_reason(db, settings):
    path = sample("einvoice-cn/ofdrw-vat-einvoice-2020-signed-digest-mismatch.ofd")
    from invoicing.formats.ofd import parse

    parsed = parse(path.read_bytes())
    supplier = (
        SupplierFactory(state="approved", tax_id=parsed.seller.tax_id) if parsed.seller.tax_id else None
    )
    if supplier is None:
        pytest.skip("sample has no seller tax id")
    user = make_supplier_user(supplier, "ofd-user")
    invoice, _ = invoice_upload(supplier=supplier, data=path.read_bytes(), filename="x.ofd", actor=user)
    invoice = invoice_validate(invoice_id=invoice.pk)
    assert invoice.state == "rejected"
    assert invoice.signature_status == "tampered"
    assert "signature_tampered" in set(invoice.issues.values_list("code", flat=True))


def test_stuck_invoices_are_requeued_and_then_validated(seller_user, our_entity):
    from datetime import timedelta

    from django.utils import timezone

    from invoicing.services import invoices_requeue_stuck

    stuck, _ = upload(seller_user, build_cn_xml())  # its task was never run (on-commit not executed)
    fresh, _ = upload(seller_user, build_cn_xml(number="26352000000077777777"))
    Invoice.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert invoices_requeue_stuck(older_than_minutes=10) == 1  # tasks run in-process in tests
    assert Invoice.objects.get(pk=stuck.pk).state == "validated"
    assert Invoice.objects.get(pk=fresh.pk).state == "received"


def test_stuck_invoices_are_left_alone_while_messages_wait_in_the_queue(seller_user, our_entity):
    """Workers behind a month-end backlog: the invoices' own messages are still queued."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from core import queue
    from invoicing.services import invoices_requeue_stuck

    waiting, _ = upload(seller_user, build_cn_xml())
    Invoice.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    with mock.patch.object(queue, "queue_backlog", return_value=1200):
        assert invoices_requeue_stuck(older_than_minutes=10) == 0
    assert Invoice.objects.get(pk=waiting.pk).state == "received"
    assert invoices_requeue_stuck(older_than_minutes=10) == 1  # the queue drained: a lost message
    assert Invoice.objects.get(pk=waiting.pk).state == "validated"


def test_stuck_invoices_are_sent_again_when_fewer_messages_wait_than_invoices_look_stuck(
    seller_user, our_entity
):
    """A broker restarted without persistence lost two messages while one new upload waits in
    the queue: fewer messages wait than invoices look stuck, so some were lost and all go again."""
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from core import queue
    from invoicing.services import invoices_requeue_stuck

    lost = [upload(seller_user, build_cn_xml(number=f"263520000000123400{n}"))[0] for n in (1, 2)]
    Invoice.objects.filter(pk__in=[i.pk for i in lost]).update(
        created_at=timezone.now() - timedelta(minutes=30), state="received"
    )
    with mock.patch.object(queue, "queue_backlog", return_value=1):
        assert invoices_requeue_stuck(older_than_minutes=10) == 2
    assert set(Invoice.objects.filter(pk__in=[i.pk for i in lost]).values_list("state", flat=True)) == {
        "validated"
    }
