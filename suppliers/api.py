from datetime import date, datetime

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from core.api import TransitionLogBase
from core.errors import PermissionDenied
from core.pagination import PageIn, paginate
from core.selectors import transition_log_for

from . import selectors, services

router = Router(tags=["suppliers"])


class SupplierOut(Schema):
    id: int
    name: str
    tax_id: str
    state: str
    created_at: datetime


class SupplierIn(Schema):
    name: str
    tax_id: str
    address: str = ""
    contact_email: str = ""
    contact_name: str = ""
    contact_phone: str = ""


class ChangeOut(Schema):
    id: int
    supplier_id: int
    kind: str
    before: dict
    after: dict
    state: str
    bank_account_id: int | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str

    @staticmethod
    def resolve_requested_by(obj):
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.username if obj.decided_by else None


class SupplierUpdatedOut(SupplierOut):
    """The supplier as it now is; a new legal name / tax id waits in ``pending_change``."""

    pending_change: ChangeOut | None = None


class InvitationIn(Schema):
    email: str


class InvitationOut(Schema):
    id: int
    email: str
    expires_at: datetime


class InvitationAcceptIn(SupplierIn):
    token: str
    username: str
    password: str


class RegisteredOut(Schema):
    user_id: int
    username: str
    supplier: SupplierOut


class DocumentOut(Schema):
    id: int
    supplier_id: int
    doc_type: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    issued_on: date | None
    expires_on: date | None
    uploaded_at: datetime


class BankAccountIn(Schema):
    bank_name: str
    account_name: str
    account_number: str
    currency: str = "CNY"  # checked by the service (core.bounds.currency), shown with the other field errors
    replaces_id: int | None = None


class BankAccountOut(Schema):
    id: int
    supplier_id: int
    bank_name: str
    account_name: str
    account_number_masked: str
    currency: str
    state: str
    created_at: datetime
    replaces_id: int | None

    @staticmethod
    def resolve_account_number_masked(obj):
        return obj.masked_number


class TransitionIn(Schema):
    reason: str = ""


class TransitionLogOut(TransitionLogBase):
    actor: str | None

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None


@router.get("/", response=list[SupplierOut])
def supplier_list(request, response: HttpResponse, page: Query[PageIn]):
    """Suppliers by cursor, newest first by default (``Link`` / ``X-Next-Cursor``; docs/integration.md)."""
    return paginate(request, response, selectors.supplier_list(request.auth), page, scope="suppliers")


@router.post("/", response={201: SupplierOut})
def supplier_create(request, payload: SupplierIn):
    if not request.auth.is_buyer:
        raise PermissionDenied(gettext("Only buyers create suppliers."))
    return Status(201, services.supplier_create(actor=request.auth, **payload.dict()))


@router.post("/invitations", response={201: InvitationOut})
def invitation_create(request, payload: InvitationIn):
    invitation, _raw = services.supplier_invite(
        email=payload.email,
        actor=request.auth,
    )
    return Status(201, invitation)


@router.post("/invitations/accept", response={201: RegisteredOut}, auth=None)
def invitation_accept(request, payload: InvitationAcceptIn):
    """Public: the invited supplier's user registers with the token from the e-mail."""
    data = payload.dict()
    user, supplier = services.supplier_invitation_accept(**data)
    return Status(201, {"user_id": user.pk, "username": user.username, "supplier": supplier})


@router.get("/bank-accounts", response=list[BankAccountOut])
def bank_account_list(request, state: str | None = None):
    qs = selectors.bank_account_list(request.auth)
    return qs.filter(state=state) if state else qs


@router.get("/bank-accounts/{int:bank_account_id}", response=BankAccountOut)
def bank_account_detail(request, bank_account_id: int):
    return selectors.bank_account_get(request.auth, bank_account_id)


@router.get("/bank-accounts/{int:bank_account_id}/history", response=list[TransitionLogOut])
def bank_account_history(request, bank_account_id: int):
    return transition_log_for(selectors.bank_account_get(request.auth, bank_account_id))


@router.post("/bank-accounts/{int:bank_account_id}/approve", response=BankAccountOut)
def bank_account_approve(request, bank_account_id: int, payload: TransitionIn):
    account = selectors.bank_account_get(request.auth, bank_account_id)
    return services.bank_account_approve(account=account, actor=request.auth, reason=payload.reason)


@router.post("/bank-accounts/{int:bank_account_id}/reject", response=BankAccountOut)
def bank_account_reject(request, bank_account_id: int, payload: TransitionIn):
    account = selectors.bank_account_get(request.auth, bank_account_id)
    return services.bank_account_reject(account=account, actor=request.auth, reason=payload.reason)


@router.get("/documents/{int:document_id}", response=DocumentOut)
def document_detail(request, document_id: int):
    return selectors.qualification_document_get(request.auth, document_id)


@router.get("/documents/{int:document_id}/file")
def document_file(request, document_id: int):
    document = selectors.qualification_document_get(request.auth, document_id)
    return _file_response(document)


def _file_response(document):
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{int:supplier_id}", response=SupplierOut)
def supplier_detail(request, supplier_id: int):
    return selectors.supplier_get(request.auth, supplier_id)


@router.get("/{int:supplier_id}/history", response=list[TransitionLogOut])
def supplier_history(request, supplier_id: int):
    return transition_log_for(selectors.supplier_get(request.auth, supplier_id))


@router.put("/{int:supplier_id}", response=SupplierUpdatedOut)
def supplier_update(request, supplier_id: int, payload: SupplierIn):
    """Company data. Once the supplier has left the draft state a new legal name or tax id is
    not applied: it becomes ``pending_change`` until another internal user approves it."""
    supplier = selectors.supplier_get(request.auth, supplier_id)
    updated = services.supplier_update(supplier=supplier, actor=request.auth, **payload.dict())
    updated.pending_change = getattr(updated, "pending_change", None)
    return updated


@router.get("/{int:supplier_id}/changes", response=list[ChangeOut])
def supplier_change_list(request, supplier_id: int):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return selectors.supplier_change_list(request.auth, supplier_id=supplier.pk)


@router.post("/changes/{int:change_id}/approve", response=ChangeOut)
def supplier_change_approve(request, change_id: int, payload: TransitionIn):
    change = selectors.supplier_change_get(request.auth, change_id)
    return services.supplier_change_approve(change=change, actor=request.auth, reason=payload.reason)


@router.post("/changes/{int:change_id}/reject", response=ChangeOut)
def supplier_change_reject(request, change_id: int, payload: TransitionIn):
    change = selectors.supplier_change_get(request.auth, change_id)
    return services.supplier_change_reject(change=change, actor=request.auth, reason=payload.reason)


@router.get("/{int:supplier_id}/documents", response=list[DocumentOut])
def document_list(request, supplier_id: int):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return selectors.qualification_document_list(request.auth, supplier_id=supplier.pk)


@router.post("/{int:supplier_id}/documents", response={201: DocumentOut})
def document_upload(
    request,
    supplier_id: int,
    doc_type: Form[str],
    file: File[UploadedFile],
    expires_on: Form[date | None] = None,
    issued_on: Form[date | None] = None,
):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    document = services.qualification_document_upload(
        supplier=supplier,
        doc_type=doc_type,
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_file=file,
        actor=request.auth,
    )
    return Status(201, document)


@router.get("/{int:supplier_id}/bank-accounts", response=list[BankAccountOut])
def supplier_bank_account_list(request, supplier_id: int):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return selectors.bank_account_list(request.auth, supplier_id=supplier.pk)


@router.post("/{int:supplier_id}/bank-accounts", response={201: BankAccountOut})
def bank_account_add(request, supplier_id: int, payload: BankAccountIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    data = payload.dict()
    replaces_id = data.pop("replaces_id")
    replaces = selectors.bank_account_get(request.auth, replaces_id) if replaces_id else None
    account = services.bank_account_add(supplier=supplier, actor=request.auth, replaces=replaces, **data)
    return Status(201, account)


@router.post("/{int:supplier_id}/{action}", response=SupplierOut)
def supplier_action(request, supplier_id: int, action: str, payload: TransitionIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return services.supplier_transition(
        supplier=supplier, name=action, actor=request.auth, reason=payload.reason
    )
