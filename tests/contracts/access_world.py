"""URL parameters of the contracts app for the access walker (tests/core/test_access_walker.py)."""

from contracts.models import Contract
from tests.factories import make_active_contract


def build(supplier_a, supplier_b, alice, bob, foreign_id, marker):
    own = make_active_contract(supplier_a, title="Own contract 甲")
    foreign = make_active_contract(
        supplier_b,
        title=f"{marker} contract",
        lines=({"item_code": "FX-1", "item_name": f"{marker} item", "unit_price": "9", "tax_rate": "0.13"},),
    )
    # Give the foreign contract the walker's foreign id (its lines follow through the version FK).
    Contract.objects.filter(pk=foreign.pk).update(number=f"{marker}-C")
    foreign_line = foreign.current_version.lines.get()
    own_line = own.current_version.lines.get()
    return {
        "own": {"contract_id": own.pk, "line_id": own_line.pk},
        "foreign": {"contract_id": foreign.pk, "line_id": foreign_line.pk},
    }
