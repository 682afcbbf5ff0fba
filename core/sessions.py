"""Sessions that end after SESSION_COOKIE_AGE of inactivity without a database write per request.

Django's ``SESSION_SAVE_EVERY_REQUEST`` pushes a session's end on by writing it (an UPDATE of
``django_session`` and a commit) on every request. Here a session is written when it changed, or
when the end it would get now lies more than ``SESSION_REFRESH_SECONDS`` (60) past the end it has:
at most one write a minute per session, and a session left alone still ends SESSION_COOKIE_AGE
after its last write, i.e. between SESSION_COOKIE_AGE − SESSION_REFRESH_SECONDS and
SESSION_COOKIE_AGE after its last request (the cookie is sent again with each write, so it ends
with the stored session).

- ``SessionStore`` (``SESSION_ENGINE = "core.sessions"``): the database store, remembering the end
  the stored session has.
- ``IdleSessionMiddleware``: Django's session middleware, marking a session for writing when its
  end is due to move.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware


class SessionStore(db.SessionStore):
    stored_expiry = None  # the expire_date of the row loaded (None: not loaded, or no such row)

    def _get_session_from_db(self):
        found = super()._get_session_from_db()
        self.stored_expiry = found.expire_date if found is not None else None
        return found

    async def _aget_session_from_db(self):
        found = await super()._aget_session_from_db()
        self.stored_expiry = found.expire_date if found is not None else None
        return found


def refresh_due(session) -> bool:
    """Whether a stored session's end would move by more than SESSION_REFRESH_SECONDS if it were
    written now (a session this request did not read is read first, as Django's save would)."""
    if session.modified or not getattr(session, "session_key", None):
        return False
    if session.get_expire_at_browser_close():
        return False
    accessed = session.accessed  # reading it here must not add "Vary: Cookie" to the response
    try:
        session._get_session()  # loads it (and its stored end) when nothing in the request did
        stored = getattr(session, "stored_expiry", None)
        if stored is None or session.is_empty():
            return False
        moved = session.get_expiry_date() - stored
    finally:
        session.accessed = accessed
    return moved > timedelta(seconds=settings.SESSION_REFRESH_SECONDS)


class IdleSessionMiddleware(SessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not settings.SESSION_SAVE_EVERY_REQUEST and refresh_due(session):
            session.modified = True
        return super().process_response(request, response)
