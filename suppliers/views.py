from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm
from django_htmx.http import HttpResponseClientRedirect

from core.documents import panels_for_document
from core.errors import DomainError, NotFound, PermissionDenied
from core.listing import Column, Filter, ListSpec, list_response
from core.selectors import transition_log_for

from . import selectors, services
from .forms import (
    BankAccountForm,
    CompanyForm,
    DocumentForm,
    InviteForm,
    ReasonForm,
    RegistrationForm,
    add_service_errors,
)
from .models import ChangeState, DocumentType, SupplierState

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
    if supplier.state == SupplierState.BLOCKED:
        return False
    if user.is_buyer or user.is_superuser:
        return True
    return selectors.supplier_id_for(user) == supplier.pk and supplier.state in services.EDITABLE_STATES


def _may_contribute(user, supplier) -> bool:
    return user.is_internal or selectors.supplier_id_for(user) == supplier.pk


def _saved(request, url: str):
    """After a successful POST: a redirect; for htmx (whose forms swap only themselves, so
    that their errors show) a full page load of ``url``, carrying the flash message."""
    if request.htmx:
        # Without the #fragment: the browser would only scroll if just the fragment differed.
        return HttpResponseClientRedirect(url.split("#", 1)[0])
    return redirect(url)


def _detail(request, supplier, *, document_form=None, bank_form=None, status=200):
    excluded = services.supplier_approval_excluded(supplier)
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
    four_eyes = "approve" in actions and request.user.pk in excluded
    if four_eyes:
        actions.remove("approve")
    changes = selectors.supplier_change_list(request.user, supplier_id=supplier.pk)
    return render(
        request,
        "suppliers/detail.html",
        {
            "supplier": supplier,
            "actions": actions,
            "four_eyes": four_eyes,
            "reason_required": services.REASON_REQUIRED,
            "history": transition_log_for(supplier),
            "panels": panels_for_document(request.user, supplier),
            "documents": selectors.qualification_document_list(request.user, supplier_id=supplier.pk),
            "document_types": DocumentType.choices,
            "document_form": document_form or DocumentForm(),
            "bank_form": bank_form
            or BankAccountForm(initial={"account_name": supplier.name, "currency": "CNY"}),
            "accounts": selectors.bank_account_list(request.user, supplier_id=supplier.pk),
            "approved_account": selectors.approved_bank_account_for_payment(supplier),
            "changes": changes,
            "pending_company_change": any(
                c.kind == "company" and c.state == ChangeState.PENDING for c in changes
            ),
            "may_edit": _may_edit(request.user, supplier),
            "may_contribute": _may_contribute(request.user, supplier),
            "may_decide_changes": request.user.is_internal,
            "is_finance": request.user.is_finance or request.user.is_superuser,
        },
        status=status,
    )


@login_required
def supplier_detail(request, supplier_id: int):
    return _detail(request, selectors.supplier_get(request.user, supplier_id))


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
        raise PermissionDenied(gettext_now("You may not change this supplier's company data now."))
    if request.method != "POST":
        form = CompanyForm(initial={f: getattr(supplier, f) for f in _COMPANY_FIELDS})
        return render(request, "suppliers/edit.html", {"supplier": supplier, "form": form})
    form = CompanyForm(request.POST)
    if form.is_valid():
        try:
            updated = services.supplier_update(supplier=supplier, actor=request.user, **form.cleaned_data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            if updated.pending_change is not None:
                messages.info(
                    request,
                    gettext_now(
                        "The new legal name or tax id waits for approval by another person; "
                        "until then the current values stay in force."
                    ),
                )
            else:
                messages.success(request, gettext_now("Company data saved."))
            return _saved(request, reverse("supplier-detail", args=[supplier.pk]))
    return render(request, "suppliers/edit.html", {"supplier": supplier, "form": form}, status=400)


@login_required
@require_POST
def document_upload(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.qualification_document_upload(
                supplier=supplier,
                doc_type=data["doc_type"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                uploaded_file=data["file"],
                actor=request.user,
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, gettext_now("Document uploaded."))
            return redirect(reverse("supplier-detail", args=[supplier.pk]) + "#documents")
    return _detail(request, supplier, document_form=form, status=400)


@login_required
def document_file(request, document_id: int):
    """Files are never public: served only to users whose selector includes the document."""
    document = selectors.qualification_document_get(request.user, document_id)
    return _private_file(document.file, document.content_type, document.original_name)


def _private_file(field_file, content_type: str, name: str) -> FileResponse:
    """A stored supplier file as a download nobody caches or sniffs."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404(gettext_now("The file is missing.")) from None
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bank_account_add(request, supplier_id: int):
    supplier = selectors.supplier_get(request.user, supplier_id)
    form = BankAccountForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        replaces_id = data.pop("replaces_id")
        replaces = selectors.bank_account_get(request.user, replaces_id) if replaces_id else None
        try:
            services.bank_account_add(supplier=supplier, replaces=replaces, actor=request.user, **data)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                gettext_now("Bank account added. Finance must approve it before it is used for payment."),
            )
            return _saved(request, reverse("supplier-detail", args=[supplier.pk]) + "#bank-accounts")
    return _detail(request, supplier, bank_form=form, status=400)


@login_required
def bank_account_list(request):
    accounts = selectors.bank_account_list(request.user)
    state = request.GET.get("state", "pending")
    if state:
        accounts = accounts.filter(state=state)
    return render(request, "suppliers/bank_accounts.html", {"accounts": accounts, "state": state})


@login_required
def bank_account_detail(request, bank_account_id: int, *, full_number: str | None = None):
    account = selectors.bank_account_get(request.user, bank_account_id)
    response = render(
        request,
        "suppliers/bank_account.html",
        {
            "account": account,
            "history": transition_log_for(account),
            "is_finance": request.user.is_finance or request.user.is_superuser,
            "entered_it": account.created_by_id == request.user.pk,
            "may_reveal": services.bank_account_may_reveal(account, request.user),
            "may_see_proof": selectors.bank_account_proof_visible(account, request.user),
            "full_number": full_number,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bank_account_reveal(request, bank_account_id: int):
    """The approval page again, with the full number shown once (and logged)."""
    account = selectors.bank_account_get(request.user, bank_account_id)
    number = services.bank_account_reveal_number(account=account, actor=request.user)
    return bank_account_detail(request, bank_account_id, full_number=number)


@login_required
def bank_account_proof(request, bank_account_id: int):
    """The supporting document, only to finance and the supplier's own users."""
    account = selectors.bank_account_get(request.user, bank_account_id)
    if not (account.proof_file and selectors.bank_account_proof_visible(account, request.user)):
        raise Http404(gettext_now("No supporting document."))
    return _private_file(account.proof_file, account.proof_content_type, account.proof_name)


@login_required
@require_POST
def bank_account_action(request, bank_account_id: int, action: str):
    account = selectors.bank_account_get(request.user, bank_account_id)
    reason = request.POST.get("reason", "")
    if action == "approve":
        services.bank_account_approve(account=account, actor=request.user, reason=reason)
        messages.success(request, gettext_now("Bank account approved for payment."))
    elif action == "reject":
        services.bank_account_reject(account=account, actor=request.user, reason=reason)
        messages.success(request, gettext_now("Bank account rejected."))
    else:
        raise DomainError(
            gettext_now("Unknown action %(action)s.") % {"action": action}, code="unknown_action"
        )
    return redirect("bank-account-detail", bank_account_id=account.pk)


@login_required
@require_POST
def supplier_change_action(request, change_id: int, action: str):
    change = selectors.supplier_change_get(request.user, change_id)
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")
    if action == "approve":
        services.supplier_change_approve(change=change, actor=request.user, reason=reason)
        messages.success(request, gettext_now("Change approved; the new values are in force."))
    elif action == "reject":
        services.supplier_change_reject(change=change, actor=request.user, reason=reason)
        messages.success(request, gettext_now("Change rejected; the previous values stay in force."))
    else:
        raise DomainError(
            gettext_now("Unknown action %(action)s.") % {"action": action}, code="unknown_action"
        )
    return redirect(reverse("supplier-detail", args=[change.supplier_id]) + "#changes")


@login_required
def supplier_invite(request):
    if not (request.user.is_buyer or request.user.is_superuser):
        raise PermissionDenied(gettext_now("Only buyers invite suppliers."))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _raw = services.supplier_invite(email=form.cleaned_data["email"], actor=request.user)
        except services.InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, gettext_now("An invitation was sent to %(sent_to)s.") % {"sent_to": invitation.email}
            )
            return _saved(request, reverse("supplier-invite"))
    status = 400 if request.method == "POST" else 200
    return render(request, "suppliers/invite.html", {"form": form}, status=status)


def invitation_accept(request, invitation_token: str):
    """Public page behind the e-mailed link: register the user and the company (a draft)."""
    from django.contrib.auth import login

    try:
        invitation = services.invitation_check(invitation_token)
    except DomainError as exc:
        return render(request, "suppliers/invitation_invalid.html", {"error": exc}, status=exc.status)
    if request.method != "POST":
        form = RegistrationForm(initial={"contact_email": invitation.email})
        return render(request, "suppliers/invitation_accept.html", {"invitation": invitation, "form": form})
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            user, supplier = services.supplier_invitation_accept(token=invitation_token, **form.cleaned_data)
        except services.InvalidInput as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            return render(request, "suppliers/invitation_invalid.html", {"error": exc}, status=exc.status)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                gettext_now("Welcome. Upload your business licence, then submit your company for approval."),
            )
            return redirect("supplier-detail", supplier_id=supplier.pk)
    return render(
        request, "suppliers/invitation_accept.html", {"invitation": invitation, "form": form}, status=400
    )
