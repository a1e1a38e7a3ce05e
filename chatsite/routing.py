import os

from conversations.routing import websocket_urlpatterns as conversation_patterns

websocket_urlpatterns = [*conversation_patterns]

if os.environ.get("CHATSITE_BENCH_ECHO") == "1":  # bench-only baseline, see bench/echo.py
    from bench.echo import websocket_urlpatterns as bench_patterns

    websocket_urlpatterns += bench_patterns()
