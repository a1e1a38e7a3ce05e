"""Fixtures shared by the moderation tests (staff and chat users, the active policy version, the
realtime events a test caused).

Transactional tests flush the database, which deletes the rows migrations created (the staff
groups, policy version 1), so the fixtures create what they need. The builders the tests call
directly live in test_console_support.py."""

from __future__ import annotations

import pytest

from conversations import events
from moderation.models import PolicyVersion
from moderation.policy import PolicySettings
from tests.moderation.test_console_support import make_user, staff_group


@pytest.fixture
def fast_passwords(settings):
    """Hashing a password the default way costs ~0.2 s; these tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def moderator(db, fast_passwords):
    user = make_user("mod-mia")
    user.groups.add(staff_group("Moderators", "review_endings"))
    return user


@pytest.fixture
def second_moderator(db, fast_passwords):
    user = make_user("mod-max")
    user.groups.add(staff_group("Moderators", "review_endings"))
    return user


@pytest.fixture
def policy_admin(db, fast_passwords):
    user = make_user("admin-ada")
    user.groups.add(staff_group("Policy admins", "review_endings", "tune_policy"))
    return user


@pytest.fixture
def chat_user(db, fast_passwords):
    return make_user("chatter")


@pytest.fixture
def active_policy(db):
    """Version 1 with the default settings, active (recreated after a flush)."""
    version, _ = PolicyVersion.objects.get_or_create(
        number=1, defaults={"settings": PolicySettings().to_dict(), "status": PolicyVersion.Status.ACTIVE}
    )
    return version


@pytest.fixture
def sent_events(monkeypatch) -> list[tuple[str, dict]]:
    """Every realtime event sent (on commit, or at once for deltas), in order."""
    sent: list[tuple[str, dict]] = []
    real = events.send_now

    def record(conversation_id, event_type, **payload):
        sent.append((event_type, payload))
        return real(conversation_id, event_type, **payload)

    monkeypatch.setattr(events, "send_now", record)
    return sent
