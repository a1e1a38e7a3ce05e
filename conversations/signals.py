"""Close a user's sockets when they log out (the socket would otherwise outlive the session), and
carry their language setting into the session when they log in."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from conversations.events import send_to_user


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        send_to_user(user.pk, "session.ended", session_key=session_key)


@receiver(user_logged_in)
def remember_language_on_login(sender, request, user, **kwargs) -> None:
    from conversations import selectors
    from conversations.middleware import SESSION_LANGUAGE_KEY

    session = getattr(request, "session", None)
    if session is None:
        return
    preference = selectors.preference_of(user=user)
    if preference is not None and preference.language:
        session[SESSION_LANGUAGE_KEY] = preference.language
    else:
        session.pop(SESSION_LANGUAGE_KEY, None)
