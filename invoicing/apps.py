from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from . import checks, red_letter, tax_checks, tax_receivers, tax_views, validation, vat  # noqa: F401 - registers the words of its findings (core.texts)  # noqa: F401 - China tax steps
