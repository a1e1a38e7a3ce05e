"""The output rail on the console: a withheld reply shows on the case page and the conversation
page (category, severity, threshold, where it stopped, the classifier), the withheld text hidden
until a moderator reveals it (audited) and then escaped; its flag is in the queue."""

from __future__ import annotations

import pytest

from conversations.models import Message
from moderation.models import AuditEvent, Flag, RailEvent
from tests.moderation.test_console_support import build_ending

HOSTILE = "<script>alert('rail')</script> WITHHELD-MODEL-TEXT <b>bold</b>"


def withheld_reply(ending) -> Message:
    """The first assistant reply of the ended branch, as the rail leaves it: refusal + event + flag."""
    reply = Message.objects.filter(conversation_id=ending.conversation_id, role="assistant").order_by("created_at")[0]
    RailEvent.objects.create(
        message=reply,
        category="violent_extremism",
        severity=4,
        threshold=3,
        scores={"violent_extremism": 4},
        signals=["learned:violent_extremism:0.97"],
        backend="hybrid",
        backend_version="lexicon-9+learned-3",
        offset=362,
        window_start=0,
        shown_chars=201,
        checks=3,
        withheld=HOSTILE,
    )
    Flag.objects.create(
        kind=Flag.Kind.RAIL,
        priority=2,
        user=ending.conversation.owner,
        conversation_id=ending.conversation_id,
        message=reply,
        detail={"category": "violent_extremism", "severity": 4, "reason": "output_rail"},
    )
    return reply


@pytest.mark.django_db
def test_the_case_page_shows_the_rail_event_with_the_text_hidden_until_revealed_then_escaped(
    client, chat_user, moderator, second_moderator
):
    ending = build_ending(chat_user)
    reply = withheld_reply(ending)
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert page.count('data-testid="rail-event"') == 1
    assert "withheld by the output rail" in page
    assert "Violent extremism 4 (rail at 3) · stopped at character 362 (window from 0)" in page
    assert "201 characters had reached the user's screen and were replaced · 3 checks" in page
    assert "hybrid lexicon-9+learned-3 · signals learned:violent_extremism:0.97 · not a strike" in page
    assert "WITHHELD-MODEL-TEXT" not in page and 'data-testid="rail-reveal"' in page
    assert "Reply withheld by the output rail" in page  # the flag, in the case's flags

    response = client.post(f"/moderation/cases/{ending.id}/reveal/", {"message_id": str(reply.id)})
    assert response.status_code == 302
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert page.count("WITHHELD-MODEL-TEXT") == 1
    assert "&lt;script&gt;alert(&#x27;rail&#x27;)&lt;/script&gt;" in page and "<script>alert(" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert AuditEvent.objects.get(action="content.reveal").target_id == str(reply.id)

    client.force_login(second_moderator)  # a reveal is for the moderator who asked
    assert "WITHHELD-MODEL-TEXT" not in client.get(f"/moderation/cases/{ending.id}/").content.decode()


@pytest.mark.django_db
def test_the_rail_flag_is_in_the_queue_and_leads_to_the_reply_on_the_conversation_page(client, chat_user, moderator):
    ending = build_ending(chat_user)
    reply = withheld_reply(ending)
    client.force_login(moderator)
    queue = client.get("/moderation/?kind=flags").content.decode()
    assert "Reply withheld by the output rail" in queue
    link = f"/moderation/conversations/{ending.conversation_id}/?anchor={reply.id}#m-{reply.id}"
    assert link.replace("&", "&amp;") in queue or link in queue
    page = client.get(f"/moderation/conversations/{ending.conversation_id}/").content.decode()
    assert 'data-testid="rail-event"' in page and "WITHHELD-MODEL-TEXT" not in page
