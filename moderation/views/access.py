"""The console's one access rule: anonymous -> the login page; signed in without the permission
-> 403, the same for every console URL; then the allowed methods."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.views.decorators.cache import never_cache

REVIEW = "review_endings"
TUNE = "tune_policy"


def console_view(permission: str, methods: tuple[str, ...] = ("GET",)):
    """Guard a console view with `moderation.<permission>`. The permission check comes before the
    method check, so a refused user learns nothing about a URL. Pages are never cached (they can
    show revealed hostile text)."""

    def decorator(view):
        @wraps(view)
        @never_cache
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(f"moderation.{permission}"):
                raise PermissionDenied
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, *args, **kwargs)

        wrapper.console_permission = permission
        wrapper.console_methods = methods
        return wrapper

    return decorator
