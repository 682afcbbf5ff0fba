from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = "Settlement"

    def ready(self) -> None:
        from . import (  # noqa: F401
            home_figures,
            panels_payment,
            panels_po,
            panels_terms,
            receivers_matching,
            receivers_runs,
            receivers_statements,
        )
