from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

# Scripts and styles only from our own origin (no inline script), websockets to our own host.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = getattr(settings, "CONTENT_SECURITY_POLICY", CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response


class PrivateNoStoreMiddleware:
    """Every page and API answer is somebody's own (their chats, the console): no browser or
    shared cache keeps it, and it never comes back from the back button after a logout. Static
    files are answered by WhiteNoise before this runs, with their own long-lived caching; a view
    that sets Cache-Control itself (the admin's never_cache) keeps its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response


class TrustedOriginValidator:
    """Websocket handshakes only from a trusted origin, compared in full (scheme, host and port)
    the way Django's CSRF check compares an HTTP request's Origin: the site's own origin (the
    Host header, which must be in ALLOWED_HOSTS, with the scheme the connection arrived on) or
    one of CSRF_TRUSTED_ORIGINS (`https://*.example.org` patterns included). Anything else,
    a missing Origin or `null` included, is refused at the handshake (HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_is_trusted(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def origin_is_trusted(scope) -> bool:
    headers = _headers(scope)
    origin, host = headers.get(b"origin"), headers.get(b"host")
    if not origin or origin == "null":
        return False
    if host is None or not validate_host(split_domain_port(host)[0], _allowed_hosts()):
        return False  # Django refuses such a Host for HTTP (DisallowedHost); Channels did not
    if origin == f"{'https' if _is_secure(scope, headers) else 'http'}://{host}":
        return True
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in trusted:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        is_same_domain(parsed.netloc, pattern.netloc.lstrip("*"))
        for pattern in (urlsplit(item) for item in trusted if "*" in item)
        if pattern.scheme == parsed.scheme
    )


def _headers(scope) -> dict[bytes, str]:
    """Each header's first value, as text; a header that is not latin-1 decodable counts as absent."""
    found: dict[bytes, str] = {}
    for name, value in scope.get("headers", []):
        if name not in found:
            try:
                found[name] = value.decode("latin1")
            except UnicodeDecodeError:
                continue
    return found


def _is_secure(scope, headers: dict[bytes, str]) -> bool:
    """As HttpRequest.is_secure(): the proxy's header when SECURE_PROXY_SSL_HEADER names one."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        header = meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        if header in headers:
            return headers[header].split(",", 1)[0].strip() == secure_value
    return scope.get("scheme") in ("wss", "https")


def _allowed_hosts() -> list[str]:
    """As HttpRequest.get_host(): with DEBUG and no ALLOWED_HOSTS, the local names."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS
