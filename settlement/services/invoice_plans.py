"""Invoice plans (开票计划) of statement-first settlement."""

from __future__ import annotations


def invoice_plan_claim(invoice) -> bool:
    """Attach a freshly validated invoice to an open invoice plan of its supplier, if it was issued
    against one. Returns True when a plan took it (then it is not three-way matched)."""
    return False
