"""What the two worker tasks cost in SQL statements, pinned: validating a received 3-line invoice
and matching it (``invoice_validate``, ``invoice_match``), for a supplier with 10 open POs and
again with 150, as ``benchmarks/bench_worker.py`` times them. A 数电 XML invoice naming no PO is
matched against the candidate PO lines of the prefilter; a UBL invoice names its PO. The number of
statements does not grow with the open POs, and an extra query per PO line, per PO or per save
fails here."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.bench_worker import add_open_pos, received, world
from core.models import TransitionLog
from invoicing.models import Invoice
from invoicing.services import invoice_validate
from settlement.services.matching import invoice_match

pytestmark = pytest.mark.django_db

# the statements of each task body in a test's transaction (its savepoints included)
VALIDATE = 16
MATCH = {"": 20, "PO-BW-000000": 24}  # naming its PO: the PO looked up by number, its terms read


def _statements(invoice_id: int) -> tuple[int, int]:
    ContentType.objects.get_for_model(Invoice)  # cached once per process (the history's rows name it)
    with CaptureQueriesContext(connection) as validating:
        invoice_validate(invoice_id=invoice_id)
    with CaptureQueriesContext(connection) as matching:
        invoice_match(invoice_id=invoice_id)
    return len(validating), len(matching)


@pytest.mark.parametrize("ubl_po", ["", "PO-BW-000000"], ids=["cn-xml-naming-no-po", "ubl-naming-its-po"])
def test_validate_and_match_take_the_same_statements_with_10_and_150_open_pos(ubl_po):
    entity, supplier = world(10)
    few = received(entity, supplier, 1, ubl_po=ubl_po)[0]
    with_10 = _statements(few)
    add_open_pos(entity, supplier, start=10, count=140)
    many = received(entity, supplier, 1, ubl_po=ubl_po, first=1)[0]
    with_150 = _statements(many)

    assert with_10 == with_150, f"10 open POs: {with_10}, 150: {with_150} (validate, match)"
    validate, match = with_150
    assert validate <= VALIDATE, f"validation took {validate} statements"
    assert match <= MATCH[ubl_po], f"matching took {match} statements"
    for pk in (few, many):  # the work was done: approved, every step in the history
        invoice = Invoice.objects.get(pk=pk)
        assert invoice.state == "approved"
        steps = list(
            TransitionLog.objects.filter(object_id=str(pk), content_type__model="invoice")
            .order_by("pk")
            .values_list("transition", flat=True)
        )
        assert steps == ["start_validation", "pass_validation", "match", "approve"]
        # one save, one history row per task: received → validated, validated → approved
        assert list(Invoice.history.filter(id=pk).order_by("history_id").values_list("state", flat=True))[
            -2:
        ] == ["validated", "approved"]
