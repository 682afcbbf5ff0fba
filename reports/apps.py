from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Charts over every area: sits at the top of the dependency chain and only reads."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from . import panels  # noqa: F401 - registers the scorecard panel of the supplier page
