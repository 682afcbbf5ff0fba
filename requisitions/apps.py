from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"
    verbose_name = "Requisitions and catalog buying"

    def ready(self):
        from . import (
            home,  # noqa: F401 - registers home-page panels
            receivers,  # noqa: F401 - follows RFQ awards and PO deliveries
        )
