"""Red-letter requests of supplier B for the access walker (tests/core/test_access_walker.py)."""

from decimal import Decimal

from invoicing.models import Invoice, RedLetterRequest


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    def request(supplier, pk=None, note=""):
        original = Invoice.objects.filter(supplier=supplier).first()
        kwargs = {"pk": pk} if pk else {}
        return RedLetterRequest.objects.create(
            original=original,
            supplier=supplier,
            number=f"{pk or 1:020d}",
            reason="goods_returned",
            note=note,
            net_amount=Decimal("1.00"),
            tax_amount=Decimal("0.13"),
            **kwargs,
        )

    own = request(supplier_a, note="OWN-RED")
    request(supplier_b, pk=foreign_id, note=marker)
    return {"own": {"request_id": own.pk}, "foreign": {"request_id": foreign_id}}
