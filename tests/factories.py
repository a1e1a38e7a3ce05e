from __future__ import annotations

import uuid

import factory
from django.contrib.auth import get_user_model

from conversations import services


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-test-12345")


def conversation(owner, title: str = ""):
    return services.conversation_create(owner=owner, title=title)


def post(owner, conv, content: str = "hello", parent=None):
    """Post a user message through the service (the only way messages are written)."""
    return services.message_post(
        user=owner,
        conversation_id=conv.id,
        content=content,
        client_id=uuid.uuid4(),
        parent_id=parent.id if parent is not None else None,
    ).message
