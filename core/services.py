"""Writes shared by every app: running a state transition, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from .errors import IllegalTransition, NotFound, PermissionDenied
from .models import ApiToken, User

TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how fresh ApiToken.last_used_at is kept


def run_transition(
    instance: models.Model, name: str, *, actor: User | None, reason: str = "", **kwargs
) -> models.Model:
    """Lock the row, check the transition is allowed for ``actor``, run it, save it.

    Returns the fresh, saved instance. Raises IllegalTransition (409) or PermissionDenied
    (403) with a plain message; nothing changes in that case. Must be called inside the
    caller's ``transaction.atomic()`` or opens its own.
    """
    model = type(instance)
    with transaction.atomic():
        obj = model._default_manager.select_for_update().filter(pk=instance.pk).first()
        if obj is None:
            raise NotFound(f"{model._meta.verbose_name} {instance.pk} does not exist.")
        method = getattr(obj, name, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise IllegalTransition(f"{model._meta.verbose_name} has no action {name!r}.")
        state_field = method._django_fsm.field
        state = getattr(obj, state_field if isinstance(state_field, str) else state_field.name)
        if not can_proceed(method, check_conditions=False):
            raise IllegalTransition(
                f"Cannot {name.replace('_', ' ')} a {model._meta.verbose_name} that is {state}.",
                details={"state": state, "transition": name},
            )
        if actor is not None and not has_transition_perm(method, actor):
            raise PermissionDenied(
                f"You are not allowed to {name.replace('_', ' ')} this {model._meta.verbose_name}."
            )
        if not can_proceed(method):
            raise IllegalTransition(
                f"The conditions to {name.replace('_', ' ')} this {model._meta.verbose_name} are not met.",
                code="transition_condition_failed",
                details={"state": state, "transition": name},
            )
        transition_locked(obj, name, actor=actor, reason=reason, **kwargs)
    return obj


def transition_locked(
    obj: models.Model, name: str, *, actor: User | None = None, reason: str = "", **kwargs
) -> None:
    """Run transition ``name`` on a row the caller has already locked (select_for_update) and
    save it. For system steps inside a larger service (e.g. validation); no role check."""
    try:
        getattr(obj, name)(by=actor, reason=reason, **kwargs)
    except TransitionNotAllowed as exc:
        raise IllegalTransition(str(exc)) from None
    obj.save()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and never stored."""
    raw = ApiToken.new_raw_key()
    days = settings.API_TOKEN_LIFETIME_DAYS
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_prefix=raw[:10],
        key_hash=ApiToken.hash(raw),
        expires_at=timezone.now() + timedelta(days=days) if days > 0 else None,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_staff:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> User | None:
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        # one write a minute per token at most, not one per request
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
