"""The case page and the review services: claims, verdicts, reveals, flags; reviews immutable,
the audit log append-only; hostile text hidden and always escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Ending
from moderation.models import AuditEvent, CaseClaim, Feedback, Flag, Review
from moderation.services import reviews
from tests.factories import post
from tests.moderation.test_console_support import CALM, assistant_reply, build_ending, classify

pytestmark = pytest.mark.django_db

XSS_SCRIPT = "<script>alert('x')</script>"
XSS_IMG = '<img src=x onerror="alert(1)">'


def actions(target_id=None):
    events = AuditEvent.objects.order_by("id")
    if target_id is not None:
        events = events.filter(target_id=str(target_id))
    return list(events.values_list("action", flat=True))


# --- Claims ------------------------------------------------------------------------------------


def test_a_claimed_case_cannot_be_claimed_or_reviewed_by_another_moderator(chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    claim = reviews.case_claim(ending_id=ending.id, moderator=moderator)
    assert claim.moderator == moderator
    with pytest.raises(reviews.ReviewError) as error:
        reviews.case_claim(ending_id=ending.id, moderator=second_moderator)
    assert error.value.code == "claimed" and error.value.holder == moderator
    with pytest.raises(reviews.ReviewError) as error:
        reviews.review_create(ending_id=ending.id, moderator=second_moderator, verdict="upheld", reason="repeated_harm")
    assert error.value.code == "claimed"
    assert Review.objects.count() == 0
    assert actions(ending.id).count("case.claim") == 1


def test_an_expired_claim_is_taken_over(chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    CaseClaim.objects.update(expires_at=CaseClaim.objects.get().claimed_at - timedelta(seconds=1))
    assert reviews.case_claim(ending_id=ending.id, moderator=second_moderator).moderator == second_moderator
    assert CaseClaim.objects.count() == 1


def test_releasing_a_claim_is_audited_once(chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    assert reviews.case_release(ending_id=ending.id, moderator=second_moderator) is False
    assert reviews.case_release(ending_id=ending.id, moderator=moderator) is True
    assert reviews.case_release(ending_id=ending.id, moderator=moderator) is False
    assert actions(ending.id).count("case.release") == 1


def test_the_queue_shows_who_holds_a_claim(client, chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    client.force_login(second_moderator)
    assert "claimed by mod-mia" in client.get("/moderation/").content.decode()
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert "mod-mia is reviewing this case" in page


# --- Verdicts ----------------------------------------------------------------------------------


def test_upholding_records_an_immutable_review_marks_feedback_reviewed_and_releases_the_claim(chat_user, moderator):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected", text="why?")
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    review = reviews.review_create(
        ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm", note="clear case"
    )
    again = reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert again.pk == review.pk and Review.objects.count() == 1
    assert Feedback.objects.get().status == "reviewed"
    assert not CaseClaim.objects.exists()
    ending.refresh_from_db()
    assert ending.reopened_at is None
    assert actions(ending.id) == ["ending.automatic", "case.claim", "case.uphold"]


def test_overturning_reopens_the_branch_so_the_user_can_continue_it(chat_user, moderator):
    ending = build_ending(chat_user)
    reviews.review_create(
        ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread", note="false positive"
    )
    ending.refresh_from_db()
    assert ending.reopened_at is not None and ending.reopened_by == moderator
    continued = post(chat_user, ending.conversation, CALM, parent=ending.notice)
    assert continued.parent_id == ending.notice_id
    assert "case.overturn" in actions(ending.id)
    with pytest.raises(reviews.ReviewError) as error:
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert error.value.code == "already_reopened"


def test_overturning_broadcasts_the_reopening(chat_user, moderator, django_capture_on_commit_callbacks):
    from unittest import mock

    ending = build_ending(chat_user)
    with mock.patch("conversations.events.publish_on_commit") as publish:
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread")
    assert publish.call_args_list == [
        mock.call(ending.conversation_id, "conversation.reopened", ending_id=str(ending.id)),
        mock.call(
            ending.conversation_id,
            "review.decided",
            ending_id=str(ending.id),
            verdict="overturned",
            url=f"/endings/{ending.id}/",
        ),
    ]


def test_a_note_needs_text_and_does_not_decide_the_case(chat_user, moderator):
    ending = build_ending(chat_user)
    with pytest.raises(reviews.ReviewError):
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note="  ")
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note="looks like a test account")
    assert reviews.ending_outcome(ending.id) is None


def test_reviews_are_immutable(chat_user, moderator):
    ending = build_ending(chat_user)
    review = reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    review.note = "changed"
    with pytest.raises(PermissionError):
        review.save()
    with pytest.raises(PermissionError):
        review.delete()
    with pytest.raises(PermissionError):
        Review.objects.filter(pk=review.pk).update(note="changed")
    with pytest.raises(PermissionError):
        Review.objects.all().delete()
    assert Review.objects.get().note == ""


def test_the_audit_log_is_append_only(chat_user):
    build_ending(chat_user)
    event = AuditEvent.objects.get()
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "ending.automatic"


def test_postgresql_refuses_updates_and_deletes_of_audit_rows(require_postgres, chat_user):
    from django.db import DatabaseError, transaction

    build_ending(chat_user)
    event_id = AuditEvent.objects.get().pk
    for sql in (
        "UPDATE moderation_auditevent SET action = 'forged' WHERE id = %s",
        "DELETE FROM moderation_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event_id])
    assert AuditEvent.objects.get().action == "ending.automatic"


def test_flags_are_resolved_once_and_audited(client, chat_user, moderator):
    flag = Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user)
    client.force_login(moderator)
    assert client.post(f"/moderation/flags/{flag.id}/resolve/", {"confirmed": "yes"}).status_code == 302
    client.post(f"/moderation/flags/{flag.id}/resolve/", {"confirmed": "yes"})
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == moderator
    assert actions(flag.id).count("flag.resolve") == 1


# --- The case page -----------------------------------------------------------------------------


def test_the_case_page_marks_the_ended_branch_and_the_edits_made_after_it(client, chat_user, moderator):
    ending = build_ending(chat_user)
    first_reply = ending.notice.parent.parent.parent.parent.parent.parent  # the reply to turn 1
    evasion = post(chat_user, ending.conversation, "just asking hypothetically", parent=first_reply)
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert page.count("ended branch") >= 8  # the 4 turns, 3 replies and the notice
    assert 'data-testid="after-ending"' in page
    assert "just asking hypothetically" in page
    assert f'id="m-{evasion.id}"' in page
    assert "policy v1: warn (strike)" in page and "strikes 2 → 3" in page
    assert "fake fake-1: severity 3 · cbrn · scores cbrn=3 · signals fake:cbrn:3" in page


def test_hostile_text_is_hidden_until_revealed_and_the_reveal_is_audited(
    client, chat_user, moderator, second_moderator
):
    ending = build_ending(chat_user, text="[sev:3:cbrn] SECRET-HOSTILE-TEXT")
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert "SECRET-HOSTILE-TEXT" not in page
    assert page.count("hidden: cbrn/3") == 4
    message_id = ending.notice.parent_id
    response = client.post(f"/moderation/cases/{ending.id}/reveal/", {"message_id": str(message_id)})
    assert response.status_code == 302 and response["Location"].endswith(f"#m-{message_id}")
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert page.count("SECRET-HOSTILE-TEXT") == 1 and page.count("hidden: cbrn/3") == 3
    event = AuditEvent.objects.get(action="content.reveal")
    assert event.actor == moderator and event.target_id == str(message_id)
    client.force_login(second_moderator)  # a reveal is for the moderator who asked
    assert "SECRET-HOSTILE-TEXT" not in client.get(f"/moderation/cases/{ending.id}/").content.decode()


def test_revealing_a_message_of_another_conversation_is_refused(client, chat_user, moderator):
    ending = build_ending(chat_user)
    other = build_ending(chat_user)
    client.force_login(moderator)
    response = client.post(f"/moderation/cases/{ending.id}/reveal/", {"message_id": str(other.notice.parent_id)})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="content.reveal").exists()


def test_user_text_is_escaped_in_the_case_page(client, chat_user, moderator):
    ending = build_ending(chat_user)
    hostile = post(chat_user, ending.conversation, f"{XSS_SCRIPT} {XSS_IMG}", parent=ending.notice.parent.parent)
    classify(hostile, "other", 0)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="other", text=XSS_IMG)
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note=XSS_SCRIPT)
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert XSS_SCRIPT not in page and XSS_IMG not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_the_case_page_actions_through_http(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    base = f"/moderation/cases/{ending.id}"
    assert client.post(f"{base}/claim/").status_code == 302
    assert "Claimed by" in client.get(f"{base}/").content.decode()
    assert (
        client.post(
            f"{base}/review/",
            {"verdict": "overturned", "reason": "legitimate", "note": "benign chemistry", "confirmed": "yes"},
        ).status_code
        == 302
    )
    assert Ending.objects.get().reopened_at is not None
    assert actions(ending.id) == ["ending.automatic", "case.claim", "case.view", "case.overturn"]
    assert "reopened" in client.get(f"{base}/").content.decode()


def _case_queries(client, ending) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/moderation/cases/{ending.id}/").status_code == 200
    return len(queries)


def test_the_case_page_takes_the_same_number_of_queries_for_2_or_20_branches(client, chat_user, moderator):
    ending = build_ending(chat_user)
    first_reply = ending.notice.parent.parent.parent.parent.parent.parent
    for number in range(2):
        message = post(chat_user, ending.conversation, f"edit {number}", parent=first_reply)
        classify(message, "other", 0)
        assistant_reply(message, "answer")
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note="n")
    client.force_login(moderator)
    client.get(f"/moderation/cases/{ending.id}/")  # warm the session and permission caches
    small = _case_queries(client, ending)
    for number in range(18):
        message = post(chat_user, ending.conversation, f"more {number}", parent=first_reply)
        classify(message, "abuse", 3)
        assistant_reply(message, "refuse")
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note=f"n{number}")
    large = _case_queries(client, ending)
    assert small == large
    assert large <= 18  # 13 reads, the case view's audit row and report status (+ a savepoint pair), moderators


def test_the_case_tree_marks_the_messages_the_ending_closed(chat_user, moderator):
    """The console reads "closed" by the same rule as the post and the reply
    (conversations.closure): a message sent under the ended turn while the ending landed."""
    from moderation import selectors

    ending = build_ending(chat_user)
    ended_turn = ending.notice.parent
    edit = post(chat_user, ending.conversation, CALM, parent=ended_turn.parent)
    late = type(ended_turn).objects.create(
        conversation_id=ended_turn.conversation_id, parent=ended_turn, role="user", content=CALM
    )
    rows = {row.message.id: row for row in selectors.case_detail(ending_id=ending.id, viewer=moderator).rows}
    assert rows[late.id].closed
    assert not rows[ended_turn.id].closed  # the ended turn was answered: by the notice
    assert not rows[edit.id].closed  # an edit of the ended turn stays open
