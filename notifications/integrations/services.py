"""Writing integration endpoints and sending their deliveries (docs/integration.md).

A delivery is recorded in the transaction of the event that causes it (``event_emit`` from the
receivers, ``channel_notify`` from ``notifications.services.notify``) and handed to the outbox
(``core.queue.enqueue_on_commit``): it is sent after commit or not at all. A send that fails
(a network error, a non-2xx answer, a robot's errcode) is retried after a growing pause by the
retry sweep (``notifications.retry_deliveries``, every minute), up to ``len(RETRY_PAUSES) + 1``
attempts; then the delivery is failed and stays in the log, where an admin can replay it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote_plus

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import DomainError, NotFound, PermissionDenied
from core.queue import enqueue, enqueue_on_commit
from suppliers import crypto

from ..kinds import KINDS, render
from . import events as ev
from .addresses import UrlRefused, check_url, check_url_for_send, pinned_session
from .models import OPEN_STATES, ROBOT_KINDS, Delivery, DeliveryState, Endpoint, EndpointKind

# Pauses before the 2nd, 3rd, … attempt: 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h.
RETRY_PAUSES = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
# A send that started and never finished (the worker died) is tried again after this long.
SENDING_STUCK = timedelta(minutes=15)
LANGUAGES = ("zh-hans", "en")


def can_manage(user) -> bool:
    return bool(user and user.is_active and (user.is_staff or user.is_superuser))


def require_admin(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(
            gettext("Only portal administrators manage integrations."), code="not_an_admin"
        )


def _aad(endpoint: Endpoint) -> bytes:
    return f"notifications.endpoint:{int(endpoint.pk)}".encode()


def endpoint_secret(endpoint: Endpoint) -> str:
    return crypto.decrypt(endpoint.secret_encrypted, aad=_aad(endpoint)) if endpoint.secret_encrypted else ""


def allowed_events(kind: str) -> dict:
    """The codes an endpoint of ``kind`` may subscribe to, with their labels."""
    if kind == EndpointKind.WEBHOOK:
        return dict(ev.EVENTS)
    return {code: spec.label for code, spec in KINDS.items()}


def endpoint_save(
    *,
    actor,
    kind: str,
    name: str,
    url: str,
    events,
    secret: str = "",
    language: str = "zh-hans",
    is_active: bool = True,
    endpoint: Endpoint | None = None,
) -> tuple[Endpoint, str]:
    """Create (``endpoint`` None) or change an endpoint. Returns it and, when the portal made
    the webhook's secret, that secret (shown once). A blank ``secret`` keeps the stored one."""
    require_admin(actor)
    if endpoint is not None:
        kind = endpoint.kind
    if kind not in EndpointKind.values:
        raise DomainError(gettext("Choose the type of endpoint."), code="endpoint_kind_invalid")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(gettext("Enter a name of at most 100 characters."), code="endpoint_name_invalid")
    url = check_url(url)
    events = sorted(set(events or []))
    unknown = set(events) - set(allowed_events(kind))
    if unknown:
        raise DomainError(
            gettext("Unknown event: %(names)s.") % {"names": ", ".join(sorted(unknown))}, code="unknown_event"
        )
    if not events:
        raise DomainError(gettext("Choose at least one event to send."), code="no_event_chosen")
    if language not in LANGUAGES:
        raise DomainError(gettext("Choose the language of the messages."), code="language_invalid")
    secret = (secret or "").strip()
    if len(secret) > 200 or any(c.isspace() for c in secret):
        raise DomainError(
            gettext("The secret must be at most 200 characters without spaces."), code="secret_invalid"
        )
    if kind == EndpointKind.WECOM and secret:
        raise DomainError(
            gettext("A WeCom robot has no secret: its key is part of its URL."), code="secret_not_used"
        )
    made = ""
    if kind == EndpointKind.WEBHOOK and not secret and (endpoint is None or not endpoint.has_secret):
        secret = made = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        if endpoint is None:
            endpoint = Endpoint(kind=kind, created_by=actor)
        else:
            endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.name, endpoint.url, endpoint.events = name, url, events
        endpoint.language, endpoint.is_active = language, bool(is_active)
        endpoint.save()
        if secret:
            endpoint.secret_encrypted = crypto.encrypt(secret, aad=_aad(endpoint))
            endpoint.save(update_fields=["secret_encrypted"])
    return endpoint, made


# --- recording deliveries (inside the transaction of the event) ----------------------------


def _record(endpoint: Endpoint, event: str, payload: dict, **extra) -> Delivery:
    from ..tasks import send_delivery

    delivery = Delivery.objects.create(endpoint=endpoint, event=event, payload=payload, **extra)
    enqueue_on_commit(send_delivery, delivery.pk)
    return delivery


def _subscribed(kinds, code: str) -> list[Endpoint]:
    return [e for e in Endpoint.objects.filter(kind__in=kinds, is_active=True) if code in (e.events or [])]


def event_emit(*, event: str, data: dict | Callable[[], dict]) -> list[Delivery]:
    """Record ``event`` for every active webhook that wants it (call inside the transaction of
    the change). The body is made now: it says what the document was when the event happened.
    ``data`` may be a function making it, called only when some webhook wants the event."""
    if event not in ev.EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = _subscribed([EndpointKind.WEBHOOK], event)
    if endpoints and callable(data):
        data = data()
    out = []
    for endpoint in endpoints:
        delivery = Delivery(event=event)  # for its event_id
        payload = {
            "id": str(delivery.event_id),
            "type": event,
            "created_at": timezone.now().isoformat(),
            "data": data,
        }
        out.append(_record(endpoint, event, payload, event_id=delivery.event_id))
    return out


def channel_notify(*, kind: str, params: dict, url: str = "") -> list[Delivery]:
    """One group-robot message per active robot that wants notifications of ``kind``; the words
    are made when it is sent, in the robot's language."""
    return [
        _record(endpoint, kind, {"kind": kind, "params": params, "url": url})
        for endpoint in _subscribed(ROBOT_KINDS, kind)
    ]


# --- sending ------------------------------------------------------------------------------


def _request(delivery: Delivery) -> tuple[str, bytes, dict]:
    """(url, body, headers) of one delivery."""
    endpoint = delivery.endpoint
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "procurement-portal/1"}
    url = endpoint.url
    if endpoint.kind == EndpointKind.WEBHOOK:
        body = ev.body_bytes(delivery.payload)
        headers.update(
            {
                "X-Portal-Event": delivery.event,
                "X-Portal-Event-Id": str(delivery.event_id),
                "X-Portal-Delivery": str(delivery.pk),
                ev.SIGNATURE_HEADER: ev.sign(endpoint_secret(endpoint), body, int(time.time())),
            }
        )
        return url, body, headers
    payload = delivery.payload
    title, text = render(payload.get("kind", ""), payload.get("params") or {}, language=endpoint.language)
    link = f"{settings.PORTAL_BASE_URL.rstrip('/')}{payload['url']}" if payload.get("url") else ""
    from django.utils import translation

    with translation.override(endpoint.language):
        label = gettext("Open in the portal")
    build = ev.wecom_message if endpoint.kind == EndpointKind.WECOM else ev.dingtalk_message
    message = build(title=title, body=text, link=link, link_label=label)
    if endpoint.kind == EndpointKind.DINGTALK and endpoint.has_secret:
        stamp = int(time.time() * 1000)
        sign = quote_plus(ev.dingtalk_sign(endpoint_secret(endpoint), stamp))
        url += f"{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"
    return url, ev.body_bytes(message), headers


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, state__in=OPEN_STATES).update(
        state=DeliveryState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None
    )
    return Delivery.objects.select_related("endpoint").get(pk=delivery_id) if claimed else None


def delivery_send(*, delivery_id: int) -> bool:
    """Send one delivery once (a copy sent twice finds it claimed). True when delivered."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return False
    code = latency = None
    error = ""
    try:
        if not delivery.endpoint.is_active:
            raise UrlRefused(gettext("The endpoint is switched off."), code="endpoint_inactive")
        url, body, headers = _request(delivery)
        url, address = check_url_for_send(url)
        started = time.monotonic()
        with pinned_session(url, address) as session:  # connects to the address checked, not a new lookup
            answer = session.post(
                url,
                data=body,
                headers=headers,
                timeout=settings.INTEGRATIONS_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        latency = int((time.monotonic() - started) * 1000)
        code = answer.status_code
        if delivery.endpoint.is_robot:
            ok, error = ev.robot_accepted(code, answer.content[:10000])
        else:
            ok, error = 200 <= code < 300, "" if 200 <= code < 300 else f"HTTP {code}"
    except DomainError as exc:
        ok, error = False, exc.message
    except requests.RequestException as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    except crypto.DecryptionError:
        ok, error = False, gettext("The endpoint's secret cannot be decrypted with the configured keys.")
    _settle(delivery, ok=ok, code=code, latency=latency, error=error)
    return ok


def _settle(delivery: Delivery, *, ok: bool, code, latency, error: str) -> None:
    now = timezone.now()
    fields = {"response_code": code, "latency_ms": latency, "last_error": error[:500]}
    if ok:
        fields.update(state=DeliveryState.DELIVERED, delivered_at=now)
    elif delivery.attempts > len(RETRY_PAUSES):
        fields.update(state=DeliveryState.FAILED)
    else:
        pause = RETRY_PAUSES[delivery.attempts - 1]
        fields.update(state=DeliveryState.RETRYING, next_attempt_at=now + timedelta(seconds=pause))
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(**fields)


def deliveries_due(*, now=None):
    now = now or timezone.now()
    return Delivery.objects.filter(
        Q(state=DeliveryState.RETRYING, next_attempt_at__lte=now)
        | Q(state=DeliveryState.SENDING, last_attempt_at__lte=now - SENDING_STUCK)
    ).order_by("next_attempt_at", "pk")


def deliveries_retry_due(*, now=None) -> int:
    """The retry sweep: send again every delivery whose pause is over (and any send that never
    finished). Returns how many were sent."""
    from ..tasks import send_delivery

    sent = 0
    for pk in list(deliveries_due(now=now).values_list("pk", flat=True)[:500]):
        # a send that never finished becomes due again (its attempt counted)
        Delivery.objects.filter(pk=pk, state=DeliveryState.SENDING).update(state=DeliveryState.RETRYING)
        sent += enqueue(send_delivery, pk)
    return sent


def delivery_replay(*, delivery_id: int, actor) -> Delivery:
    """An admin sends a delivery again: a new delivery with the same event id and body (a
    webhook's signature and timestamp are made afresh)."""
    require_admin(actor)
    with transaction.atomic():
        original = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
        if original is None:
            raise NotFound(gettext("No such delivery."))
        if not original.endpoint.is_active:
            raise DomainError(
                gettext("The endpoint %(name)s is switched off; switch it on to replay.")
                % {"name": original.endpoint.name},
                code="endpoint_inactive",
            )
        return _record(
            original.endpoint,
            original.event,
            original.payload,
            event_id=original.event_id,
            replay_of=original,
            replayed_by=actor,
        )
