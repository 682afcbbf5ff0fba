"""The bench's URLs (config.settings.bench only, never production): the portal's own URLs plus
two floor views the load rows measure the pages against, in the same gunicorn, database and
middleware (session, CSRF, locale, login):

- floor (a) ``/bench-floor/ok/``: ``HttpResponse("ok")`` for a logged-in user;
- floor (b) ``/bench-floor/pos/``: one indexed query for the 25 newest POs of the user's scope
  (``procurement.selectors.purchase_order_list``, the ``po_newest_first`` index), rendered by a
  two-line template.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as portal
from procurement.selectors import purchase_order_list

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><ul>{% for pk, number, state in pos %}\n"
    '<li><a href="/procurement/pos/{{ pk }}/">{{ number }}</a> {{ state }}</li>{% endfor %}</ul>'
)


@login_required
def floor_ok(request):
    return HttpResponse("ok")


@login_required
def floor_pos(request):
    pos = (
        purchase_order_list(request.user).order_by("-created_at", "-id").values_list("pk", "number", "state")
    )
    return HttpResponse(FLOOR_TEMPLATE.render({"pos": list(pos[:25])}))


urlpatterns = [
    path("bench-floor/ok/", floor_ok, name="bench-floor-ok"),
    path("bench-floor/pos/", floor_pos, name="bench-floor-pos"),
    *portal,
]
