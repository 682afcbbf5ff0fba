"""A real worker's PostgreSQL connections between tasks, in each mode the settings offer
(config/settings/base.py, docs/operations.md): per task (DB_CONN_MAX_AGE=0, a new backend each
time), persistent (DB_CONN_MAX_AGE, one backend reused) and pooled (DB_POOL=1, backends from a
small pool). A backend killed between tasks is noticed before use: the next task gets a new one."""

import uuid

import psycopg
import pytest
from django.db import connection

from tests.reliability.conftest import celery_on

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def terminate(pid: int) -> None:
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        dbname=s["NAME"],
        autocommit=True,
    ) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


@pytest.mark.parametrize(
    ("environment", "most_backends"),
    [
        ({"DB_CONN_MAX_AGE": "0", "DB_POOL": "0"}, None),  # one per task: today's per-request way
        ({"DB_CONN_MAX_AGE": "600", "DB_POOL": "0"}, 1),
        ({"DB_POOL": "1", "DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "2"}, 2),
    ],
    ids=["per-task", "persistent", "pooled"],
)
def test_a_worker_keeps_or_pools_its_connection_and_replaces_a_dead_one(
    start_worker, private_redis, monkeypatch, environment, most_backends
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    queue = f"conn-{uuid.uuid4().hex[:8]}"
    with celery_on(private_redis.url, queue) as app:
        start_worker(private_redis.url, queue)

        def pids(n):
            return [app.send_task("reliability.backend_pid", queue=queue).get(timeout=60) for _ in range(n)]

        first = pids(6)
        if most_backends is None:
            assert len(set(first)) == 6
            return
        assert len(set(first)) <= most_backends
        terminate(first[-1])
        after = pids(2)  # no task fails: the dead connection is found out before it is used
        assert first[-1] not in after
