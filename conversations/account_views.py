"""Accounts through Django's own views. Failed logins are limited by django-axes
(conversations/login_attempts.py); signups per address by the shared fixed-window counter."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from conversations import ratelimit
from conversations.forms import SignupForm
from conversations.login_attempts import client_address


def _too_many(request, template: str, form) -> HttpResponse:
    return render(request, template, {"form": form, "rate_limited": True}, status=429)


def login_locked_out(request, *args) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with "too many attempts", as 429 (for
    /admin/login/ too). Axes passes (request, response, credentials), or (request, credentials)
    from its async middleware; neither is needed here."""
    return _too_many(request, "registration/login.html", AuthenticationForm(request))


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("chat")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        limit, window = settings.SIGNUP_RATE_LIMIT
        if ratelimit.hit(f"signup-ip:{client_address(request)}", limit=limit, window=window):
            return _too_many(request, "registration/signup.html", form)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("chat")
    return render(request, "registration/signup.html", {"form": form})
