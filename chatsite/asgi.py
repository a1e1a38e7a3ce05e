import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from chatsite.middleware import TrustedOriginValidator  # noqa: E402
from chatsite.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TrustedOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

if settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_SWEEP_SECONDS > 0:
    # The embedded default has no celery beat: its server process runs the sweeper itself.
    from moderation.sweeper import start_in_process

    start_in_process(settings.EMBEDDED_SWEEP_SECONDS)

if settings.CELERY_TASK_ALWAYS_EAGER and settings.EMBEDDED_WARM_CLASSIFIER:
    # No worker builds the classifier at start (chatsite/celery.py): this process does.
    from moderation.embedded import warm_in_background

    warm_in_background()
