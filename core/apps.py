from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: users, roles, API tokens, transition log"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the transition log and login receivers
