"""The one place a transition log row is written: after every django-fsm transition.

Services pass ``by=<user>`` and optionally ``reason="…"`` to the transition method; both are
read here from the transition's keyword arguments. A reason the portal writes itself is a
``core.texts.Text``: the row keeps its code and parameters (and the English, for searching).
"""

from django.contrib.auth.signals import user_logged_in
from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django_fsm.signals import post_transition

from .models import TransitionLog
from .texts import Text


@receiver(post_transition)
def log_transition(sender, instance, name, source, target, **kwargs):
    if kwargs.get("exception") is not None:
        return
    method_kwargs = kwargs.get("method_kwargs") or {}
    reason = method_kwargs.get("reason", "") or ""
    code, params = "", {}
    if isinstance(reason, Text):  # the portal's own words: kept as a code, read in any language
        code, params, reason = reason.code, reason.as_json()["params"], reason.english()
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        transition=name,
        source=str(source),
        target=str(target),
        actor=method_kwargs.get("by"),
        reason=reason[:4000],
        reason_code=code,
        reason_params=params,
    )


@receiver(user_logged_in)
def note_password_proof(sender, request, user, **kwargs):
    """A login proves the password: token creation may follow for REAUTH_WINDOW."""
    from .services import mark_authenticated

    if request is not None and hasattr(request, "session"):
        mark_authenticated(request.session)
