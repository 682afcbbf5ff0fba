"""Signal receivers of settlement (statements).

Statements need no receivers of their own: invoice plans claim invoices when the matching flow
offers them (settlement.services.matching calls invoice_plan_claim first). Importing this module
in ready() registers the home-page panels of statements.
"""

from . import home_statements  # noqa: F401 - registers the home-page and invoice-page panels
