from ninja import Router, Schema

from . import selectors

router = Router(tags=["master data"])


class LegalEntityOut(Schema):
    id: int
    name: str
    tax_id: str
    default_currency: str


class ItemOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    default_tax_rate: str
    category: str
    is_service: bool


@router.get("/legal-entities", response=list[LegalEntityOut])
def legal_entity_list(request):
    return selectors.legal_entity_list(request.auth)


@router.get("/items", response=list[ItemOut])
def item_list(request):
    return selectors.item_list(request.auth)


@router.get("/items/{int:item_id}", response=ItemOut)
def item_detail(request, item_id: int):
    return selectors.item_get(request.auth, item_id)
