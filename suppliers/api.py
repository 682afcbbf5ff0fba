from datetime import datetime

from ninja import Router, Schema, Status

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


class TransitionIn(Schema):
    reason: str = ""


class TransitionLogOut(Schema):
    transition: str
    source: str
    target: str
    actor: str | None
    at: datetime
    reason: str

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor else None


@router.get("/", response=list[SupplierOut])
def supplier_list(request):
    return selectors.supplier_list(request.auth)


@router.post("/", response={201: SupplierOut})
def supplier_create(request, payload: SupplierIn):
    from core.errors import PermissionDenied

    if not request.auth.is_buyer:
        raise PermissionDenied("Only buyers create suppliers.")
    return Status(201, services.supplier_create(actor=request.auth, **payload.dict()))


@router.get("/{int:supplier_id}", response=SupplierOut)
def supplier_detail(request, supplier_id: int):
    return selectors.supplier_get(request.auth, supplier_id)


@router.get("/{int:supplier_id}/history", response=list[TransitionLogOut])
def supplier_history(request, supplier_id: int):
    return transition_log_for(selectors.supplier_get(request.auth, supplier_id))


@router.post("/{int:supplier_id}/{action}", response=SupplierOut)
def supplier_action(request, supplier_id: int, action: str, payload: TransitionIn):
    supplier = selectors.supplier_get(request.auth, supplier_id)
    return services.supplier_transition(
        supplier=supplier, name=action, actor=request.auth, reason=payload.reason
    )
