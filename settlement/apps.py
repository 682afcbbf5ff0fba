from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "Settlement"

    def ready(self) -> None:
        from . import home_figures, panels_po, receivers_matching, receivers_runs, receivers_statements  # noqa: F401
