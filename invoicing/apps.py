from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from . import checks, validation  # noqa: F401 - registers the words of its findings (core.texts)
