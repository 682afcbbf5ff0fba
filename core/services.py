"""Writes shared by every app: running a state transition, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from .errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from .models import ApiToken, ApiTokenScope, User

TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how fresh ApiToken.last_used_at is kept
REAUTH_WINDOW = timedelta(minutes=15)  # how recent a password proof must be to create a token
SESSION_AUTH_AT = "portal_auth_at"  # session key: when its user last proved their password


def _words(model, name: str, state: str) -> dict:
    """The parameters of a refused transition's message: the action (as a verb, and as its display
    name in a history) and the state's display name, in the active language."""
    from .history import state_label, transition_label, transition_verb

    return {
        "action": transition_verb(name),
        "action_label": transition_label(name),
        "verbose_name": model._meta.verbose_name,
        "state": state_label(model, state),
    }


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
            raise NotFound(
                _("%(verbose_name)s %(pk)s does not exist.")
                % {"verbose_name": model._meta.verbose_name, "pk": instance.pk}
            )
        method = getattr(obj, name, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise IllegalTransition(
                _("%(verbose_name)s has no action %(name)s.")
                % {"verbose_name": model._meta.verbose_name, "name": repr(name)}
            )
        state_field = method._django_fsm.field
        state = getattr(obj, state_field if isinstance(state_field, str) else state_field.name)
        if not can_proceed(method, check_conditions=False):
            raise IllegalTransition(
                # Translators: %(action)s is the action as a verb ("submit"), %(state)s the state's display
                # name.
                _("Cannot %(action)s a %(verbose_name)s that is %(state)s.") % _words(model, name, state),
                details={"state": state, "transition": name},
            )
        if actor is not None and not has_transition_perm(method, actor):
            raise PermissionDenied(
                # Translators: %(action)s is the action as a verb ("submit").
                _("You are not allowed to %(action)s this %(verbose_name)s.") % _words(model, name, state)
            )
        if not can_proceed(method):
            raise IllegalTransition(
                # Translators: %(action)s is the action as a verb ("submit").
                _("The conditions to %(action)s this %(verbose_name)s are not met.")
                % _words(model, name, state),
                code="transition_condition_failed",
                details={"state": state, "transition": name},
            )
        transition_locked(obj, name, actor=actor, reason=reason, **kwargs)
    return obj


def document_event_log(document: models.Model, name: str, *, actor, reason="") -> None:
    """A row in a document's history for a step that does not change its state (its label is in
    core.history). A ``core.texts.Text`` reason is kept as its code and parameters (read in the
    reader's language), like a transition's."""
    from django.contrib.contenttypes.models import ContentType

    from .models import TransitionLog
    from .texts import Text

    state = getattr(document, "state", "")
    code, params = "", {}
    if isinstance(reason, Text):
        code, params, reason = reason.code, reason.as_json()["params"], reason.english()
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(document),
        object_id=str(document.pk),
        transition=name,
        source=state,
        target=state,
        actor=actor,
        reason=(reason or "")[:1000],
        reason_code=code,
        reason_params=params,
    )


def transition_locked(
    obj: models.Model, name: str, *, actor: User | None = None, reason: str = "", save: bool = True, **kwargs
) -> None:
    """Run transition ``name`` on a row the caller has already locked (select_for_update) and
    save it. For system steps inside a larger service (e.g. validation); no role check.
    ``save=False``: the step is logged now and the row written by the service's next save, in the
    same transaction (two steps, one UPDATE and one history row)."""
    try:
        getattr(obj, name)(by=actor, reason=reason, **kwargs)
    except TransitionNotAllowed as exc:
        raise IllegalTransition(str(exc)) from None
    if save:
        obj.save()


def api_token_create(
    *, user: User, name: str, scope: str = ApiTokenScope.READ_WRITE, parent: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the raw key is returned once and never stored. People and programs come
    through :func:`api_token_create_checked`; this is the bare write (tests, seed data)."""
    if scope not in ApiTokenScope.values:
        raise DomainError(
            _("Unknown token scope %(scope)s.") % {"scope": repr(scope)}, code="invalid_token_scope"
        )
    raw = ApiToken.new_raw_key()
    days = settings.API_TOKEN_LIFETIME_DAYS
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_prefix=raw[:10],
        key_hash=ApiToken.hash(raw),
        expires_at=timezone.now() + timedelta(days=days) if days > 0 else None,
        scope=scope,
        parent=parent,
    )
    return token, raw


def recently_authenticated(session) -> bool:
    """True when this session's user proved their password less than REAUTH_WINDOW ago (at
    login or by confirming it again)."""
    at = session.get(SESSION_AUTH_AT) if session is not None else None
    if not isinstance(at, (int, float)):
        return False
    return 0 <= timezone.now().timestamp() - at < REAUTH_WINDOW.total_seconds()


def mark_authenticated(session) -> None:
    """Record in the session that its user has just proved their password."""
    session[SESSION_AUTH_AT] = timezone.now().timestamp()


def api_token_create_checked(
    *, user: User, name: str, scope: str, session=None, via_token: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """A token made by a person: only from a portal session whose password was proved in the
    last REAUTH_WINDOW, never by another token (a stolen token cannot make itself a successor
    that survives its revocation)."""
    if via_token is not None:
        raise PermissionDenied(
            _("An API token cannot create API tokens; create them on the portal's API tokens page."),
            code="token_cannot_create_tokens",
        )
    if not recently_authenticated(session):
        raise PermissionDenied(
            _("Confirm your password to create an API token."), code="reauthentication_required"
        )
    token, raw = api_token_create(user=user, name=(name or "").strip() or "API token", scope=scope)
    from .audit import security_event_record
    from .models import SecurityEventKind

    security_event_record(
        kind=SecurityEventKind.TOKEN_CREATED, user=user, actor=user, token=token.key_prefix, scope=scope
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke the token and every token it made (and so on down)."""
    if token.user_id != actor.pk and not actor.is_staff:
        raise NotFound(_("No such token."))
    now = timezone.now()
    with transaction.atomic():
        ids, frontier = {token.pk}, [token.pk]
        while frontier:
            frontier = list(
                ApiToken.objects.filter(parent_id__in=frontier)
                .exclude(pk__in=ids)
                .values_list("pk", flat=True)
            )
            ids.update(frontier)
        revoked = list(
            ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True).values_list("key_prefix", flat=True)
        )
        ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=now)
        if revoked:
            from .audit import security_event_record
            from .models import SecurityEventKind

            security_event_record(
                kind=SecurityEventKind.TOKEN_REVOKED, user=token.user, actor=actor, tokens=revoked
            )
    token.refresh_from_db()
    return token


def api_token_authenticate(raw: str) -> User | None:
    token = api_token_resolve(raw)
    return token.user if token is not None else None


def api_token_resolve(raw: str) -> ApiToken | None:
    """The live token (with its user) for a raw key, else None; notes its use."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        # one write a minute per token at most, not one per request
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def password_confirm(*, request, password: str) -> bool:
    """The session's user typed their password again: True (and the session's proof renewed)
    when it is right. Wrong ones count toward the login lockout (django-axes' backend)."""
    from django.contrib.auth import authenticate

    if not password or authenticate(request, username=request.user.get_username(), password=password) is None:
        return False
    mark_authenticated(request.session)
    return True


# --- two-factor authentication (core.mfa decides who needs it) ---------------------------------


def mfa_mark_verified(*, request, device, method: str = "") -> None:
    """The session proved its second factor with ``device`` (``method``: "backup" for a backup
    code, noted on the audit row)."""
    import django_otp

    from .audit import security_event_record
    from .models import SecurityEventKind

    django_otp.login(request, device)
    security_event_record(
        kind=SecurityEventKind.MFA_VERIFIED, user=request.user, request=request, method=method
    )


def mfa_device_pending(*, user: User):
    """The authenticator being enrolled (unconfirmed), made on first call: its secret is shown as
    a QR code until a code from it is typed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def mfa_enable(*, request, code: str, actor: User):
    """Confirm the pending authenticator with its current ``code``; the session counts as proved.
    The caller has checked the session's recent password proof."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .audit import security_event_record
    from .models import SecurityEventKind

    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=False).order_by("-pk").first()
        )
        if device is None or TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
            raise IllegalTransition(
                _("Two-factor authentication is already on, or the page is out of date: open it again."),
                code="mfa_not_pending",
            )
        _mfa_throttle_check(device)
        verified = code.isdigit() and device.verify_token(code)  # a failure is counted (throttle)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
            mfa_mark_verified(request=request, device=device)
            security_event_record(
                kind=SecurityEventKind.MFA_ENABLED, user=actor, actor=actor, request=request
            )
    if not verified:
        raise _mfa_code_incorrect()
    return device


def _mfa_throttle_check(device) -> None:
    """django-otp slows a device down after wrong codes (1 s, 2 s, 4 s, …)."""
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        raise Conflict(mfa_too_fast_message(), code="mfa_throttled")


def mfa_too_fast_message() -> str:
    return _("Too many wrong codes: wait a minute, then type the code your authenticator shows.")


def _mfa_code_incorrect() -> DomainError:
    return DomainError(
        _("The code is not correct. Type the 6 digits your authenticator app shows now."),
        code="mfa_code_incorrect",
    )


def mfa_disable(*, request, code: str, actor: User) -> None:
    """Turn two-factor authentication off, proved by a current code. Refused for a user who must
    use it. The caller has checked the session's recent password proof."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .audit import security_event_record
    from .mfa import mfa_required
    from .models import SecurityEventKind

    if mfa_required(actor):
        raise PermissionDenied(
            _("Your role must use two-factor authentication; it cannot be turned off."),
            code="mfa_required",
        )
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True).first()
        if device is None:
            raise IllegalTransition(_("Two-factor authentication is already off."), code="mfa_not_enabled")
        _mfa_throttle_check(device)
        verified = code.isdigit() and device.verify_token(code)  # a failure is counted (throttle)
        if verified:
            TOTPDevice.objects.filter(user=actor).delete()
            StaticDevice.objects.filter(user=actor).delete()  # its backup codes go with it
            security_event_record(
                kind=SecurityEventKind.MFA_DISABLED, user=actor, actor=actor, request=request
            )
    if not verified:
        raise _mfa_code_incorrect()


# Backup codes live in django-otp's static-token plugin: one StaticDevice per user, kept for
# good (a session proved with a backup code points at it, so replacing the set replaces only its
# tokens), and one StaticToken per unused code, deleted when used. django-otp stores the tokens
# in plain text; that was judged acceptable here because the authenticator's TOTP secret sits
# beside them in plain text too (django-otp's TOTPDevice.key), so a reader of the database could
# produce valid codes either way, and a hash of a 40-bit code would not resist offline guessing
# unless it were slow, which 10 candidates per login attempt cannot afford.


def _backup_device(user, *, create: bool = False):
    from django_otp.plugins.otp_static.models import StaticDevice

    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None and create:
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    return device


def mfa_backup_codes_left(user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mfa_backup_codes_generate(*, request, actor: User) -> list[str]:
    """A new set of backup codes for ``actor``, replacing any old set; returned once, to be shown
    once. Only a session that proved its second factor may make them (else a password alone would
    do). The caller has checked the session's recent password proof."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .audit import security_event_record
    from .mfa import BACKUP_CODE_COUNT, backup_code_new
    from .models import SecurityEventKind

    with transaction.atomic():
        if not TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True).exists():
            raise IllegalTransition(
                _("Backup codes need two-factor authentication to be on."), code="mfa_not_enabled"
            )
        if not (getattr(actor, "is_verified", None) and actor.is_verified()):
            raise PermissionDenied(
                _("Type the code of your authenticator app first, then generate backup codes."),
                code="mfa_not_verified",
            )
        device = _backup_device(actor, create=True)
        device.token_set.all().delete()
        codes: set[str] = set()
        while len(codes) < BACKUP_CODE_COUNT:
            codes.add(backup_code_new())
        codes_sorted = sorted(codes)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes_sorted)
        security_event_record(
            kind=SecurityEventKind.MFA_BACKUP_CODES_GENERATED,
            user=actor,
            actor=actor,
            request=request,
            count=len(codes_sorted),
        )
    return codes_sorted


def mfa_verify(*, request, code: str) -> str:
    """The session's user proves the second factor with the authenticator's current code or one
    of their backup codes (used up by it). Returns "totp" or "backup"; a wrong code raises
    DomainError (and slows the authenticator down, whichever kind it was), too many raise
    Conflict (mfa_throttled)."""
    from django_otp.plugins.otp_static.models import StaticDevice

    from .mfa import code_kind, confirmed_device

    user = request.user
    totp = confirmed_device(user)
    if totp is None:
        raise IllegalTransition(_("Two-factor authentication is already off."), code="mfa_not_enabled")
    _mfa_throttle_check(totp)
    kind, text = code_kind(code)
    if kind == "totp":
        if totp.verify_token(text):  # a failure is counted (throttle)
            mfa_mark_verified(request=request, device=totp)
            return kind
    elif kind == "backup":
        with transaction.atomic():
            # locked so that one code is taken once however many requests race with it
            backup = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            if backup is not None:
                _mfa_throttle_check(backup)
            if backup is not None and backup.verify_token(text):  # used up on success
                totp.throttle_reset()
                mfa_mark_verified(request=request, device=backup, method="backup_code")
                return kind
    if kind != "totp":
        totp.throttle_increment()  # wrong backup codes or junk slow down like wrong TOTP codes
    raise DomainError(
        _(
            "The code is not correct. Type the 6 digits your authenticator app shows now, "
            "or one of your backup codes."
        ),
        code="mfa_code_incorrect",
    )


def user_language_set(*, actor: User, language: str) -> User:
    """The language ``actor`` receives e-mails in; one of settings.LANGUAGES, else a specific
    error and nothing changes."""
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise DomainError(
            _("Unknown language %(language)s; choose one of: %(choices)s.")
            % {"language": repr(language), "choices": ", ".join(name for _code, name in settings.LANGUAGES)},
            code="invalid_language",
        )
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    return actor
