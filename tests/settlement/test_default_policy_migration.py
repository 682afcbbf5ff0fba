"""Migration settlement 0002: an existing global default finance never changed gets the next
version with the 2 % invoice-total upper limit; a changed one is left alone."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from settlement.models import TolerancePolicy

pytestmark = pytest.mark.django_db
widen = importlib.import_module(
    "settlement.migrations.0002_default_invoice_total_upper_two_percent"
).widen_unchanged_default


def _v1(**changes):
    TolerancePolicy.objects.all().delete()
    fields = {**widen.__globals__["OLD_DEFAULT"], **changes}
    return TolerancePolicy.objects.create(code="global", version=1, effective_from=date(2000, 1, 1), **fields)


def test_an_unchanged_old_default_gets_version_2_with_the_wider_total_limit():
    _v1()
    widen(apps, None)
    v2 = TolerancePolicy.objects.get(code="global", version=2)
    assert v2.invoice_total_upper_percent == Decimal("2")
    assert v2.line_amount_upper_percent == Decimal("2") and v2.effective_from == date(2000, 1, 1)
    assert "one-line invoices" in v2.change_reason


def test_a_default_finance_changed_is_left_alone():
    _v1(invoice_total_upper_percent=Decimal("0.5"))
    widen(apps, None)
    assert not TolerancePolicy.objects.filter(version=2).exists()
