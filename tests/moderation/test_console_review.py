"""Verdicts with the reason the user reads, the confirm step of an overturn, case views audited,
assignment, bulk actions, and the complaint loop (report received -> under review -> decided,
the notice and the `review.decided` event)."""

from __future__ import annotations

from unittest import mock

import pytest

from conversations.models import Ending
from moderation.models import AuditEvent, CaseClaim, Feedback, Flag, Review, ReviewNotice
from moderation.services import reviews
from tests.moderation.test_console_support import build_ending, make_user, staff_group

pytestmark = pytest.mark.django_db


def actions(target_id=None) -> list[str]:
    events = AuditEvent.objects.order_by("id")
    if target_id is not None:
        events = events.filter(target_id=str(target_id))
    return list(events.values_list("action", flat=True))


# --- A verdict needs the reason the user reads ---------------------------------------------------


@pytest.mark.parametrize(
    "verdict, reason, note",
    [
        ("upheld", "", ""),
        ("upheld", "misread", ""),  # an overturn's reason
        ("overturned", "", "looks fine"),
        ("overturned", "made-up", ""),
        ("overturned", "other", "   "),  # "another reason" needs the message to say it
    ],
)
def test_a_verdict_without_a_valid_reason_is_refused_and_changes_nothing(chat_user, moderator, verdict, reason, note):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    with pytest.raises(reviews.ReviewError) as error:
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict=verdict, reason=reason, note=note)
    assert error.value.code == "reason_required"
    assert not Review.objects.exists() and not ReviewNotice.objects.exists()
    assert Ending.objects.get().reopened_at is None
    assert Feedback.objects.get().status == "open"
    assert actions() == ["ending.automatic"]


def test_another_reason_is_accepted_with_its_explanation(chat_user, moderator):
    ending = build_ending(chat_user)
    review = reviews.review_create(
        ending_id=ending.id, moderator=moderator, verdict="upheld", reason="other", note="Repeated threats."
    )
    assert (review.reason, review.note, review.reason_label) == ("other", "Repeated threats.", review.reason_label)
    assert review.reason_label == "Another reason, explained below."


def test_an_overturn_over_http_asks_to_confirm_first_and_changes_nothing_until_then(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    data = {"verdict": "overturned", "reason": "legitimate", "note": "Chemistry class."}
    response = client.post(f"/moderation/cases/{ending.id}/review/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="confirm-overturn"' in page
    assert "In context, your questions were legitimate" in page and "Chemistry class." in page
    assert 'name="confirmed" value="yes"' in page and 'name="reason" value="legitimate"' in page
    assert Ending.objects.get().reopened_at is None and not Review.objects.exists()
    response = client.post(f"/moderation/cases/{ending.id}/review/", {**data, "confirmed": "yes"})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.verdict, review.reason, review.note) == ("overturned", "legitimate", "Chemistry class.")
    assert Ending.objects.get().reopened_at is not None


def test_an_overturn_without_a_reason_never_reaches_the_confirm_step(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    response = client.post(
        f"/moderation/cases/{ending.id}/review/", {"verdict": "overturned", "reason": "", "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert "Choose the reason the user will read." in client.get(response["Location"]).content.decode()
    assert not Review.objects.exists() and Ending.objects.get().reopened_at is None


def test_an_uphold_needs_no_confirm_step(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    response = client.post(f"/moderation/cases/{ending.id}/review/", {"verdict": "upheld", "reason": "repeated_harm"})
    assert response.status_code == 302
    assert Review.objects.get().verdict == "upheld"


def test_an_internal_note_needs_no_reason_and_is_never_shown_to_the_user(client, chat_user, moderator):
    ending = build_ending(chat_user)
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="note", note="INTERNAL-REMARK")
    assert not ReviewNotice.objects.exists()
    client.force_login(chat_user)
    assert "INTERNAL-REMARK" not in client.get(f"/endings/{ending.id}/").content.decode()


# --- Every case view is audited ------------------------------------------------------------------


def test_every_view_of_a_case_or_conversation_is_audited(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    client.get(f"/moderation/cases/{ending.id}/")
    client.get(f"/moderation/cases/{ending.id}/")
    client.get(f"/moderation/conversations/{ending.conversation_id}/")
    views = AuditEvent.objects.filter(action__in=["case.view", "conversation.view"]).order_by("id")
    assert [(e.action, e.actor, e.target_type, e.target_id) for e in views] == [
        ("case.view", moderator, "ending", str(ending.id)),
        ("case.view", moderator, "ending", str(ending.id)),
        ("conversation.view", moderator, "conversation", str(ending.conversation_id)),
    ]


def test_a_missing_case_is_not_audited(client, moderator):
    import uuid

    client.force_login(moderator)
    assert client.get(f"/moderation/cases/{uuid.uuid4()}/").status_code == 404
    assert not AuditEvent.objects.exists()


# --- The report's status: received -> under review -> decided -------------------------------------


def test_a_report_is_received_then_under_review_once_a_moderator_opens_the_case(client, chat_user, moderator):
    ending = build_ending(chat_user)
    feedback, _ = reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    assert feedback.status == "open"
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    feedback.refresh_from_db()
    assert feedback.status == "in_review"
    assert 'data-testid="feedback-status">under review<' in page


def test_claiming_or_being_assigned_puts_a_report_under_review(chat_user, moderator, second_moderator):
    claimed, assigned = build_ending(chat_user), build_ending(chat_user)
    for ending in (claimed, assigned):
        reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    reviews.case_claim(ending_id=claimed.id, moderator=moderator)
    reviews.case_assign(ending_id=assigned.id, assignee=second_moderator, by=moderator)
    assert set(Feedback.objects.values_list("status", flat=True)) == {"in_review"}


def test_a_verdict_decides_the_report_and_tells_the_user(chat_user, moderator, django_capture_on_commit_callbacks):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected", text="why?")
    with (
        mock.patch("conversations.events.send_now") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = reviews.review_create(
            ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm", note="Four requests."
        )
    feedback = Feedback.objects.get()
    assert (feedback.status, feedback.decision, feedback.decided_at) == ("reviewed", review, feedback.decided_at)
    assert feedback.decided_at is not None
    notice = ReviewNotice.objects.get()
    assert (notice.user, notice.ending_id, notice.review, notice.seen_at) == (chat_user, ending.id, review, None)
    send.assert_called_once_with(
        ending.conversation_id,
        "review.decided",
        ending_id=str(ending.id),
        verdict="upheld",
        url=f"/endings/{ending.id}/",
    )


def test_the_decided_event_is_published_only_on_commit(chat_user, moderator, django_capture_on_commit_callbacks):
    ending = build_ending(chat_user)
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    with (
        mock.patch("conversations.events.send_now") as send,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
        send.assert_not_called()
    assert len(callbacks) == 1


def test_an_uphold_nobody_reported_sends_no_notice_but_an_overturn_always_does(chat_user, moderator):
    upheld, overturned = build_ending(chat_user), build_ending(chat_user)
    reviews.review_create(ending_id=upheld.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    reviews.review_create(ending_id=overturned.id, moderator=moderator, verdict="overturned", reason="misread")
    assert list(ReviewNotice.objects.values_list("ending_id", flat=True)) == [overturned.id]


def test_a_report_after_an_uphold_is_decided_by_a_new_uphold(chat_user, moderator):
    ending = build_ending(chat_user)
    first = reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    reviews.feedback_create(user=chat_user, ending_id=ending.id, kind="unexpected")
    second = reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert second.pk != first.pk
    assert Feedback.objects.get().decision == second
    again = reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert again.pk == second.pk and Review.objects.count() == 2 and ReviewNotice.objects.count() == 1


# --- Assignment ----------------------------------------------------------------------------------


def test_a_moderator_assigns_a_case_to_another_who_then_holds_it(client, chat_user, moderator, second_moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    response = client.post(f"/moderation/cases/{ending.id}/assign/", {"assignee": second_moderator.username})
    assert response.status_code == 302
    claim = CaseClaim.objects.get()
    assert (claim.moderator, claim.assigned_by) == (second_moderator, moderator)
    assert claim.expires_at - claim.claimed_at == reviews.ASSIGNMENT_DURATION
    event = AuditEvent.objects.get(action="case.assign")
    assert (event.actor, event.data["assignee"]) == (moderator, second_moderator.username)
    with pytest.raises(reviews.ReviewError) as error:  # the assignee holds it now
        reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    assert error.value.code == "claimed"
    assert "assigned to mod-max" in client.get("/moderation/").content.decode()


def test_a_case_held_by_a_third_moderator_cannot_be_assigned(chat_user, moderator, second_moderator):
    third = make_user("mod-third")
    third.groups.add(staff_group("Moderators", "review_endings"))
    ending = build_ending(chat_user)
    reviews.case_claim(ending_id=ending.id, moderator=third)
    with pytest.raises(reviews.ReviewError) as error:
        reviews.case_assign(ending_id=ending.id, assignee=second_moderator, by=moderator)
    assert error.value.code == "claimed" and error.value.holder == third
    assert CaseClaim.objects.get().moderator == third


def test_cases_are_assigned_only_to_moderators(client, chat_user, moderator):
    ending = build_ending(chat_user)
    with pytest.raises(reviews.ReviewError) as error:
        reviews.case_assign(ending_id=ending.id, assignee=chat_user, by=moderator)
    assert error.value.code == "invalid"
    client.force_login(moderator)
    client.post(f"/moderation/cases/{ending.id}/assign/", {"assignee": chat_user.username})
    assert not CaseClaim.objects.exists() and not AuditEvent.objects.filter(action="case.assign").exists()


# --- Bulk actions --------------------------------------------------------------------------------


def test_bulk_uphold_asks_for_the_reason_and_confirmation_then_upholds_each(client, chat_user, moderator):
    endings = [build_ending(chat_user) for _ in range(3)]
    reviews.feedback_create(user=chat_user, ending_id=endings[0].id, kind="unexpected")
    client.force_login(moderator)
    selected = {"action": "uphold", "ending": [str(e.id) for e in endings[:2]], "next": "/moderation/"}
    response = client.post("/moderation/bulk/", selected)
    assert response.status_code == 200 and 'data-testid="confirm-bulk-uphold"' in response.content.decode()
    assert not Review.objects.exists()
    response = client.post("/moderation/bulk/", {**selected, "confirmed": "yes"})  # still no reason
    assert response.status_code == 200 and 'data-testid="error-reason"' in response.content.decode()
    assert not Review.objects.exists()
    response = client.post("/moderation/bulk/", {**selected, "confirmed": "yes", "reason": "repeated_harm"})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    assert set(Review.objects.values_list("ending_id", flat=True)) == {endings[0].id, endings[1].id}
    assert set(Review.objects.values_list("reason", flat=True)) == {"repeated_harm"}
    assert Feedback.objects.get().status == "reviewed"
    assert actions().count("case.uphold") == 2


def test_bulk_uphold_skips_cases_it_may_not_decide_and_says_so(client, chat_user, moderator, second_moderator):
    free, held, reopened = (build_ending(chat_user) for _ in range(3))
    reviews.case_claim(ending_id=held.id, moderator=second_moderator)
    reviews.review_create(ending_id=reopened.id, moderator=moderator, verdict="overturned", reason="misread")
    result = reviews.cases_uphold(
        ending_ids=[free.id, held.id, reopened.id], moderator=moderator, reason="repeated_harm"
    )
    assert result.done == [free.id]
    assert [(item, reason) for item, reason in result.skipped] == [
        (held.id, "mod-max is reviewing this case."),
        (reopened.id, "This ending was reopened; it can no longer be upheld."),
    ]


def test_bulk_resolve_needs_confirmation_then_resolves_each_flag(client, chat_user, moderator):
    flags = [Flag.objects.create(kind=Flag.Kind.CRISIS, priority=3, user=chat_user) for _ in range(2)]
    client.force_login(moderator)
    selected = {"action": "resolve", "flag": [str(f.id) for f in flags]}
    assert client.post("/moderation/bulk/", selected).status_code == 200
    assert set(Flag.objects.values_list("status", flat=True)) == {"open"}
    client.post("/moderation/bulk/", {**selected, "confirmed": "yes"})
    assert set(Flag.objects.values_list("status", flat=True)) == {"resolved"}
    assert actions().count("flag.resolve") == 2


def test_bulk_assign_gives_the_selected_cases_to_a_moderator(client, chat_user, moderator, second_moderator):
    endings = [build_ending(chat_user) for _ in range(2)]
    client.force_login(moderator)
    selected = {"action": "assign", "ending": [str(e.id) for e in endings], "assignee": second_moderator.username}
    assert client.post("/moderation/bulk/", selected).status_code == 200
    assert not CaseClaim.objects.exists()
    client.post("/moderation/bulk/", {**selected, "confirmed": "yes"})
    assert set(CaseClaim.objects.values_list("moderator__username", flat=True)) == {"mod-max"}
    assert CaseClaim.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"action": "uphold"},  # nothing selected
        {"action": "uphold", "ending": ["not-a-uuid"]},
        {"action": "assign", "ending": ["00000000-0000-0000-0000-000000000000"], "assignee": "chatter"},
        {"action": "explode", "ending": ["00000000-0000-0000-0000-000000000000"]},
    ],
)
def test_a_bulk_action_with_bad_input_changes_nothing(client, chat_user, moderator, data):
    build_ending(chat_user)
    client.force_login(moderator)
    response = client.post("/moderation/bulk/", {**data, "confirmed": "yes", "reason": "repeated_harm"})
    assert response.status_code == 302
    assert not Review.objects.exists() and not CaseClaim.objects.exists()


def test_a_bulk_action_is_capped(chat_user, moderator):
    import uuid

    with pytest.raises(reviews.ReviewError):
        reviews.cases_uphold(
            ending_ids=[uuid.uuid4() for _ in range(reviews.BULK_MAX_ITEMS + 1)],
            moderator=moderator,
            reason="repeated_harm",
        )


def test_past_reviews_never_number_the_empty_message(client, chat_user, moderator):
    ending = build_ending(chat_user)
    client.force_login(moderator)
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert '<p class="muted" data-testid="reviews">No reviews yet.</p>' in page
    assert '<ol class="reviews"' not in page
    reviews.review_create(ending_id=ending.id, moderator=moderator, verdict="upheld", reason="repeated_harm")
    page = client.get(f"/moderation/cases/{ending.id}/").content.decode()
    assert '<ol class="reviews" data-testid="reviews">' in page and "No reviews yet." not in page
