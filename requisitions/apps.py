from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"
    verbose_name = "Requisitions and catalog buying"

    def ready(self):
        from contracts.items import register_item_lookup

        # a budget owner approves requisitions: core asks them for a second factor too
        from core.mfa import APPROVER_QUERIES
        from procurement import contract_caps  # noqa: F401 - PO page cap panel and submit check

        from . import (
            home,  # noqa: F401 - registers home-page panels
            receivers,  # noqa: F401 - follows RFQ awards and PO deliveries
        )
        from .item_lookup import item_facts_from_master
        from .models import CostCentre

        APPROVER_QUERIES.append(lambda user: CostCentre.objects.filter(budget_owner=user))
        # contracts may not import procurement: tell it which item codes the item master knows
        register_item_lookup(item_facts_from_master)
