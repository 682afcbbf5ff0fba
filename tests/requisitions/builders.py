"""Builders shared by the requisition tests."""

from datetime import timedelta

from tests.factories import make_active_contract


def contract_for(supplier, today, *, lines, title="办公用品框架合同", days=90):
    return make_active_contract(
        supplier,
        title=title,
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=days),
        lines=lines,
    )
