from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm

from core.selectors import transition_log_for

from . import selectors, services


@login_required
def supplier_list(request):
    suppliers = selectors.supplier_list(request.user)
    state = request.GET.get("state")
    if state:
        suppliers = suppliers.filter(state=state)
    return render(request, "suppliers/list.html", {"suppliers": suppliers, "state": state})


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
    return render(
        request,
        "suppliers/detail.html",
        {
            "supplier": supplier,
            "actions": actions,
            "reason_required": services.REASON_REQUIRED,
            "history": transition_log_for(supplier),
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
