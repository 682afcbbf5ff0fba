"""Settlement selectors, scoped by user: matching.py, statements.py."""
