from . import admin_matching, admin_statements  # noqa: F401
