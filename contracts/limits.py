"""Business bounds of contract figures (pure). The database columns hold 18 digits with 6
decimals (prices, quantities); these limits sit inside them and say what a person would call
sane, so a typo (an extra zero run, a negative) is refused with a clear message."""

from decimal import Decimal

MAX_UNIT_PRICE = Decimal("1000000000000")  # 10^12, exclusive: no unit price of a trillion
MAX_QUANTITY = Decimal("1000000000")  # 10^9, inclusive: caps and quantities
PRICE_PLACES = 6
QUANTITY_PLACES = 6
