"""Due dates from payment terms: pure arithmetic, no database.

* ``invoice_date`` basis: due ``days`` after the document date (net 60 = 60 days after it);
* ``end_of_month`` basis (月结): due ``days`` after the last day of the document's month
  (月结 30 天 for an invoice of 10 March = 30 April);
* an early-payment discount (``discount_percent`` within ``discount_days``) is counted from the
  document date: 2/10 net 30 = 2 % off when paid within 10 days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

INVOICE_DATE = "invoice_date"
END_OF_MONTH = "end_of_month"


@dataclass(frozen=True)
class Terms:
    basis: str
    days: int
    discount_percent: Decimal = Decimal("0")
    discount_days: int | None = None


@dataclass(frozen=True)
class Due:
    due_date: date
    discount_until: date | None
    discount_percent: Decimal


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due(terms: Terms, document_date: date) -> Due:
    start = end_of_month(document_date) if terms.basis == END_OF_MONTH else document_date
    discount_until = None
    percent = Decimal(terms.discount_percent or 0)
    if percent > 0 and terms.discount_days is not None:
        discount_until = document_date + timedelta(days=terms.discount_days)
    return Due(
        start + timedelta(days=terms.days), discount_until, percent if discount_until else Decimal("0")
    )


def discount_amount(amount: Decimal, percent: Decimal) -> Decimal:
    return (amount * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
