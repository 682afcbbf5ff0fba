"""`make run`'s demo data for procurement: built through the services, safe to run twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from contracts.models import Contract
from core.models import TransitionLog
from procurement import selectors
from procurement.models import RFQ, GoodsReceipt, PurchaseOrder, QuoteVersion
from suppliers.models import Supplier


def _counts():
    return {
        "contracts": Contract.objects.count(),
        "rfqs": RFQ.objects.count(),
        "quotes": QuoteVersion.objects.count(),
        "pos": PurchaseOrder.objects.count(),
        "receipts": GoodsReceipt.objects.count(),
        "log": TransitionLog.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_creates_procurement_documents_in_several_states_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "approver" in out.getvalue()
    first = _counts()
    states = set(PurchaseOrder.objects.values_list("state", flat=True))
    assert {"draft", "sent", "acknowledged", "partially_received", "received"} <= states
    assert Contract.objects.filter(state="active", title__startswith="[demo]").exists()
    assert set(RFQ.objects.values_list("state", flat=True)) >= {"published", "closed"}
    assert GoodsReceipt.objects.filter(po__state="partially_received").exists()
    sent = PurchaseOrder.objects.get(state="sent")
    assert sent.lines.get().contract_price is not None  # priced from the demo contract
    assert TransitionLog.objects.filter(transition="acknowledge").exists()

    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first


@pytest.mark.django_db
def test_demo_suppliers_have_a_score_in_the_comparison(buyer):
    call_command("seed_demo", stdout=StringIO())
    rfq = RFQ.objects.get(state="closed")
    rows = selectors.rfq_comparison(buyer, rfq)
    scores = {c.supplier_name: c.score.score for row in rows for c in row.cells}
    assert len(scores) == 2 and all(score is not None for score in scores.values())
    assert Supplier.objects.filter(state="approved").count() >= 2
