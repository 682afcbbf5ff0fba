"""The scenario a stored match result was decided on, for ``manage.py reconcile_scenario``.

A result keeps its inputs (``MatchResult.inputs``) since engine version 3. A result stored before
that has only its input hash: its inputs are rebuilt from today's data with the policy version it
was decided under, and given out only when the rebuilt inputs give exactly the stored hash (made
with the stored engine version), which proves they are the ones it was decided on. Otherwise the
documents have changed since (a later receipt, return, revision or credit note) and what it was
decided on cannot be recovered: history that was not kept is not invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from core.errors import DomainError
from settlement.matching import input_hash

from ..models import MatchResult
from .match_inputs import ALL_OPEN_POS, build_inputs
from .match_json import scenario_to_json
from .match_policies import to_engine


class ReplayUnavailable(Exception):
    """The result kept no inputs and today's data no longer gives its input hash."""

    def __init__(self, result: MatchResult, rebuilt_hash: str | None, why: str = "") -> None:
        self.result = result
        self.rebuilt_hash = rebuilt_hash
        super().__init__(
            why
            or (
                f"match result {result.pk} (engine {result.engine_version}) was stored before results kept "
                f"their inputs, and the inputs rebuilt from today's data give the input hash "
                f"{rebuilt_hash}, not the stored {result.input_hash}: the documents changed after it was "
                f"decided, so what it was decided on cannot be rebuilt"
            )
        )


@dataclass(frozen=True)
class Replay:
    scenario: dict
    rebuilt: bool  # a result without stored inputs, rebuilt and proven equal by its input hash


def match_result_scenario(result: MatchResult) -> Replay:
    """The scenario ``result`` was decided on (see the module docstring); raises ReplayUnavailable."""
    if result.inputs:
        return Replay(result.inputs, rebuilt=False)
    try:
        # stored before results kept inputs, so before the candidate prefilter: every open PO
        inputs = build_inputs(result.invoice, lock=False, candidate_rule=ALL_OPEN_POS)
    except DomainError as exc:
        raise ReplayUnavailable(result, None, f"match result {result.pk}: {exc}") from None
    policy = to_engine(result.policy)  # the version it was decided under, not today's
    kwargs = {**inputs.engine_kwargs(), "policy": policy}
    rebuilt = input_hash(inputs.invoice, **kwargs, engine_version=result.engine_version)
    if rebuilt != result.input_hash:
        raise ReplayUnavailable(result, rebuilt)
    return Replay(scenario_to_json(inputs.invoice, **kwargs), rebuilt=True)


def match_results_keep_legacy_inputs() -> tuple[list[int], list[ReplayUnavailable]]:
    """Store the inputs of every result that has none where they can be proven (see the module
    docstring), so a later change cannot lose them. Returns the ids kept and the ones that cannot be."""
    kept: list[int] = []
    lost: list[ReplayUnavailable] = []
    for result in MatchResult.objects.filter(inputs__isnull=True).select_related("policy").order_by("pk"):
        try:
            replay = match_result_scenario(result)
        except ReplayUnavailable as exc:
            lost.append(exc)
            continue
        with transaction.atomic():
            if MatchResult.objects.filter(pk=result.pk, inputs__isnull=True).update(inputs=replay.scenario):
                kept.append(result.pk)
    return kept, lost
