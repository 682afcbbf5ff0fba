"""Helpers of benchmarks/bench_load.py: the seed, the driver (gunicorn, wrk, Celery workers), the wrk script."""
