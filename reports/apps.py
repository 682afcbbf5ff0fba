from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Charts over every area: sits at the top of the dependency chain and only reads."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from core.metrics import register_scrape_collector

        from . import panels  # noqa: F401 - registers the scorecard panel of the supplier page
        from .metrics import invoices_by_state

        register_scrape_collector(invoices_by_state)
