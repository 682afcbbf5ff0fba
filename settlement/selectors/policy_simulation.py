"""What a drafted change of a tolerance policy would do to the invoices of the last N days, before
it is saved. Reads only: nothing is written, no invoice, result or policy changes.

For each invoice received in the window whose current match result kept its inputs (the scenario
``reconcile_scenario`` replays), the pure engine runs twice on those stored inputs:

* **old**: with the policy the result was decided under (the stored inputs' policy), which replays
  the stored decision with today's engine;
* **new**: with the policy the invoice would get if the draft replaced its code: an invoice decided
  under a version of the drafted code gets the draft when the draft's scope (legal entity, supplier,
  item category) still covers it, otherwise the most specific other policy in effect on its date;
  an invoice decided under another policy gets the draft only when the draft covers it and is at
  least as specific. The draft counts as in effect for every invoice of the window (its dates are
  for saving, not for the simulation).

Invoices the draft does not reach are not run. The window is at most ``MAX_DAYS`` days and the newest
``MAX_INVOICES`` invoices; the result says when it was cut.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from core.errors import PermissionDenied
from settlement.matching import MatchingInputError, PolicyNotFound, match_invoice, resolve_policy
from settlement.matching import TolerancePolicy as EnginePolicy

from ..models import MatchResult, TolerancePolicy
from ..services.match_json import ScenarioError, result_to_json, scenario_from_json
from ..services.match_policies import to_engine
from .matching import _verdict, can_work_desk, reason_words

DEFAULT_DAYS, MAX_DAYS = 30, 180
MAX_INVOICES = 2000


@dataclass
class ReasonLine:
    line_no: str
    words: str
    severity: str


@dataclass
class Changed:
    invoice_id: int
    invoice_number: str
    supplier: str
    old_verdict: str
    new_verdict: str
    old_policy: str
    new_policy: str
    old_reasons: list[ReasonLine]
    new_reasons: list[ReasonLine]

    @property
    def old_label(self) -> str:
        return _verdict(self.old_verdict)

    @property
    def new_label(self) -> str:
        return _verdict(self.new_verdict)


@dataclass
class Simulation:
    days: int
    since: date
    draft_label: str
    in_window: int  # invoices with a current match result received in the window
    simulated: int = 0  # the draft reached them and the engine ran
    unchanged: int = 0
    not_reached: int = 0  # another policy decides them, with or without the draft
    without_inputs: int = 0  # results stored before results kept their inputs
    failed: int = 0  # stored inputs the engine refuses today (none expected)
    capped: bool = False
    cap: int = MAX_INVOICES
    oldest_simulated: datetime | None = None
    changed: list[Changed] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def transitions(self) -> list[tuple[str, str, int]]:
        """(old verdict, new verdict, invoices) in the reader's language, most invoices first."""
        ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(_verdict(old), _verdict(new), n) for (old, new), n in ordered]


def _undated(policy: EnginePolicy) -> EnginePolicy:
    return replace(policy, effective_from=None, effective_to=None)


def _in_effect(rows: list[TolerancePolicy], on_date: date, *, without_code: str) -> list[EnginePolicy]:
    newest: dict[str, TolerancePolicy] = {}
    for row in rows:  # ordered by code, -version
        if row.code != without_code and row.effective_from <= on_date:
            newest.setdefault(row.code, row)
    return [policy for policy in map(_engine_or_none, newest.values()) if policy is not None]


def _engine_or_none(row: TolerancePolicy) -> EnginePolicy | None:
    """The engine form of a stored policy, or None when a stored limit is out of what the engine
    reads (a negative limit written around the services)."""
    try:
        return to_engine(row)
    except ValueError:
        return None


def _reasons(result_json: dict, line_numbers: dict) -> list[ReasonLine]:
    """The reasons that made the verdict (within tolerance or exception), in the reader's language."""
    out = []
    items = [r for line in result_json.get("lines", []) for r in line.get("reasons", [])]
    items += result_json.get("reasons", [])
    for reason in items:
        if reason.get("severity") == "matched":
            continue
        line_id = reason.get("line_id")
        label = str((line_numbers.get(line_id or "") or {}).get("line_no", line_id or ""))
        out.append(ReasonLine(label, reason_words(reason), reason.get("severity", "")))
    return out


def _categories(result_ids: list[int]) -> dict[int, str | None]:
    """The item category each result's policy was chosen by: the one all lines of its candidate
    POs share (as ``match_inputs.build_inputs`` reads it), else None."""
    from procurement.models import PurchaseOrderLine

    through = MatchResult.purchase_orders.through
    links = list(
        through.objects.filter(matchresult_id__in=result_ids).values_list(
            "matchresult_id", "purchaseorder_id"
        )
    )
    cats: dict[int, set[str]] = defaultdict(set)
    for po_id, category in (
        PurchaseOrderLine.objects.filter(po_id__in={po for _, po in links})
        .order_by()
        .values_list("po_id", "item__category")
        .distinct()
    ):
        if category:
            cats[po_id].add(category)
    per_result: dict[int, set[str]] = defaultdict(set)
    for result_id, po_id in links:
        per_result[result_id] |= cats[po_id]
    return {rid: (c.pop() if len(c) == 1 else None) for rid, c in per_result.items()}


def policy_simulate(
    user, *, base: TolerancePolicy, draft: TolerancePolicy, days: int, now=None
) -> Simulation:
    """Run ``draft`` (an unsaved ``TolerancePolicy`` with the drafted fields, ``code`` of ``base``)
    over the invoices received in the last ``days`` days; see the module docstring."""
    if not can_work_desk(user):
        raise PermissionDenied(gettext("Only finance simulates tolerance policies."))
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    now = now or timezone.now()
    since_day = timezone.localdate(now) - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(since_day, time.min))
    draft_engine = _undated(to_engine(draft))
    window = MatchResult.objects.filter(is_current=True, invoice__created_at__gte=since)
    simulation = Simulation(
        days=days, since=since_day, draft_label=draft.label, in_window=window.count(), cap=MAX_INVOICES
    )
    results = list(
        window.select_related("invoice__supplier", "policy")
        .defer("summary", "invoice__po_references")
        .order_by("-invoice__created_at", "-pk")[:MAX_INVOICES]
    )
    simulation.capped = simulation.in_window > len(results)
    if results:
        simulation.oldest_simulated = results[-1].invoice.created_at
    categories = _categories([r.pk for r in results])
    rows = list(TolerancePolicy.objects.order_by("code", "-version"))
    for result in results:
        if not result.inputs:
            simulation.without_inputs += 1
            continue
        invoice = result.invoice
        try:
            scenario = scenario_from_json(result.inputs, default_policy=_engine_or_none(result.policy))
        except (ScenarioError, ValueError):
            simulation.failed += 1
            continue
        stored = scenario["policy"]
        if stored is None:
            simulation.failed += 1
            continue
        scope = {
            "legal_entity_id": None if invoice.legal_entity_id is None else str(invoice.legal_entity_id),
            "supplier_id": str(invoice.supplier_id),
            "item_category": categories.get(result.pk),
            "on_date": invoice.issue_date or timezone.localdate(invoice.created_at),
        }
        covers = draft_engine.applies_to(**scope)
        if result.policy.code == base.code:
            if covers:
                new_policy = draft_engine
            else:
                try:
                    new_policy = resolve_policy(
                        _in_effect(rows, scope["on_date"], without_code=base.code), **scope
                    )
                except PolicyNotFound:
                    simulation.failed += 1
                    continue
        elif covers and draft_engine.specificity >= stored.specificity:
            new_policy = draft_engine
        else:
            simulation.not_reached += 1
            continue
        invoice_in = scenario.pop("invoice")
        try:
            old = match_invoice(invoice_in, **scenario)
            new = match_invoice(invoice_in, **{**scenario, "policy": new_policy})
        except MatchingInputError:
            simulation.failed += 1
            continue
        simulation.simulated += 1
        if old.verdict == new.verdict:
            simulation.unchanged += 1
            continue
        simulation.counts[(old.verdict.value, new.verdict.value)] += 1
        line_numbers = ((result.explanation or {}).get("labels") or {}).get("invoice_lines") or {}
        simulation.changed.append(
            Changed(
                invoice_id=invoice.pk,
                invoice_number=invoice.invoice_number or str(invoice.pk),
                supplier=invoice.supplier.name,
                old_verdict=old.verdict.value,
                new_verdict=new.verdict.value,
                old_policy=old.policy_version,
                new_policy=new.policy_version,
                old_reasons=_reasons(result_to_json(old), line_numbers),
                new_reasons=_reasons(result_to_json(new), line_numbers),
            )
        )
    return simulation
