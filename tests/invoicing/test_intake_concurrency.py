"""Twenty concurrent uploads of one file leave exactly one invoice (PostgreSQL row locks and
unique constraints; SQLite serialises writers, so the race cannot happen there)."""

import threading

import pytest
from django.db import connection

from core.models import TransitionLog
from invoicing.models import Invoice, StoredFile
from invoicing.services import invoice_upload, invoice_validate
from tests.invoicing.cn_xml_builder import build_cn_xml

pytestmark = pytest.mark.django_db(transaction=True)


def _run_concurrently(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run by .ci/run with DATABASE_URL)")


def test_twenty_concurrent_uploads_of_one_file_leave_one_invoice(seller_user, our_entity):
    data = build_cn_xml()
    supplier = seller_user.membership.supplier
    results, errors = _run_concurrently(
        20, lambda: invoice_upload(supplier=supplier, data=data, filename="same.xml", actor=seller_user)
    )
    assert errors == []
    assert Invoice.objects.count() == 1 and StoredFile.objects.count() == 1
    assert {invoice.pk for invoice, _ in results} == {Invoice.objects.get().pk}
    assert sum(created for _, created in results) == 1


def test_two_files_of_one_invoice_validated_at_once_leave_one_live_invoice(seller_user, our_entity):
    supplier = seller_user.membership.supplier
    a, _ = invoice_upload(supplier=supplier, data=build_cn_xml(), filename="a.xml", actor=seller_user)
    b, _ = invoice_upload(
        supplier=supplier, data=build_cn_xml(encoding="GBK"), filename="b.xml", actor=seller_user
    )
    ids = iter([a.pk, b.pk])
    lock = threading.Lock()

    def validate_next():
        with lock:
            pk = next(ids)
        return invoice_validate(invoice_id=pk).state

    states, errors = _run_concurrently(2, validate_next)
    assert errors == []
    # the winner passed validation (matching may already have moved it on), the other is a duplicate
    assert len(states) == 2 and states.count("rejected") == 1
    assert TransitionLog.objects.filter(transition="pass_validation").count() == 1
    assert TransitionLog.objects.filter(transition="fail_validation").count() == 1
    assert Invoice.objects.filter(duplicate_key__isnull=False).count() == 1
