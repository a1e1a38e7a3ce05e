from conversations.routing import websocket_urlpatterns as conversation_patterns

websocket_urlpatterns = [*conversation_patterns]
