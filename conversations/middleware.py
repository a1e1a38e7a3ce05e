"""The user's own language wins over the browser's. LocaleMiddleware has already picked one from
the Accept-Language header (or the language cookie); the user's setting is copied into their
session when they log in or change it, so reading it here costs no query."""

from __future__ import annotations

from django.utils import translation

from conversations import selectors

SESSION_LANGUAGE_KEY = "chat_language"


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        chosen = selectors.language_supported(session.get(SESSION_LANGUAGE_KEY)) if session is not None else None
        if chosen and getattr(request, "user", None) is not None and request.user.is_authenticated:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
