"""Accounts through Django's own views, with rate limits on attempts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from conversations import ratelimit
from conversations.forms import SignupForm


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _too_many(request, template: str, form) -> HttpResponse:
    response = render(
        request,
        template,
        {"form": form, "rate_limited": True},
        status=429,
    )
    return response


class LoginView(auth_views.LoginView):
    """Login attempts are limited per client address and per username (a slow brute force on one
    account from many addresses is limited too)."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limit, window = settings.LOGIN_RATE_LIMIT
        username = str(request.POST.get("username", ""))[:150].lower()
        for key in (f"login-ip:{client_ip(request)}", f"login-user:{username}"):
            if ratelimit.hit(key, limit=limit, window=window):
                return _too_many(request, self.template_name, self.get_form())
        return super().post(request, *args, **kwargs)


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("chat")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        limit, window = settings.SIGNUP_RATE_LIMIT
        if ratelimit.hit(f"signup-ip:{client_ip(request)}", limit=limit, window=window):
            return _too_many(request, "registration/signup.html", form)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("chat")
    return render(request, "registration/signup.html", {"form": form})
