from .services.health import notifications_for_user


def notifications(request):
    """The bell at the top right: account problems until dismissed
    (docs/architecture.md, Account health)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = list(notifications_for_user(user)[:20])
    return {"notifications": items}
