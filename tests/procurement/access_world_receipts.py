"""Goods receipts for the access walker (tests/core/test_access_walker.py): the receipt list has
no URL parameter, so nothing is declared; this only puts a receipt of supplier B in the world, its
number carrying the marker, so the walker's list check fails if supplier A's user ever sees it."""

from procurement.models import GoodsReceipt
from procurement.services import goods_receipt_create
from tests.factories import UserFactory, make_purchase_order


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    buyer = UserFactory(username="walker-receipts-buyer", role="buyer")
    for supplier, number in ((supplier_a, "GR-OWN-WALKER"), (supplier_b, marker[:20])):
        po = make_purchase_order(requester=buyer, supplier=supplier, state="acknowledged")
        receipt = goods_receipt_create(
            po=po, actor=buyer, lines=[{"po_line_id": po.lines.get().pk, "accepted_qty": "1"}]
        )
        GoodsReceipt.objects.filter(pk=receipt.pk).update(number=number)
    return {}
