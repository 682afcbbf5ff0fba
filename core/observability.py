"""Request ids and log context: every log line of a request, and of the tasks it causes, carries
the same ``request_id`` (and the acting ``user_id``).

- ``RequestIdMiddleware`` takes a sane incoming ``X-Request-ID`` (from the proxy) or makes one,
  keeps it for the request and returns it in the response header.
- ``ContextFilter`` adds ``request_id`` and ``user_id`` to every log record (the JSON formatter in
  settings prints them).
- Celery: a task published while a request id is current carries it in its headers; the worker
  sets it again while the task runs, so a validation task logs with the upload's request id.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun

from config.sentry import tag_request_id

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_id", default="")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        tag_request_id(rid)
        user = getattr(request, "user", None)
        tokens = (
            request_id_var.set(rid),
            user_id_var.set(str(user.pk) if user is not None and user.is_authenticated else ""),
        )
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(tokens[0])
            user_id_var.reset(tokens[1])
        response[HEADER] = rid
        return response


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs the response after the middleware has left: it passes the request.
        request = getattr(record, "request", None)
        rid = getattr(request, "request_id", "") if request is not None else ""
        user = getattr(request, "user", None) if request is not None else None
        uid = str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else ""
        record.request_id = getattr(record, "request_id", "") or rid or request_id_var.get()
        record.user_id = getattr(record, "user_id", "") or uid or user_id_var.get()
        return True


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    rid = request_id_var.get()
    if rid and headers is not None and "request_id" not in headers:
        headers["request_id"] = rid
        headers["user_id"] = user_id_var.get()


_task_tokens: dict[str, tuple] = {}


@task_prerun.connect
def _enter_task(task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return  # an eager task runs inside the request: its id is already current
    headers = getattr(request, "headers", None) or {}
    rid = getattr(request, "request_id", None) or headers.get("request_id") or ""
    if not rid:
        return
    uid = getattr(request, "user_id", None) or headers.get("user_id") or ""
    _task_tokens[task_id] = (request_id_var.set(rid), user_id_var.set(uid))
    tag_request_id(rid)


@task_postrun.connect
def _leave_task(task_id=None, **kwargs):
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        request_id_var.reset(tokens[0])
        user_id_var.reset(tokens[1])
