"""URL parameters of procurement for the access walker (tests/core/test_access_walker.py):
purchase orders (by id and by number) and their lines, RFQs and quote attachments of supplier A
("own") and B ("foreign", carrying the marker in a visible field), and questions on those RFQs."""

from datetime import timedelta

from django.utils import timezone

from procurement.models import PurchaseOrder
from procurement.services import quote_submit, rfq_question_ask
from tests.factories import UserFactory, make_purchase_order, make_rfq


def _quote_with_attachment(rfq, user, name):
    version = quote_submit(
        rfq=rfq,
        actor=user,
        prices={line.pk: "9.99" for line in rfq.lines.all()},
        lead_time_days=5,
        valid_until=timezone.localdate() + timedelta(days=30),
        attachments=[(name, b"quote terms")],
    )
    return version.attachments.get()


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    buyer = UserFactory(username="walker-buyer", role="buyer")
    own_po = make_purchase_order(requester=buyer, supplier=supplier_a, state="sent")
    foreign_po = make_purchase_order(requester=buyer, supplier=supplier_b, state="sent")
    PurchaseOrder.objects.filter(pk=foreign_po.pk).update(notes=f"{marker} po")
    foreign_po.lines.update(description=f"{marker} line")
    own_rfq = make_rfq(buyer=buyer, suppliers=[supplier_a], title="Own RFQ")
    foreign_rfq = make_rfq(buyer=buyer, suppliers=[supplier_b], title=f"{marker} RFQ")
    own_attachment = _quote_with_attachment(own_rfq, alice, "own.txt")
    foreign_attachment = _quote_with_attachment(foreign_rfq, bob, f"{marker}.txt")
    own_question = rfq_question_ask(rfq=own_rfq, actor=alice, question="Own question")
    foreign_question = rfq_question_ask(rfq=foreign_rfq, actor=bob, question=f"{marker} question")
    return {
        "own": {
            "po_id": own_po.pk,
            "po_line_id": own_po.lines.get().pk,
            "number": own_po.number,
            "rfq_id": own_rfq.pk,
            "attachment_id": own_attachment.pk,
            "question_id": own_question.pk,
        },
        "foreign": {
            "po_id": foreign_po.pk,
            "po_line_id": foreign_po.lines.get().pk,
            "number": foreign_po.number,
            "rfq_id": foreign_rfq.pk,
            "attachment_id": foreign_attachment.pk,
            "question_id": foreign_question.pk,
        },
    }
