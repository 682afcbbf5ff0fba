from .selectors import unread_count


def notifications(request):
    """The unread count for the navigation bar: one COUNT query per page."""
    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user) if user is not None else 0}
