"""The in-process scheduler that `make run` (manage.py rundemo) uses when there is no broker."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from core.scheduler import InProcessScheduler

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "rfqs": {"task": "procurement.close_due_rfqs", "schedule": 60.0},
    "stuck": {"task": "invoicing.requeue_stuck_invoices", "schedule": 300.0},
}


def test_it_reads_the_same_schedule_as_celery_beat(tmp_path):
    scheduler = InProcessScheduler(app, settings.CELERY_BEAT_SCHEDULE, tmp_path / "state.json")
    assert {task for task, _schedule, _args in scheduler.entries.values()} >= {
        "procurement.close_due_rfqs",
        "invoicing.requeue_stuck_invoices",
        "settlement.requeue_unmatched_invoices",
        "suppliers.check_qualification_expiry",
        "contracts.check_contract_expiry",
    }


def test_a_job_that_never_ran_runs_at_once_and_then_waits_for_its_interval(tmp_path):
    out = io.StringIO()
    scheduler = InProcessScheduler(app, SCHEDULE, tmp_path / "state.json", out=out)
    assert scheduler.run_due() == ["rfqs", "stuck"]
    assert "procurement.close_due_rfqs ok []" in out.getvalue()
    assert scheduler.run_due() == []
    assert 1 <= scheduler.seconds_to_next() <= 60


def test_the_last_runs_survive_a_restart_and_an_overdue_job_runs(tmp_path):
    state = tmp_path / "state.json"
    InProcessScheduler(app, SCHEDULE, state, out=io.StringIO()).run_due()
    data = json.loads(state.read_text())
    data["stuck"] = (timezone.now() - timedelta(minutes=10)).isoformat()  # missed while stopped
    state.write_text(json.dumps(data))
    restarted = InProcessScheduler(app, SCHEDULE, state, out=io.StringIO())
    assert restarted.due() == ["stuck"]


def test_a_failing_job_is_reported_and_the_others_still_run(tmp_path, monkeypatch):
    out = io.StringIO()
    scheduler = InProcessScheduler(app, SCHEDULE, tmp_path / "state.json", out=out)

    def boom(*args, **kwargs):
        raise RuntimeError("database is on fire")

    monkeypatch.setattr(app.tasks["procurement.close_due_rfqs"], "run", boom)
    assert scheduler.run_due() == ["rfqs", "stuck"]
    assert "procurement.close_due_rfqs failed" in out.getvalue()
    assert "invoicing.requeue_stuck_invoices ok" in out.getvalue()
