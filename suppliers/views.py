from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from core.documents import panels_for_document
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for

from . import selectors, services
from .models import DocumentType, SupplierState

SUPPLIER_LIST = ListSpec(
    columns=(
        Column(
            "name",
            _("Name"),
            lambda s: s.name,
            sort="name",
            link=lambda s: reverse("supplier-detail", args=[s.pk]),
        ),
        Column("tax_id", _("Tax id"), lambda s: s.tax_id, sort="tax_id"),
        Column("contact", _("Contact e-mail"), lambda s: s.contact_email),
        Column("state", _("State"), lambda s: s.get_state_display(), sort="state"),
    ),
    filters=(
        Filter("q", _("Search"), "search", ("name", "tax_id")),
        Filter("state", _("State"), "choice", ("state",), choices=tuple(SupplierState.choices)),
    ),
    default_sort="name",
    csv_name="suppliers",
)


@login_required
def supplier_list(request):
    suppliers = selectors.supplier_list(request.user)
    return list_response(request, suppliers, SUPPLIER_LIST, "suppliers/list.html")


def _may_edit(user, supplier) -> bool:
    if user.is_buyer or user.is_superuser:
        return True
    return selectors.supplier_id_for(user) == supplier.pk and supplier.state in services.EDITABLE_STATES


def _may_contribute(user, supplier) -> bool:
    return user.is_internal or selectors.supplier_id_for(user) == supplier.pk


@login_required
def supplier_detail(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    actions = [
        t.name
        for t in supplier.get_available_state_transitions()
        if has_transition_perm(getattr(supplier, t.name), request.user)
        and (
            t.name != "submit"
            or request.user.is_internal
            or selectors.supplier_id_for(request.user) == supplier.pk
        )
    ]
    accounts = selectors.bank_account_list(request.user, supplier_id=supplier.pk)
    return render(
        request,
        "suppliers/detail.html",
        {
            "supplier": supplier,
            "actions": actions,
            "reason_required": services.REASON_REQUIRED,
            "history": transition_log_for(supplier),
            "panels": panels_for_document(request.user, supplier),
            "documents": selectors.qualification_document_list(request.user, supplier_id=supplier.pk),
            "document_types": DocumentType.choices,
            "accounts": accounts,
            "approved_account": selectors.approved_bank_account_for_payment(supplier),
            "may_edit": _may_edit(request.user, supplier),
            "may_contribute": _may_contribute(request.user, supplier),
            "is_finance": request.user.is_finance or request.user.is_superuser,
        },
    )


@login_required
@require_POST
def supplier_action(request, supplier_id: int, action: str):
    supplier = selectors.supplier_get(request.user, supplier_id)
    services.supplier_transition(
        supplier=supplier, name=action, actor=request.user, reason=request.POST.get("reason", "")
    )
    return redirect("supplier-detail", supplier_id=supplier.pk)


_COMPANY_FIELDS = ("name", "tax_id", "address", "contact_name", "contact_email", "contact_phone")


@login_required
def supplier_edit(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    if not _may_edit(request.user, supplier):
        raise PermissionDenied("You may not change this supplier's company data now.")
    error = None
    if request.method == "POST":
        data = {f: request.POST.get(f, "") for f in _COMPANY_FIELDS}
        try:
            services.supplier_update(supplier=supplier, actor=request.user, **data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            error = exc
            for f, v in data.items():
                setattr(supplier, f, v)
        else:
            return redirect("supplier-detail", supplier_id=supplier.pk)
    return render(
        request, "suppliers/edit.html", {"supplier": supplier, "error": error}, status=400 if error else 200
    )


@login_required
@require_POST
def document_upload(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError("Choose a file to upload.", code="file_required")
    raw_expiry = request.POST.get("expires_on") or ""
    try:
        expires_on = date.fromisoformat(raw_expiry) if raw_expiry else None
    except ValueError:
        raise DomainError("The expiry date is not a date.", code="invalid_date") from None
    services.qualification_document_upload(
        supplier=supplier,
        doc_type=request.POST.get("doc_type", ""),
        expires_on=expires_on,
        uploaded_file=upload,
        actor=request.user,
    )
    return redirect(reverse("supplier-detail", args=[supplier.pk]) + "#documents")


@login_required
def document_file(request, document_id: int):
    """Files are never public: served only to users whose selector includes the document."""
    document = selectors.qualification_document_get(request.user, document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle, content_type=document.content_type, as_attachment=True, filename=document.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bank_account_add(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    replaces_id = request.POST.get("replaces_id")
    replaces = selectors.bank_account_get(request.user, int(replaces_id)) if replaces_id else None
    services.bank_account_add(
        supplier=supplier,
        bank_name=request.POST.get("bank_name", ""),
        account_name=request.POST.get("account_name", ""),
        account_number=request.POST.get("account_number", ""),
        currency=request.POST.get("currency", "CNY"),
        replaces=replaces,
        actor=request.user,
    )
    return redirect(reverse("supplier-detail", args=[supplier.pk]) + "#bank-accounts")


@login_required
def bank_account_list(request):
    accounts = selectors.bank_account_list(request.user)
    state = request.GET.get("state", "pending")
    if state:
        accounts = accounts.filter(state=state)
    return render(request, "suppliers/bank_accounts.html", {"accounts": accounts, "state": state})


@login_required
def bank_account_detail(request, bank_account_id: int):
    account = selectors.bank_account_get(request.user, bank_account_id)
    return render(
        request,
        "suppliers/bank_account.html",
        {
            "account": account,
            "history": transition_log_for(account),
            "is_finance": request.user.is_finance or request.user.is_superuser,
        },
    )


@login_required
@require_POST
def bank_account_action(request, bank_account_id: int, action: str):
    account = selectors.bank_account_get(request.user, bank_account_id)
    reason = request.POST.get("reason", "")
    if action == "approve":
        services.bank_account_approve(account=account, actor=request.user, reason=reason)
    elif action == "reject":
        services.bank_account_reject(account=account, actor=request.user, reason=reason)
    else:
        raise DomainError(f"Unknown bank account action {action!r}.", code="unknown_action")
    return redirect("bank-account-detail", bank_account_id=account.pk)


@login_required
def supplier_invite(request):
    if not (request.user.is_buyer or request.user.is_superuser):
        raise PermissionDenied("Only buyers invite suppliers.")
    sent_to = None
    if request.method == "POST":
        invitation, _raw = services.supplier_invite(
            email=request.POST.get("email", ""),
            actor=request.user,
            accept_url_template=request.build_absolute_uri("/suppliers/invitations/{token}/"),
        )
        sent_to = invitation.email
    return render(request, "suppliers/invite.html", {"sent_to": sent_to})


def invitation_accept(request, invitation_token: str):
    """Public page behind the e-mailed link: register the user and the company (a draft)."""
    from django.contrib.auth import login

    try:
        invitation = services.invitation_check(invitation_token)
    except DomainError as exc:
        return render(request, "suppliers/invitation_invalid.html", {"error": exc}, status=exc.status)
    error = None
    values = {"contact_email": invitation.email}
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in (*_COMPANY_FIELDS, "username")}
        try:
            user, supplier = services.supplier_invitation_accept(
                token=invitation_token, password=request.POST.get("password", ""), **values
            )
        except DomainError as exc:
            error = exc
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("supplier-detail", supplier_id=supplier.pk)
    return render(
        request,
        "suppliers/invitation_accept.html",
        {"invitation": invitation, "token": invitation_token, "error": error, "values": values},
        status=400 if error else 200,
    )
