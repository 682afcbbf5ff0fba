from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The inbox and e-mail; at the top of the dependency chain: it listens to the others."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
        from .integrations import receivers as integration_receivers  # noqa: F401
