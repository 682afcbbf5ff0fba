"""Settlement services: matching (matching.py, exceptions.py), statements (statements.py, invoice_plans.py, payments.py)."""
