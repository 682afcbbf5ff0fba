"""Three-way matching of invoices and credit notes against purchase orders and goods receipts.

Pure Python, no Django: :func:`match_invoice` takes plain dataclasses and a tolerance policy and
returns a :class:`MatchResult` with allocations, variances, a verdict and reasons in plain words.
See :mod:`.engine` for the rules, :mod:`.tolerance` for how limits are read and
:func:`resolve_policy` for picking a policy.
"""

from core.money import q2, q6

from .engine import MatchingInputError, match_invoice
from .hashing import input_hash
from .model import (
    ENGINE_VERSION,
    Allocation,
    DocumentType,
    EarlierAllocation,
    Invoice,
    InvoiceLine,
    LineResult,
    MatchResult,
    MatchType,
    PairedBy,
    PoLine,
    Reason,
    ReasonCode,
    ReceiptLine,
    Variance,
    Verdict,
)
from .pairing import normalise_name
from .reason_labels import reason_label
from .tolerance import Limit, PolicyNotFound, Tolerance, TolerancePolicy, resolve_policy

__all__ = [
    "ENGINE_VERSION",
    "Allocation",
    "DocumentType",
    "EarlierAllocation",
    "Invoice",
    "InvoiceLine",
    "Limit",
    "LineResult",
    "MatchResult",
    "MatchType",
    "MatchingInputError",
    "PairedBy",
    "PoLine",
    "PolicyNotFound",
    "Reason",
    "ReasonCode",
    "ReceiptLine",
    "Tolerance",
    "TolerancePolicy",
    "Variance",
    "Verdict",
    "input_hash",
    "match_invoice",
    "normalise_name",
    "q2",
    "q6",
    "reason_label",
    "resolve_policy",
]
