from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "Settlement"

    def ready(self) -> None:
        from . import (  # noqa: F401
            home_figures,
            panels_payment,  # noqa: F401
            panels_po,
            receivers_matching,
            receivers_runs,
            receivers_statements,
        )
