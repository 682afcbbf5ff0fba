"""XRechnung 3.0 (the German CIUS of EN 16931): its national rules BR-DE-*, checked on the semantic model.

German public buyers require them; the portal checks them only for a legal entity that switched them
on (``LegalEntity.xrechnung_rules``). Written from the rules as KoSIT publishes them for XRechnung
3.0; the set covers what the semantic model carries: payment instructions, the seller's contact and
address details, the buyer's address, the buyer reference (Leitweg-ID), VAT rates and identifiers, the
document types and the specification identifier. Issues carry the rule id as their code, like the
EN 16931 rules; BR-DE-21 and BR-DE-26 are warnings as in XRechnung, the others errors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_noop

from core.texts import register

from ..model import Issue, Severity
from .model import Invoice, Party
from .statements import finding_text

SPECIFICATION = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
DOCUMENT_TYPES = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})
_TAXED = frozenset({"S", "Z", "E", "AE", "K", "G", "L", "M"})
_CREDIT_TRANSFER = frozenset({"30", "58"})
_CARD = frozenset({"48", "54", "55"})
_DIRECT_DEBIT = frozenset({"59"})

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _addr(p: Party | None, attr: str) -> bool:
    return bool(p and p.address and getattr(p.address, attr))


def _contact(p: Party | None, attr: str | None = None) -> bool:
    if p is None or p.contact is None:
        return False
    return True if attr is None else bool(getattr(p.contact, attr))


def _vat_rates_given(m: Invoice) -> bool:
    return all(vb.category is not None and vb.category.rate_present for vb in m.vat_breakdown)


def _tax_ids_for_taxed(m: Invoice) -> bool:
    used = {c.code for _, c in m.line_categories} | {
        vb.category.code for vb in m.vat_breakdown if vb.category
    }
    if not used & _TAXED:
        return True
    s, rep = m.seller, m.tax_representative
    return bool((s and (s.vat_ids or s.tax_registration_ids)) or (rep and rep.vat_ids))


def _payment_details(m: Invoice, codes: frozenset[str], ok: Callable) -> bool:
    return all(ok(pm) for pm in m.payment_means if (pm.code or "") in codes)


# (rule, severity, test on the invoice, message)
RULES: list[tuple[str, Severity, Callable[[Invoice], bool], str]] = [
    (
        "BR-DE-1",
        ERROR,
        lambda m: bool(m.payment_means),
        gettext_noop("The invoice has no payment instructions (BG-16)."),
    ),
    ("BR-DE-2", ERROR, lambda m: _contact(m.seller), gettext_noop("The seller contact (BG-6) is missing.")),
    (
        "BR-DE-3",
        ERROR,
        lambda m: _addr(m.seller, "city"),
        gettext_noop("The seller city (BT-37) is missing."),
    ),
    (
        "BR-DE-4",
        ERROR,
        lambda m: _addr(m.seller, "postcode"),
        gettext_noop("The seller post code (BT-38) is missing."),
    ),
    (
        "BR-DE-5",
        ERROR,
        lambda m: _contact(m.seller, "name"),
        gettext_noop("The seller contact point (BT-41) is missing."),
    ),
    (
        "BR-DE-6",
        ERROR,
        lambda m: _contact(m.seller, "phone"),
        gettext_noop("The seller contact telephone (BT-42) is missing."),
    ),
    (
        "BR-DE-7",
        ERROR,
        lambda m: _contact(m.seller, "email"),
        gettext_noop("The seller contact e-mail (BT-43) is missing."),
    ),
    ("BR-DE-8", ERROR, lambda m: _addr(m.buyer, "city"), gettext_noop("The buyer city (BT-52) is missing.")),
    (
        "BR-DE-9",
        ERROR,
        lambda m: _addr(m.buyer, "postcode"),
        gettext_noop("The buyer post code (BT-53) is missing."),
    ),
    (
        "BR-DE-10",
        ERROR,
        lambda m: m.deliver_to is None or bool(m.deliver_to.city),
        gettext_noop("The deliver-to city (BT-77) is missing."),
    ),
    (
        "BR-DE-11",
        ERROR,
        lambda m: m.deliver_to is None or bool(m.deliver_to.postcode),
        gettext_noop("The deliver-to post code (BT-78) is missing."),
    ),
    ("BR-DE-14", ERROR, _vat_rates_given, gettext_noop("A VAT breakdown has no VAT rate (BT-119).")),
    (
        "BR-DE-15",
        ERROR,
        lambda m: bool(m.buyer_reference),
        gettext_noop("The buyer reference / Leitweg-ID (BT-10) is missing."),
    ),
    (
        "BR-DE-16",
        ERROR,
        _tax_ids_for_taxed,
        gettext_noop(
            "VAT is charged but neither the seller VAT id (BT-31), tax number (BT-32) nor the tax "
            "representative's VAT id (BT-63) is given."
        ),
    ),
    (
        "BR-DE-17",
        ERROR,
        lambda m: (m.type_code or "") in DOCUMENT_TYPES,
        gettext_noop(
            "The invoice type code (BT-3) is not one XRechnung allows (326, 380, 384, 389, 381, 875, 876, 877)."
        ),
    ),
    (
        "BR-DE-21",
        WARNING,
        # XRechnung itself, or an extension / CIUS built on it (it then continues with "#…")
        lambda m: (
            (m.customization_id or "") == SPECIFICATION
            or (m.customization_id or "").startswith(SPECIFICATION + "#")
        ),
        # the identifier written out: makemessages reads literals, and an f-string never matches its entry
        gettext_noop(
            "The specification identifier (BT-24) is not "
            "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0."
        ),
    ),
    (
        "BR-DE-23",
        ERROR,
        lambda m: _payment_details(m, _CREDIT_TRANSFER, lambda pm: any(a for a in pm.accounts)),
        gettext_noop("A credit transfer names no payment account (BG-17)."),
    ),
    (
        "BR-DE-24",
        ERROR,
        lambda m: _payment_details(m, _CARD, lambda pm: bool(pm.card_numbers)),
        gettext_noop("A card payment names no card (BG-18)."),
    ),
    (
        "BR-DE-25",
        ERROR,
        lambda m: _payment_details(m, _DIRECT_DEBIT, lambda pm: pm.mandates > 0),
        gettext_noop("A direct debit names no mandate (BG-19)."),
    ),
    (
        "BR-DE-26",
        WARNING,
        lambda m: m.type_code != "384" or any(m.preceding_invoices),
        gettext_noop("A corrected invoice (type 384) should name the invoice it corrects (BG-3)."),
    ),
]
COVERED_RULES = frozenset(code for code, *_ in RULES)
# the words of each rule, read in the reader's language by the rule id (like EN 16931's, statements.py)
register({f"en16931.{code}": message for code, _severity, _test, message in RULES})


def check(m: Invoice) -> list[Issue]:
    """Every XRechnung rule the invoice breaks."""
    return [
        Issue(code, severity, f"[{code}] {message}", finding_text(code, f"[{code}] {message}"))
        for code, severity, test, message in RULES
        if not test(m)
    ]
