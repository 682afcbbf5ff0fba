from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .home import panels_for


@login_required
def home(request):
    """Each role's home page: what needs this person's action now."""
    return render(request, "core/home.html", {"panels": panels_for(request.user)})


@login_required
def token_list(request):
    return render(request, "core/tokens.html", {"tokens": selectors.api_token_list(request.user)})


@login_required
@require_POST
def token_create(request):
    token, raw = services.api_token_create(user=request.user, name=request.POST.get("name") or "API token")
    return render(
        request, "core/tokens.html", {"tokens": selectors.api_token_list(request.user), "new_key": raw}
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    from .errors import NotFound

    token = selectors.api_token_list(request.user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"Token {token_id} not found.")
    services.api_token_revoke(token=token, actor=request.user)
    return redirect("token-list")
