from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.services import user_language_set

from . import selectors, services


@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.notification_list(request.user, unread_only=unread_only), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def open_notification(request, notification_id: int):
    note = services.notification_mark_read(notification_id=notification_id, actor=request.user)
    safe = note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()})
    return redirect(note.url if safe else "notification-inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(actor=request.user)
    return redirect("notification-inbox")


@login_required
def preferences(request):
    error = ""
    if request.method == "POST":
        try:
            with transaction.atomic():
                if "language" in request.POST:
                    user_language_set(actor=request.user, language=request.POST["language"])
                services.email_preferences_set(actor=request.user, email_kinds=request.POST.getlist("email"))
        except DomainError as exc:
            error = exc.message
            request.user.refresh_from_db(fields=["language"])  # nothing changed
        else:
            return redirect("notification-preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "kinds": selectors.email_preferences(request.user),
            "has_email": bool(request.user.email),
            "languages": settings.LANGUAGES,
            "language": request.user.language,
            "error": error,
        },
        status=400 if error else 200,
    )
