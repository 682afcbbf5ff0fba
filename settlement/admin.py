from . import admin_matching, admin_runs, admin_statements  # noqa: F401
