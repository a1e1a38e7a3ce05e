"""The user's page about an ending: owner only, the statement, what to do next, one report, its
status and the decision with the moderator's reason; the notices of decisions on the chat pages."""

from __future__ import annotations

import re
import uuid

import pytest

from conversations.models import Ending
from moderation.models import Feedback, Review, ReviewNotice
from moderation.services import reviews
from tests.moderation.test_console_support import build_ending, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ending(chat_user):
    return build_ending(chat_user)


def test_the_owner_sees_the_statement_and_what_to_do_next(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.get(f"/endings/{ending.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "not a ban" in page.lower()
    assert 'action="/chat/new/"' in page
    assert f'href="/chat/{ending.conversation_id}/"' in page
    assert 'data-testid="report-form"' in page and "csrfmiddlewaretoken" in page
    assert 'data-testid="outcome"' not in page


def test_other_users_get_the_same_404_as_for_a_missing_ending(client, ending):
    client.force_login(make_user("stranger"))
    foreign = client.get(f"/endings/{ending.id}/")
    missing = client.get(f"/endings/{uuid.uuid4()}/")
    assert foreign.status_code == missing.status_code == 404
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')  # masked anew per response
    assert token.sub(b"", foreign.content) == token.sub(b"", missing.content)
    assert client.post(f"/endings/{ending.id}/", {"kind": "unexpected"}).status_code == 404
    assert not Feedback.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, ending):
    response = client.get(f"/endings/{ending.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_report_is_stored_once_and_thanked(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.post(f"/endings/{ending.id}/", {"kind": "unexpected", "text": "I asked about chemistry class"})
    assert response.status_code == 302
    client.post(f"/endings/{ending.id}/", {"kind": "other", "text": "again"})
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.text, feedback.user) == ("unexpected", "I asked about chemistry class", chat_user)
    page = client.get(f"/endings/{ending.id}/").content.decode()
    assert "Thanks, a person will review this." in page
    assert 'data-testid="report-form"' not in page


def test_a_report_over_2000_characters_is_refused(client, chat_user, ending):
    client.force_login(chat_user)
    response = client.post(f"/endings/{ending.id}/", {"kind": "unexpected", "text": "x" * 2001})
    assert response.status_code == 400
    assert not Feedback.objects.exists()
    response = client.post(f"/endings/{ending.id}/", {"kind": "made-up"})
    assert response.status_code == 400


def test_the_report_form_needs_a_csrf_token(chat_user, ending):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(chat_user)
    assert client.post(f"/endings/{ending.id}/", {"kind": "unexpected"}).status_code == 403
    assert not Feedback.objects.exists()


def test_the_page_shows_the_review_outcome(client, chat_user, moderator, ending):
    client.force_login(chat_user)
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert "Reviewed: upheld" in client.get(f"/endings/{ending.id}/").content.decode()
    other = build_ending(chat_user)
    reviews.review_create(ending_id=other.id, moderator=moderator, verdict="overturned", reason="misread")
    page = client.get(f"/endings/{other.id}/").content.decode()
    assert "Reopened" in page and "Continue the chat" in page


# --- The complaint loop (EU DSA Art. 17 statement of reasons, Art. 20 complaint handling) -------


def status_of(client, ending) -> tuple[list[str], str]:
    """The report's status steps on the page, and the current one."""
    page = client.get(f"/endings/{ending.id}/").content.decode()
    steps = re.findall(r'<li class="step( done)?( current)?" data-step="(\w+)"', page)
    current = [code for _done, is_current, code in steps if is_current]
    return [code for _done, _current, code in steps], current[0] if current else ""


def test_the_report_is_received_then_under_review_then_decided(client, chat_user, moderator, ending):
    client.force_login(chat_user)
    client.post(f"/endings/{ending.id}/", {"kind": "unexpected", "text": "I asked about chemistry class"})
    assert status_of(client, ending) == (["open", "in_review", "reviewed"], "open")
    reviews.case_claim(ending_id=ending.id, moderator=moderator)
    assert status_of(client, ending)[1] == "in_review"
    assert "A person is reviewing your report now." in client.get(f"/endings/{ending.id}/").content.decode()
    reviews.review_create(
        ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm", note="Four times."
    )
    assert status_of(client, ending)[1] == "reviewed"


def test_the_decision_shows_the_moderators_reason_and_message(client, chat_user, moderator, ending):
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    reviews.review_create(
        ending_id=ending.id,
        moderator=moderator,
        verdict="overturned",
        reason="legitimate",
        note="Your questions were for a chemistry class.",
    )
    client.force_login(chat_user)
    page = client.get(f"/endings/{ending.id}/").content.decode()
    assert 'data-testid="decision-reason"' in page
    assert "In context, your questions were legitimate (for example study, work, safety or fiction)." in page
    assert "Your questions were for a chemistry class." in page
    assert "Reopened" in page and "It was decided automatically. It is not a ban." in page
    assert 'data-testid="report-form"' not in page


def write_catalog(path, messages: dict[str, str]) -> None:
    """A compiled gettext catalog (.mo) holding `messages` (the format of Python's msgfmt.py)."""
    import struct

    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = b"".join(key.encode() + b"\0" for key, _ in entries)
    strs = b"".join(value.encode() + b"\0" for _, value in entries)
    count = len(entries)
    start_ids = 7 * 4 + count * 16
    start_strs = start_ids + len(ids)
    offsets, position_id, position_str = [], 0, 0
    for key, value in entries:
        offsets.append((len(key.encode()), start_ids + position_id, len(value.encode()), start_strs + position_str))
        position_id += len(key.encode()) + 1
        position_str += len(value.encode()) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, count, 7 * 4, 7 * 4 + count * 8, 0, 0)
    table = b"".join(struct.pack("ii", length, offset) for length, offset, _l, _o in offsets)
    table += b"".join(struct.pack("ii", length, offset) for _l, _o, length, offset in offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + table + ids + strs)


def test_the_decision_is_shown_in_the_users_language_where_a_translation_exists(
    client, chat_user, moderator, ending, settings, tmp_path
):
    from django.utils.translation import trans_real

    english = str(Review.REASONS["overturned"]["misread"])
    write_catalog(
        tmp_path / "fr" / "LC_MESSAGES" / "django.mo",
        {english: "Notre système automatique a mal lu vos messages.", "The decision": "La décision"},
    )
    settings.LOCALE_PATHS = [str(tmp_path)]
    settings.LANGUAGES = [("en", "English"), ("fr", "Français")]
    trans_real._translations = {}
    trans_real._active = trans_real.Local()
    reviews.review_create(
        ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread", note="Texte du modérateur."
    )
    client.force_login(chat_user)
    try:
        page = client.get(f"/endings/{ending.id}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    finally:
        trans_real._translations = {}
    assert "Notre système automatique a mal lu vos messages." in page and "La décision" in page
    assert english not in page
    assert "Texte du modérateur." in page  # the moderator's own words are shown as written
    assert english in client.get(f"/endings/{ending.id}/").content.decode()  # no translation: English


def test_a_reviewed_ending_without_a_report_still_shows_the_decision(client, chat_user, moderator, ending):
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    client.force_login(chat_user)
    page = client.get(f"/endings/{ending.id}/").content.decode()
    assert "Reviewed: upheld" in page and "The chat kept asking for content we do not help with" in page
    assert 'data-testid="report-status"' not in page and 'data-testid="report-form"' in page


def test_the_chat_pages_show_unread_decisions_until_the_ending_page_is_opened(client, chat_user, moderator, ending):
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    client.force_login(chat_user)
    for url in ("/chat/", f"/chat/{ending.conversation_id}/"):
        page = client.get(url).content.decode()
        assert page.count('data-testid="review-notice"') == 2  # the notice and the live one's <template>
        assert "A person reviewed an ended chat of yours and upheld the ending." in page
        assert f'href="/endings/{ending.id}/" data-testid="review-notice-link"' in page
    client.get(f"/endings/{ending.id}/")
    assert ReviewNotice.objects.get().seen_at is not None
    page = client.get("/chat/").content.decode()
    assert page.count('data-testid="review-notice"') == 1  # the <template> only


def test_a_notice_is_only_for_its_user(client, chat_user, moderator, ending):
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread")
    other = make_user("someone-else")
    client.force_login(other)
    assert "reopened it" not in client.get("/chat/").content.decode().split("<template")[0]
    client.get(f"/endings/{ending.id}/")  # a 404 for them: marks nothing
    assert ReviewNotice.objects.get().seen_at is None


def test_the_ending_page_and_the_chat_page_take_a_fixed_number_of_queries(client, chat_user, moderator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        ending = Ending.objects.order_by("-created_at").first()
        result = []
        for url in (f"/endings/{ending.id}/", "/chat/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    for _ in range(2):
        ending = build_ending(chat_user)
        reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="overturned", reason="misread")
    client.force_login(chat_user)
    counts()
    small = counts()
    for _ in range(8):
        ending = build_ending(chat_user)
        reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert counts() == small
