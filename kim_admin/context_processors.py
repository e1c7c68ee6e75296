"""Template context for every page: the waiting work counted in the navigation."""

from django.utils.functional import SimpleLazyObject


def waiting_work(request):
    """``waiting_work``: how many forecasts wait for the user (``None`` for roles without a
    workflow step). Lazy: one query, and only when a page shows the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from carriers.forecasts.selectors import waiting_count

        return waiting_count(user)

    return {"waiting_work": SimpleLazyObject(count)}
