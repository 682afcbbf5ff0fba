"""Signals that lower apps send and higher apps (notifications) listen to."""

from django.dispatch import Signal

# sent once when a document (a qualification document, a contract) is about to expire;
# kwargs: document (str), owner (str), date (date), supplier_id (int | None), users (iterable of
# users to tell besides the supplier's users), url (str)
document_expiring = Signal()
