"""The demo suppliers hold a valid business licence (seen: the scheduled expiry check suspended
both demo suppliers because they had none)."""

import pytest
from django.utils import timezone

from suppliers.demo import seed_supplier_qualifications
from suppliers.models import QualificationDocument, Supplier
from suppliers.services import qualification_expiry_check

pytestmark = pytest.mark.django_db


def test_seeded_suppliers_keep_their_approval_through_the_expiry_check(buyer, supplier_a, supplier_b):
    for supplier in (supplier_a, supplier_b):
        doc = seed_supplier_qualifications(supplier, uploaded_by=buyer)
        assert doc.expires_on > timezone.localdate() and doc.issued_on < doc.expires_on
        assert doc.file.read().startswith(b"%PDF-")
    assert qualification_expiry_check()["suspended"] == 0
    assert set(Supplier.objects.values_list("state", flat=True)) == {"approved"}


def test_seeding_twice_adds_nothing(buyer, supplier_a):
    first = seed_supplier_qualifications(supplier_a, uploaded_by=buyer)
    assert seed_supplier_qualifications(supplier_a, uploaded_by=buyer) == first
    assert QualificationDocument.objects.count() == 1
