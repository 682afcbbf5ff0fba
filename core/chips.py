"""Status chips: every state a document can be in belongs to one family, and the family gives the
chip its colour (static/css/portal.css ``.chip-<family>``). Pure module: no database.

Families: ``ok`` (done, good), ``wait`` (moving, someone's turn), ``attention`` (needs a person
to look: an exception, a dispute), ``bad`` (refused, blocked) and ``idle`` (draft, closed,
cancelled: nothing will happen by itself).
"""

from __future__ import annotations

from functools import cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import format_html

FAMILIES = ("ok", "wait", "attention", "bad", "idle")

_DEFAULT = {
    **dict.fromkeys(
        (
            "approved",
            "acknowledged",
            "validated",
            "matched",
            "matched_within_tolerance",
            "paid",
            "confirmed",
            "active",
            "awarded",
            "accepted",
            "ordered",
            "resolved",
            "received",
            "ok",
        ),
        "ok",
    ),
    **dict.fromkeys(
        (
            "submitted",
            "pending_approval",
            "in_approval",
            "published",
            "sent",
            "validating",
            "scheduled",
            "partially_received",
            "partly_ordered",
            "pending",
            "invoiced",
            "unchecked",
            "rematched",
            "open",
        ),
        "wait",
    ),
    **dict.fromkeys(
        ("exception", "disputed", "suspended", "awaiting_credit_note", "mismatch", "no_po"), "attention"
    ),
    **dict.fromkeys(("rejected", "blocked", "terminated"), "bad"),
    **dict.fromkeys(("draft", "cancelled", "closed", "expired", "credited", "retired"), "idle"),
}

# Where one model's state reads differently from the same word elsewhere.
_BY_MODEL = {
    ("invoicing.invoice", "received"): "wait",  # just arrived, checking starts
    ("notifications.delivery", "delivered"): "ok",
    ("notifications.delivery", "sending"): "wait",
    ("notifications.delivery", "retrying"): "attention",
    ("notifications.delivery", "failed"): "bad",
}


def chip_family(state: str, model_label: str = "") -> str:
    """The family of ``state`` (a state code) of a model (``app_label.model``, lower case)."""
    return _BY_MODEL.get((model_label.lower(), state)) or _DEFAULT.get(state, "idle")


@cache
def _labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


def state_label(obj, attribute: str = "state") -> object:
    """``obj.get_<attribute>_display()``, from the field's label table made once (Django rebuilds the
    field's choices on every call, which pages of fifty chips feel)."""
    return value_label(type(obj), getattr(obj, obj._meta.get_field(attribute).attname), attribute)


def value_label(model, value, attribute: str = "state") -> object:
    """:func:`state_label` of a value read without its object (a page's ``values()`` rows)."""
    field = model._meta.get_field(attribute)
    return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)


def chip_html(state: str, model_label: str, text) -> str:
    """A state chip's markup (``{% chip %}``): ``text`` escaped, coloured by the state's family."""
    return format_html(
        '<span class="state chip-{}" data-state="{}">{}</span>', chip_family(state, model_label), state, text
    )
