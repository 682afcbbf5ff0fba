"""Two invoices for the same receipt matched at the same moment never over-allocate it (PostgreSQL
row locks: each match locks the PO rows it reads, in id order)."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from invoicing.models import Invoice
from settlement.models import MatchAllocation
from settlement.services.match_policies import tolerance_policy_ensure_default
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SQLite serialises everything)"
    ),
    pytest.mark.django_db(transaction=True),
]


def _run_together(fns):
    barrier = threading.Barrier(len(fns))
    errors = []

    def run(fn):
        try:
            barrier.wait(timeout=10)
            fn()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.parametrize("attempt", range(3))
def test_two_invoices_on_one_receipt_matched_at_once_never_claim_more_than_was_received(
    attempt, buyer, supplier_a
):
    tolerance_policy_ensure_default()
    entity = LegalEntityFactory()
    po = make_po(buyer, supplier_a, entity, [("螺栓 M8", 100, "2.00")])
    (bolts,) = po_lines(po)
    receive(buyer, po, {bolts: 100})
    first = make_invoice(supplier_a, entity, [line("螺栓 M8", 70, "2.00")])
    second = make_invoice(supplier_a, entity, [line("螺栓 M8", 70, "2.00")])

    errors = _run_together(
        [lambda: invoice_match(invoice_id=first.pk), lambda: invoice_match(invoice_id=second.pk)]
    )

    assert errors == []
    claimed = sum(MatchAllocation.objects.filter(po_line=bolts).values_list("quantity", flat=True), D(0))
    assert claimed == D(100)
    states = sorted(Invoice.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True))
    assert states == ["approved", "exception"]
