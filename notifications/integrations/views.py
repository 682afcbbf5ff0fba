"""Integration pages: webhooks, team channels (group robots), the delivery log, the voucher export."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.errors import DomainError, PermissionDenied

from . import services, vouchers
from .models import Delivery, DeliveryState, Endpoint, EndpointKind

_PAGES = {EndpointKind.WEBHOOK: "integration-webhooks", EndpointKind.WECOM: "integration-channels"}


def _page_of(kind: str) -> str:
    return _PAGES.get(kind, "integration-channels")


def _form_values(post, endpoint: Endpoint | None) -> dict:
    return {
        "kind": post.get("kind", endpoint.kind if endpoint else ""),
        "name": post.get("name", ""),
        "url": post.get("url", ""),
        "secret": post.get("secret", ""),
        "events": post.getlist("events"),
        "language": post.get("language", "zh-hans"),
        "is_active": post.get("is_active") == "on",
    }


def _endpoints_page(request, *, robots: bool, endpoint: Endpoint | None = None):
    services.require_admin(request.user)
    values, error, status = None, "", 200
    if request.method == "POST":
        values = _form_values(request.POST, endpoint)
        if not robots and endpoint is None:
            values["kind"] = EndpointKind.WEBHOOK
        if robots and values["kind"] == EndpointKind.WEBHOOK:
            values["kind"] = ""
        try:
            saved, made = services.endpoint_save(actor=request.user, endpoint=endpoint, **values)
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, gettext("Saved: %(name)s.") % {"name": saved.name})
            if made:
                messages.warning(
                    request,
                    gettext(
                        "The signing secret of %(name)s is %(secret)s — copy it now, it is not shown again."
                    )
                    % {"name": saved.name, "secret": made},
                )
            return redirect(_page_of(saved.kind))
    kinds = [EndpointKind.WECOM, EndpointKind.DINGTALK] if robots else [EndpointKind.WEBHOOK]
    endpoints = Endpoint.objects.filter(kind__in=kinds).select_related("created_by")
    if values is None:
        values = {
            "kind": endpoint.kind if endpoint else kinds[0],
            "name": endpoint.name if endpoint else "",
            "url": endpoint.url if endpoint else "",
            "events": endpoint.events if endpoint else [],
            "language": endpoint.language if endpoint else "zh-hans",
            "is_active": endpoint.is_active if endpoint else True,
        }
    choices = services.allowed_events(endpoint.kind if endpoint else kinds[0])
    context = {
        "robots": robots,
        "endpoint": endpoint,
        "endpoints": endpoints,
        "values": values,
        "error": error,
        "event_choices": list(choices.items()),
        "kind_choices": [(k.value, k.label) for k in kinds],
        "labels": {
            **services.allowed_events(EndpointKind.WEBHOOK),
            **services.allowed_events(EndpointKind.WECOM),
        },
    }
    return render(request, "notifications/integrations/endpoints.html", context, status=status)


@login_required
def webhooks(request):
    return _endpoints_page(request, robots=False)


@login_required
def channels(request):
    return _endpoints_page(request, robots=True)


@login_required
def endpoint_edit(request, endpoint_id: int):
    services.require_admin(request.user)
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    return _endpoints_page(request, robots=endpoint.is_robot, endpoint=endpoint)


@login_required
def deliveries(request):
    services.require_admin(request.user)
    qs = Delivery.objects.select_related("endpoint", "replay_of")
    endpoint_id, state = request.GET.get("endpoint", ""), request.GET.get("state", "")
    if endpoint_id.isdigit():
        qs = qs.filter(endpoint_id=int(endpoint_id))
    if state in DeliveryState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "endpoints": Endpoint.objects.all(),
        "states": DeliveryState.choices,
        "endpoint_id": endpoint_id,
        "state": state,
        "labels": {
            **services.allowed_events(EndpointKind.WEBHOOK),
            **services.allowed_events(EndpointKind.WECOM),
        },
    }
    return render(request, "notifications/integrations/deliveries.html", context)


@login_required
@require_POST
def delivery_replay(request, delivery_id: int):
    replay = services.delivery_replay(delivery_id=delivery_id, actor=request.user)
    replay.refresh_from_db()
    if replay.state == DeliveryState.DELIVERED:
        messages.success(request, gettext("Sent again: delivered."))
    else:
        messages.warning(
            request,
            gettext("Sent again: not delivered yet (%(error)s).") % {"error": replay.last_error or "—"},
        )
    return redirect(reverse("integration-deliveries") + f"?endpoint={replay.endpoint_id}")


@login_required
def voucher_export(request):
    """Finance (and administrators): approved invoices and payments of a period as voucher lines."""
    user = request.user
    if not (user.is_finance or services.can_manage(user)):
        raise PermissionDenied(gettext("Only finance exports vouchers."))
    today = date.today()
    start = request.GET.get("from") or today.replace(day=1).isoformat()
    end = request.GET.get("to") or today.isoformat()
    error = ""
    if request.GET.get("format") == "csv":
        try:
            period = vouchers.parse_period(start, end)
        except DomainError as exc:
            error = exc.message
        else:
            return vouchers.csv_response(period)
    return render(
        request,
        "notifications/integrations/vouchers.html",
        {"start": start, "end": end, "error": error, "accounts": vouchers.accounts()},
        status=400 if error else 200,
    )
