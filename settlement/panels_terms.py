"""Payment terms on the pages of a supplier and a purchase order: what applies and,
for buyers and finance, a choice to change it (settlement.services.terms.payment_term_assign)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.documents import register_panel
from core.home import Panel
from suppliers.models import PaymentTerm

KINDS = {
    "suppliers.supplier": "supplier",
    "contracts.contract": "contract",
    "procurement.purchaseorder": "po",
}


def payment_terms_panel(user, document):
    kind = KINDS[document._meta.label_lower]
    return Panel(
        _("Payment terms"),
        "settlement/payment_terms_panel.html",
        {
            "kind": kind,
            "document": document,
            "term": document.payment_term,
            "terms": PaymentTerm.objects.filter(is_active=True) if user.is_internal else [],
            "overrides": kind != "supplier",
        },
    )


for label in ("suppliers.Supplier", "contracts.Contract", "procurement.PurchaseOrder"):
    register_panel(label, payment_terms_panel)
