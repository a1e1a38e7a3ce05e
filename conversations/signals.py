"""Close a user's sockets when they log out (the socket would otherwise outlive the session)."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from conversations.events import send_to_user


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        send_to_user(user.pk, "session.ended", session_key=session_key)
