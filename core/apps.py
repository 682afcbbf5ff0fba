from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: users, roles, API tokens, transition log"

    def ready(self):
        from django.db.models.signals import pre_save

        from . import metrics, observability, receivers  # noqa: F401 - connect the log and login receivers and task signals
        from .bounds import check_columns, tolerate_stored_overflow

        # no Decimal that does not fit its column is ever written (see core.bounds)
        pre_save.connect(check_columns, dispatch_uid="core.bounds.check_columns")
        # and a value stored beyond its column before that is read, not a 500 for good
        tolerate_stored_overflow()
