"""Tolerance policies: the global default, new versions, and picking the one in effect.

A policy row is never edited. ``tolerance_policy_revise`` writes the changed rules as the next
version of the same ``code``; for a given date, each code is represented by its highest version
that has taken effect by then (so a revision with the same ``effective_from`` replaces the old
one, and a revision with a later ``effective_from`` takes over on that day). Among the codes in
effect the engine's ``resolve_policy`` picks the most specific scope.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from core import bounds
from core.errors import DomainError, PermissionDenied
from core.permissions import is_finance
from settlement.matching import Limit, Tolerance, resolve_policy
from settlement.matching import TolerancePolicy as EnginePolicy

from ..models import TolerancePolicy

DEFAULT_CODE = "global"
DEFAULT_FROM = date(2000, 1, 1)
RULE_FIELDS = tuple(
    f"{measure}_{side}_{half}"
    for measure in TolerancePolicy.MEASURES
    for side in ("lower", "upper")
    for half in ("percent", "absolute")
) + ("tax_rounding_per_line", "tax_rounding_per_invoice")
MAX_PERCENT = Decimal(1000)
SCOPE_FIELDS = ("legal_entity", "supplier", "item_category", "effective_from", "effective_to", "description")


def tolerance_policy_ensure_default() -> TolerancePolicy:
    """The global default policy (version 1 of ``global``), created with the model's defaults when
    no policy of that code exists. Safe to call concurrently."""
    existing = TolerancePolicy.objects.filter(code=DEFAULT_CODE).order_by("-version").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return TolerancePolicy.objects.create(
                code=DEFAULT_CODE,
                version=1,
                description="Default for every legal entity, supplier and item category",
                effective_from=DEFAULT_FROM,
                change_reason="initial default",
            )
    except IntegrityError:
        return TolerancePolicy.objects.filter(code=DEFAULT_CODE).order_by("-version").first()


def _require_editor(actor) -> None:
    if actor is None or not (is_finance(None, actor) or getattr(actor, "is_superuser", False)):
        raise PermissionDenied(gettext("Only finance may change tolerance policies."))


def rule_value(name: str, value):
    """A rule's limit within bounds: a percent up to MAX_PERCENT (4 decimals), an amount below
    10^12 (2 decimals); else ``core.bounds.OutOfBounds`` naming the field."""
    if name.endswith("_percent"):
        return bounds.number(value, field=name, maximum=MAX_PERCENT, places=4)
    return bounds.amount(value, field=name)


def _check(fields: dict) -> None:
    for name in RULE_FIELDS:
        value = fields.get(name)
        if value is not None and value < 0:
            raise DomainError(
                gettext("%(value)s cannot be negative.") % {"value": name.replace("_", " ")},
                code="invalid_tolerance",
            )
        if value is not None:
            fields[name] = rule_value(name, value)
    start, end = fields.get("effective_from"), fields.get("effective_to")
    if start is None:
        raise DomainError(gettext("A policy needs an effective-from date."), code="invalid_tolerance")
    if end is not None and end < start:
        raise DomainError(gettext("effective to is before effective from."), code="invalid_tolerance")
    for name in ("effective_from", "effective_to"):
        if fields.get(name) is not None:
            bounds.date_sane(fields[name], field=name)


def tolerance_policy_create(*, code: str, actor, reason: str = "", **fields) -> TolerancePolicy:
    """Version 1 of a new policy. ``fields``: scope fields and rule fields of the model."""
    _require_editor(actor)
    unknown = set(fields) - set(RULE_FIELDS) - set(SCOPE_FIELDS)
    if unknown:
        raise DomainError(
            gettext("Unknown policy fields: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="invalid_tolerance",
        )
    _check(fields)
    with transaction.atomic():
        if TolerancePolicy.objects.filter(code=code).exists():
            raise DomainError(
                gettext("A policy with code %(code)s exists: change it with a new version.") % {"code": code},
                code="policy_exists",
            )
        return TolerancePolicy.objects.create(
            code=code, version=1, created_by=actor, change_reason=reason[:300], **fields
        )


def tolerance_policy_revise(*, policy: TolerancePolicy, actor, reason: str, **changes) -> TolerancePolicy:
    """Write ``changes`` as the next version of ``policy.code``; the old row is left as it was."""
    _require_editor(actor)
    if not (reason or "").strip():
        raise DomainError(gettext("Say why the policy changes."), code="reason_required")
    unknown = set(changes) - set(RULE_FIELDS) - set(SCOPE_FIELDS)
    if unknown:
        raise DomainError(
            gettext("Unknown policy fields: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="invalid_tolerance",
        )
    with transaction.atomic():
        # the highest version of the code, locked so two revisions cannot take the same number
        latest = (
            TolerancePolicy.objects.select_for_update().filter(code=policy.code).order_by("-version").first()
        )
        fields = {name: getattr(policy, name) for name in RULE_FIELDS + SCOPE_FIELDS}
        fields.update(changes)
        _check(fields)
        return TolerancePolicy.objects.create(
            code=policy.code,
            version=latest.version + 1,
            created_by=actor,
            change_reason=reason.strip()[:300],
            **fields,
        )


def to_engine(policy: TolerancePolicy) -> EnginePolicy:
    def tolerance(measure: str) -> Tolerance:
        return Tolerance(
            lower=Limit(
                percent=getattr(policy, f"{measure}_lower_percent"),
                absolute=getattr(policy, f"{measure}_lower_absolute"),
            ),
            upper=Limit(
                percent=getattr(policy, f"{measure}_upper_percent"),
                absolute=getattr(policy, f"{measure}_upper_absolute"),
            ),
        )

    return EnginePolicy(
        version=policy.label,
        unit_price=tolerance("unit_price"),
        quantity=tolerance("quantity"),
        line_amount=tolerance("line_amount"),
        invoice_total=tolerance("invoice_total"),
        tax_rounding_per_line=policy.tax_rounding_per_line,
        tax_rounding_per_invoice=policy.tax_rounding_per_invoice,
        legal_entity_id=None if policy.legal_entity_id is None else str(policy.legal_entity_id),
        supplier_id=None if policy.supplier_id is None else str(policy.supplier_id),
        item_category=policy.item_category or None,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
    )


def policy_for(
    *, legal_entity_id: int | None, supplier_id: int | None, item_category: str | None, on_date: date
) -> tuple[TolerancePolicy, EnginePolicy]:
    """The policy row in effect for this scope on ``on_date`` and its engine form."""
    rows = list(TolerancePolicy.objects.filter(effective_from__lte=on_date).order_by("code", "-version"))
    if (
        not any(row.code == DEFAULT_CODE for row in rows)
        and tolerance_policy_ensure_default().effective_from <= on_date
    ):
        rows = list(TolerancePolicy.objects.filter(effective_from__lte=on_date).order_by("code", "-version"))
    newest: dict[str, TolerancePolicy] = {}
    for row in rows:
        newest.setdefault(row.code, row)  # highest version already in effect, per code
    by_label = {row.label: row for row in newest.values()}
    chosen = resolve_policy(
        [to_engine(row) for row in newest.values()],
        legal_entity_id=None if legal_entity_id is None else str(legal_entity_id),
        supplier_id=None if supplier_id is None else str(supplier_id),
        item_category=item_category or None,
        on_date=on_date,
    )
    return by_label[chosen.version], chosen


def latest_versions():
    """Each policy code's highest version (for lists)."""
    latest = TolerancePolicy.objects.values("code").annotate(top=Max("version"))
    wanted = {(row["code"], row["top"]) for row in latest}
    return [
        p
        for p in TolerancePolicy.objects.select_related("legal_entity", "supplier")
        if (p.code, p.version) in wanted
    ]
