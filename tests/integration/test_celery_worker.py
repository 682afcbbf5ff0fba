from core.tasks import healthcheck
from tests.factories import UserFactory


def test_a_real_worker_runs_a_task_against_the_same_postgresql_database(celery_worker):
    UserFactory.create_batch(3)
    result = healthcheck.apply_async(queue=celery_worker["queue"])
    assert result.get(timeout=60) == {"database": "postgresql", "users": 3}
