"""Failed logins for django-axes (docs/security.md): counted per (username, address) and per
address, each against a limit of its own, in the shared cache (Redis when distributed).

Only failures count, so nobody can lock a chosen user out from elsewhere: the attempts of one
address against an account lock that pair only (LOGIN_FAILURE_LIMIT), and an address spraying
many accounts locks itself (LOGIN_ADDRESS_FAILURE_LIMIT). Axes refuses a locked request before
the password backend runs, so a locked attempt costs no password hashing; the lockout lasts
LOGIN_LOCKOUT_SECONDS after the last failure. Axes' own handlers compare every key with one
limit; this one gives each key its own.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.helpers import get_cache, get_cache_timeout, get_client_cache_keys, get_credentials
from axes.signals import user_locked_out
from django.conf import settings

log = logging.getLogger(__name__)


def attempted_username(request, credentials: dict | None) -> str:
    """The username an attempt names, as the counters key it (case and surrounding space do not
    make a new key). AXES_USERNAME_CALLABLE."""
    if credentials:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    return str(raw or "").strip().lower()[:150]


def client_address(request) -> str:
    """REMOTE_ADDR: behind a proxy, run the ASGI server with its proxy-headers option so that this
    is the client's address (docs/deployment.md). AXES_CLIENT_IP_CALLABLE; signups use it too."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT, for what axes shows; the handler below applies both limits."""
    return settings.LOGIN_FAILURE_LIMIT


def lockout_period(request) -> timedelta:
    """AXES_COOLOFF_TIME."""
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


class LoginFailureHandler(AbstractAxesHandler, AxesBaseHandler):
    """AXES_HANDLER. The cache keys come from AXES_LOCKOUT_PARAMETERS, in its order:
    (username, address) first, then the address alone."""

    def __init__(self) -> None:
        self.cache = get_cache()

    @staticmethod
    def _limits() -> tuple[int, int]:
        return settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT

    def _keys(self, request, credentials) -> list[str]:
        keys = get_client_cache_keys(request, credentials)
        if len(keys) != 2:
            raise ValueError("AXES_LOCKOUT_PARAMETERS must be [['username', 'ip_address'], 'ip_address']")
        return keys

    def get_failures(self, request, credentials: dict | None = None) -> int:
        return max(self.cache.get_many(self._keys(request, credentials)).values(), default=0)

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        keys = self._keys(request, credentials)
        counts = self.cache.get_many(keys)
        return any(counts.get(key, 0) >= limit for key, limit in zip(keys, self._limits(), strict=True))

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None or self.is_whitelisted(request, credentials):
            return
        timeout = get_cache_timeout(request)
        counts = []
        for key in self._keys(request, credentials):
            if self.cache.add(key, 1, timeout=timeout):
                counts.append(1)
            else:
                counts.append(self.cache.incr(key))
                self.cache.touch(key, timeout=timeout)  # the lockout runs from the last failure
        request.axes_failures_since_start = max(counts)
        if any(count >= limit for count, limit in zip(counts, self._limits(), strict=True)):
            # Ids and counts only; the attempted username is user input.
            log.warning(
                "login locked for %s s after %d failures for this username and %d from this address",
                timeout,
                counts[0],
                counts[1],
            )
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=attempted_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        """A success clears that pair's count (not the address's: it may be spraying others)."""
        if request is None or not getattr(settings, "AXES_RESET_ON_SUCCESS", False):
            return
        credentials = get_credentials(user.get_username())
        self.cache.delete(self._keys(request, credentials)[0])

    def user_logged_out(self, sender, request, user, **kwargs) -> None:
        return None
