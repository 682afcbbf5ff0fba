from datetime import datetime
from typing import Literal

from django.utils.translation import gettext
from ninja import Router, Schema, Status

from core.errors import NotFound

from . import selectors, services

router = Router(tags=["account"])


class MeOut(Schema):
    id: int
    username: str
    role: str
    supplier_id: int | None


class TransitionLogBase(Schema):
    """A history row: codes as stored (transition, states, reason_code) and the reason in the
    caller's language (the English of a code the caller's language lacks)."""

    transition: str
    source: str
    target: str
    at: datetime
    reason: str
    reason_code: str

    @staticmethod
    def resolve_reason(obj):
        return obj.reason_text


class TokenIn(Schema):
    name: str
    scope: Literal["read", "read_write"] = "read"


class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    scope: str


class TokenCreatedOut(TokenOut):
    key: str


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    membership = getattr(user, "membership", None)
    supplier_id = membership.supplier_id if membership else None
    return {"id": user.pk, "username": user.username, "role": user.role, "supplier_id": supplier_id}


@router.get("/tokens", response=list[TokenOut])
def token_list(request):
    return selectors.api_token_list(request.auth)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request, payload: TokenIn):
    """Only from a portal session whose password was proved in the last 15 minutes (log in
    again, or confirm it on the API tokens page); a token cannot create tokens (403
    ``token_cannot_create_tokens`` / ``reauthentication_required``)."""
    token, raw = services.api_token_create_checked(
        user=request.auth,
        name=payload.name,
        scope=payload.scope,
        session=getattr(request, "session", None),
        via_token=getattr(request, "api_token", None),
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "key": raw})


@router.delete("/tokens/{int:token_id}", response=TokenOut)
def token_revoke(request, token_id: int):
    token = selectors.api_token_list(request.auth).filter(pk=token_id).first()
    if token is None:
        raise NotFound(gettext("Token %(token_id)s not found.") % {"token_id": token_id})
    return services.api_token_revoke(token=token, actor=request.auth)
