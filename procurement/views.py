from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def item_list(request):
    return render(request, "procurement/items.html", {"items": selectors.item_list(request.user)})
