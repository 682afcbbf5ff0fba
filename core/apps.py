from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: users, roles, API tokens, transition log"

    def ready(self):
        from . import metrics, observability, receivers  # noqa: F401 - connect the log receiver and task signals
