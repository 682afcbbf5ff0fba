"""Pure e-invoice parsers: every format becomes one :class:`NormalisedInvoice`.

Nothing in this package imports Django, so it can be tested and benchmarked on its own.
"""
