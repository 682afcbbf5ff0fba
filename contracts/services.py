"""Writes of contracts. Each service runs atomically, locks the row and logs transitions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import bounds, formatting
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.mail import enqueue_mail
from core.services import document_event_log, run_transition
from core.signals import document_expiring
from core.texts import register, text
from suppliers.models import Supplier, SupplierState

from .items import item_facts
from .models import Contract, ContractState, ContractVersion, PriceLine, VersionState

CONTRACT_ACTIONS = ("submit", "approve", "reject", "terminate", "amend")
REASON_REQUIRED = {"reject", "terminate"}
EXPIRY_REMINDER_DAYS = 30
ALLOWED_TAX_RATES = {Decimal(r) for r in ("0.13", "0.09", "0.06", "0.05", "0.03", "0.01", "0")}


register({"contract.ended": gettext_noop("Ended on %(date)s")})  # the log of an expired contract (core.texts)


def _require_buyer(actor) -> None:
    if not (actor.is_buyer or actor.is_superuser):
        raise PermissionDenied(_("Only buyers manage contracts."))


def _next_number() -> str:
    year = timezone.localdate().year
    prefix = f"C{year}-"
    last = (
        Contract.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:05d}"


def contract_create(
    *,
    supplier: Supplier,
    title: str,
    valid_from: date,
    valid_to: date,
    actor,
    currency: str = "CNY",
    payment_term=None,
) -> Contract:
    """A draft contract with its first version. ``payment_term`` (a PaymentTerm in use, or None for
    the supplier's) applies to what is ordered under it; a history row names it. Changed later on
    the contract's page (settlement.services.terms.payment_term_assign)."""
    _require_buyer(actor)
    if payment_term is not None and not payment_term.is_active:
        raise DomainError(_("These payment terms are no longer in use."), code="payment_term_inactive")
    if not title.strip():
        raise DomainError(_("The contract title is required."), code="title_required")
    if valid_from is None or valid_to is None:
        raise DomainError(_("Give the contract's start and end dates."), code="invalid_period")
    if valid_to < valid_from:
        raise DomainError(
            _("The contract must end on or after its start."),
            code="invalid_period",
            details={"valid_from": str(valid_from), "valid_to": str(valid_to)},
        )
    bounds.date_sane(valid_from, field="valid_from")
    bounds.date_sane(valid_to, field="valid_to")
    currency = bounds.currency(currency or "CNY")
    if supplier.state in (SupplierState.BLOCKED,):
        raise DomainError(
            _("Supplier %(name)s is blocked.") % {"name": supplier.name}, code="supplier_blocked"
        )
    with transaction.atomic():
        # Serialise number allocation on the supplier row lock plus the unique constraint.
        Supplier.objects.select_for_update().get(pk=supplier.pk)
        contract = Contract.objects.create(
            number=_next_number(),
            supplier=supplier,
            title=title.strip(),
            currency=currency,
            valid_from=valid_from,
            valid_to=valid_to,
            created_by=actor,
            payment_term=payment_term,
        )
        ContractVersion.objects.create(contract=contract, number=1, created_by=actor, note="Original")
        if payment_term is not None:
            document_event_log(
                contract,
                "payment_term_set",
                actor=actor,
                reason=f"{payment_term.name_zh} / {payment_term.name_en}",
            )
    return contract


def draft_version(contract: Contract) -> ContractVersion | None:
    return (
        contract.versions.filter(state__in=[VersionState.DRAFT, VersionState.IN_APPROVAL])
        .order_by("-number")
        .first()
    )


def _editable_version(contract: Contract) -> ContractVersion:
    version = (
        ContractVersion.objects.select_for_update()
        .filter(contract=contract, state=VersionState.DRAFT)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Conflict(
            _(
                "Contract %(number)s is %(state)s: it cannot be edited in place. Create an amendment (a new version) instead."
            )
            % {"number": contract.number, "state": contract.get_state_display()},
            code="contract_not_editable",
            details={"state": contract.state},
        )
    return version


def _decimal(value, field: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(
            _("%(field)s is not a number.") % {"field": field},
            code="invalid_number",
            details={"field": field},
        ) from None
    if not result.is_finite():
        raise DomainError(
            _("%(field)s is not a number.") % {"field": field},
            code="invalid_number",
            details={"field": field},
        )
    return result


def price_line_add(
    *,
    contract: Contract,
    item_code: str,
    item_name: str,
    unit_price,
    tax_rate,
    actor,
    valid_from: date | None = None,
    valid_to: date | None = None,
    currency: str | None = None,
    unit: str = "",
    quantity_cap=None,
) -> PriceLine:
    """Add an agreed price to the draft version. The item must be in the item master (its name
    and unit default from there; another unit is refused), so every contract line reaches the
    catalog. Prices and caps are bounded (core.bounds)."""
    _require_buyer(actor)
    price = _decimal(unit_price, "unit price")
    rate = _decimal(tax_rate, "tax rate")
    cap = _decimal(quantity_cap, "quantity cap") if quantity_cap not in (None, "") else None
    if price < 0:
        raise DomainError(_("The unit price cannot be negative."), code="invalid_price")
    if rate not in ALLOWED_TAX_RATES:
        raise DomainError(
            _("%(rate)s is not a VAT rate.") % {"rate": rate},
            code="invalid_tax_rate",
            details={"rate": str(rate)},
        )
    if cap is not None and cap <= 0:
        raise DomainError(_("A quantity cap must be positive."), code="invalid_quantity")
    price = bounds.price(price)  # < 10^12, 6 decimals
    cap = bounds.quantity(cap, field="quantity_cap") if cap is not None else None  # <= 10^9
    currency = bounds.currency(currency) if currency else None
    item_code = (item_code or "").strip()
    if not item_code:
        raise DomainError(_("The item code is required."), code="item_code_required")
    facts = item_facts(item_code)
    if facts is None:
        raise DomainError(
            _(
                "Item %(code)s is not in the item master: its price would never reach the catalog. "
                "Create the item first."
            )
            % {"code": item_code},
            code="unknown_item",
            details={"item_code": item_code},
        )
    unit = (unit or "").strip() or facts.unit or "EA"
    if facts.unit and unit != facts.unit:
        raise DomainError(
            _("Item %(code)s is bought in %(item_unit)s (item master), not in %(unit)s.")
            % {"code": item_code, "item_unit": facts.unit, "unit": unit},
            code="unit_mismatch",
            details={"item_code": item_code, "unit": unit, "item_unit": facts.unit},
        )
    item_name = (item_name or "").strip() or facts.name
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        version = _editable_version(contract)
        valid_from = valid_from or contract.valid_from
        valid_to = valid_to or contract.valid_to
        if valid_to < valid_from:
            raise DomainError(
                _("A price line must end on or after its start."),
                code="invalid_period",
                details={"valid_from": str(valid_from), "valid_to": str(valid_to)},
            )
        if valid_from < contract.valid_from or valid_to > contract.valid_to:
            raise DomainError(
                _("A price line must lie within the contract period (%(start)s – %(end)s).")
                % {"start": contract.valid_from, "end": contract.valid_to},
                code="invalid_period",
                details={"valid_from": str(valid_from), "valid_to": str(valid_to)},
            )
        if version.lines.filter(
            item_code=item_code.strip(), valid_from__lte=valid_to, valid_to__gte=valid_from
        ).exists():
            raise DomainError(
                _("Item %(code)s already has a price in this period.") % {"code": item_code},
                code="duplicate_price_line",
                details={"item_code": item_code},
            )
        return PriceLine.objects.create(
            version=version,
            item_code=item_code,
            item_name=item_name[:200],
            unit=unit[:20],
            unit_price=price,
            currency=currency or contract.currency,
            tax_rate=rate,
            valid_from=valid_from,
            valid_to=valid_to,
            quantity_cap=cap,
        )


def price_line_remove(*, line: PriceLine, actor) -> None:
    _require_buyer(actor)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=line.version.contract_id)
        version = _editable_version(contract)
        if line.version_id != version.pk:
            raise Conflict(
                _("This line belongs to an approved version and cannot change."), code="contract_not_editable"
            )
        line.delete()


def contract_transition(*, contract: Contract, name: str, actor, reason: str = "") -> Contract:
    if name not in CONTRACT_ACTIONS:
        raise DomainError(
            _("Unknown contract action %(name)s.") % {"name": repr(name)}, code="unknown_action"
        )
    if name in REASON_REQUIRED and not reason.strip():
        raise DomainError(
            _("A reason is required to %(name)s a contract.") % {"name": name}, code="reason_required"
        )
    _require_buyer(actor)
    if name == "amend":
        contract_amend(contract=contract, actor=actor, note=reason)
        return Contract.objects.get(pk=contract.pk)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        version = draft_version(contract)
        if name == "terminate":
            return run_transition(contract, "terminate", actor=actor, reason=reason)
        if version is None:
            raise Conflict(
                _("Contract %(number)s has no version waiting.") % {"number": contract.number},
                code="illegal_transition",
            )
        amending = contract.state == ContractState.ACTIVE
        if name in ("submit", "approve"):
            require_contract_in_force(contract)
        if name == "submit":
            if not version.lines.exists():
                raise DomainError(
                    _("Add at least one price line before submitting."), code="contract_has_no_lines"
                )
            if amending:
                _check_new_caps(contract, version)
            run_transition(version, "submit", actor=actor, reason=reason)
            return contract if amending else run_transition(contract, "submit", actor=actor, reason=reason)
        if name == "approve":
            if actor.pk in (version.created_by_id, contract.created_by_id if version.number == 1 else None):
                raise PermissionDenied(
                    _("You wrote this contract version; another buyer must approve it."),
                    code="own_contract_approval",
                )
            version = run_transition(version, "approve", actor=actor, reason=reason)
            _carry_over_consumption(contract, version)
            ContractVersion.objects.filter(pk=version.pk).update(
                approved_by=actor, approved_at=timezone.now()
            )
            if not amending:
                contract = run_transition(contract, "approve", actor=actor, reason=reason)
            contract.current_version = version
            contract.save(update_fields=["current_version"])
            return contract
        if name == "reject":
            run_transition(version, "reject", actor=actor, reason=reason)
            return contract if amending else run_transition(contract, "reject", actor=actor, reason=reason)
    raise DomainError(
        _("Unknown contract action %(name)s.") % {"name": repr(name)}, code="unknown_action"
    )  # pragma: no cover


def require_contract_in_force(contract: Contract, *, today: date | None = None) -> None:
    """A contract is submitted and approved only with an approved supplier and a validity that
    has not ended; otherwise a clear refusal and nothing changes."""
    today = today or timezone.localdate()
    supplier = Supplier.objects.get(pk=contract.supplier_id)
    if supplier.state != SupplierState.APPROVED:
        raise DomainError(
            _(
                "Supplier %(supplier)s is %(state)s, not approved: a contract with it cannot be "
                "submitted or approved. Approve the supplier first."
            )
            % {"supplier": supplier.name, "state": supplier.get_state_display()},
            code="supplier_not_approved",
            details={"supplier_id": supplier.pk, "state": supplier.state},
        )
    if contract.valid_to < today:
        raise DomainError(
            _(
                "Contract %(number)s ended on %(end)s: an ended contract cannot be submitted or "
                "approved. Create a new contract with a current validity."
            )
            % {"number": contract.number, "end": contract.valid_to.isoformat()},
            code="contract_validity_ended",
            details={"valid_to": contract.valid_to.isoformat()},
        )


def _check_new_caps(contract: Contract, new_version: ContractVersion) -> None:
    """An amendment may not set a cap below what was already ordered (checked at submit too)."""
    if contract.current_version_id is None:
        return
    consumed = dict(
        PriceLine.objects.filter(version_id=contract.current_version_id).values_list(
            "item_code", "quantity_ordered"
        )
    )
    for line in new_version.lines.all():
        ordered = consumed.get(line.item_code, Decimal("0"))
        if line.quantity_cap is not None and ordered > line.quantity_cap:
            raise DomainError(
                _("Item %(code)s: %(ordered)s already ordered exceeds the new cap %(cap)s.")
                % {
                    "code": line.item_code,
                    "ordered": f"{ordered.normalize():f}",
                    "cap": f"{line.quantity_cap.normalize():f}",
                },
                code="contract_quantity_exceeded",
                details={"item_code": line.item_code, "ordered": str(ordered), "cap": str(line.quantity_cap)},
            )


def _carry_over_consumption(contract: Contract, new_version: ContractVersion) -> None:
    """Quantities already ordered under the version in force count against the new version's caps."""
    if contract.current_version_id is None:
        return
    consumed = dict(
        PriceLine.objects.select_for_update()
        .filter(version_id=contract.current_version_id)
        .values_list("item_code", "quantity_ordered")
    )
    for line in PriceLine.objects.select_for_update().filter(version=new_version):
        ordered = consumed.get(line.item_code, Decimal("0"))
        if line.quantity_cap is not None and ordered > line.quantity_cap:
            raise DomainError(
                _("Item %(item_code)s: %(ordered)s already ordered exceeds the new cap %(quantity_cap)s.")
                % {"item_code": line.item_code, "ordered": ordered, "quantity_cap": line.quantity_cap},
                code="contract_quantity_exceeded",
            )
        if ordered:
            PriceLine.objects.filter(pk=line.pk).update(quantity_ordered=ordered)


def contract_amend(*, contract: Contract, actor, note: str = "") -> ContractVersion:
    """A new version, copied from the one in force, editable until it is approved. Earlier
    versions are kept unchanged."""
    _require_buyer(actor)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.state != ContractState.ACTIVE:
            raise Conflict(
                _("Only an active contract can be amended; this one is %(state)s.")
                % {"state": contract.get_state_display()},
                code="contract_not_active",
            )
        if draft_version(contract) is not None:
            raise Conflict(_("An amendment is already being prepared."), code="amendment_in_progress")
        base = contract.current_version
        last = contract.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = ContractVersion.objects.create(
            contract=contract, number=last + 1, created_by=actor, note=note.strip() or f"Amendment {last}"
        )
        for line in base.lines.all():
            PriceLine.objects.create(
                version=version,
                item_code=line.item_code,
                item_name=line.item_name,
                unit=line.unit,
                unit_price=line.unit_price,
                currency=line.currency,
                tax_rate=line.tax_rate,
                valid_from=line.valid_from,
                valid_to=line.valid_to,
                quantity_cap=line.quantity_cap,
            )
    return version


def price_line_consume(*, line: PriceLine, quantity, actor) -> PriceLine:
    """A purchase order takes ``quantity`` from the line (row-locked); refuses beyond the cap.
    A negative quantity gives back (a cancelled PO line)."""
    qty = _decimal(quantity, "quantity")
    with transaction.atomic():
        locked = (
            PriceLine.objects.select_for_update()
            .select_related("version__contract")
            .filter(pk=line.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("Price line not found."))
        contract = locked.version.contract
        if contract.state != ContractState.ACTIVE or contract.current_version_id != locked.version_id:
            raise DomainError(
                _("Contract %(number)s is not active on this price.") % {"number": contract.number},
                code="contract_not_active",
            )
        new_total = locked.quantity_ordered + qty
        if new_total < 0:
            raise DomainError(_("Cannot give back more than was ordered."), code="invalid_quantity")
        if locked.quantity_cap is not None and new_total > locked.quantity_cap:
            raise DomainError(
                _(
                    "Item %(item_code)s: ordering %(qty)s would exceed the contract cap (%(quantity_ordered)s of %(quantity_cap)s already ordered)."
                )
                % {
                    "item_code": locked.item_code,
                    "qty": qty,
                    "quantity_ordered": locked.quantity_ordered,
                    "quantity_cap": locked.quantity_cap,
                },
                code="contract_quantity_exceeded",
                details={
                    "cap": str(locked.quantity_cap),
                    "ordered": str(locked.quantity_ordered),
                    "requested": str(qty),
                },
            )
        PriceLine.objects.filter(pk=locked.pk).update(quantity_ordered=F("quantity_ordered") + qty)
        locked.refresh_from_db()
    return locked


def _expiry_mail(contract: Contract) -> tuple[str, str]:
    """A contract is about to end: (subject, body) in the active language (the words of the
    ``document_expiring`` notification)."""
    words = {
        "document": f"{contract.number} {contract.title}",
        "owner": contract.supplier.name,
        "date": formatting.day(contract.valid_to),
    }
    return _("%(document)s expires on %(date)s") % words, _(
        "%(document)s of %(owner)s expires on %(date)s."
    ) % words


def contract_expiry_check(*, today: date | None = None) -> dict:
    """Remind once about active contracts ending within EXPIRY_REMINDER_DAYS; expire the ones
    past their end date. Idempotent."""
    today = today or timezone.localdate()
    reminded = expired = 0
    due = Contract.objects.filter(
        state=ContractState.ACTIVE,
        valid_to__gte=today,
        valid_to__lte=today + timedelta(days=EXPIRY_REMINDER_DAYS),
        expiry_reminded_at__isnull=True,
    )
    for contract_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update()
                .select_related("created_by", "supplier")
                .filter(pk=contract_id, expiry_reminded_at__isnull=True)
                .first()
            )
            if contract is None:
                continue
            contract.expiry_reminded_at = timezone.now()
            contract.save(update_fields=["expiry_reminded_at"])
            document_expiring.send(
                sender=Contract,
                document=f"{contract.number} {contract.title}",
                owner=contract.supplier.name,
                date=contract.valid_to,
                supplier_id=contract.supplier_id,
                users=[contract.created_by],
                url=reverse("contract-detail", args=[contract.pk]),
            )
            # portal users hear through their inbox (notifications); the contact address by mail
            recipients = [contract.supplier.contact_email] if contract.supplier.contact_email else []
            if recipients:
                enqueue_mail(recipients, lambda contract=contract: _expiry_mail(contract))
            reminded += 1
    for contract in Contract.objects.filter(state=ContractState.ACTIVE, valid_to__lt=today):
        with transaction.atomic():
            locked = Contract.objects.select_for_update().get(pk=contract.pk)
            if locked.state == ContractState.ACTIVE:
                run_transition(
                    locked,
                    "expire",
                    actor=None,
                    reason=text("contract.ended", date=f"{locked.valid_to:%Y-%m-%d}"),
                )
                expired += 1
    return {"reminded": reminded, "expired": expired}
