"""A payment run for the access walker (tests/core/test_access_walker.py): finance's pages only,
no supplier user reaches a run (its lines are written by POST only)."""

from datetime import date, timedelta

from settlement.models import PaymentRun
from suppliers.models import PaymentTerm
from tests.factories import LegalEntityFactory, UserFactory
from tests.settlement.payment_run_builders import house_account


def build(supplier_a, supplier_b, alice, bob, *, foreign_id, marker):
    entity = LegalEntityFactory()
    run = PaymentRun.objects.create(
        number=f"PR-{foreign_id}"[:20],
        legal_entity=entity,
        currency="CNY",
        due_by=date.today() + timedelta(days=30),
        execution_date=date.today() + timedelta(days=30),
        house_account=house_account(entity),
        proposed_by=UserFactory(username="walker-run-proposer", role="finance"),
    )
    # payment terms are master data every portal user reads (the API's /payment-terms/<term_id>)
    term = PaymentTerm.objects.create(
        code=f"walker-{foreign_id}", name_zh="30 天", name_en="Net 30", basis="invoice_date", days=30
    )
    # the payment-terms form (buyers and finance, POST only) of a supplier: B's for the walk
    return {
        "shared": {
            "run_id": run.pk,
            "run_line_id": foreign_id,
            "kind": "supplier",
            "pk": supplier_b.pk,
            "term_id": term.pk,
        }
    }
