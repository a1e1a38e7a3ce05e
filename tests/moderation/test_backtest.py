"""The backtest on small hand-built histories: what a draft would add and remove, and where."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from conversations.models import Message
from moderation import backtest
from moderation.models import Backtest
from moderation.policy import PolicySettings
from moderation.services import policies
from tests.factories import conversation, post
from tests.moderation.test_console_support import CALM, HARM, assistant_reply, build_ending, classify

pytestmark = pytest.mark.django_db

STRICT = PolicySettings(redirect_at=1, warn_at=2, end_at=3)
WITHOUT_CBRN = PolicySettings(counted_categories=("sexual_minors", "violent_extremism", "cyber_attack", "abuse"))


def branch(owner, conv, turns, parent=None):
    """User turns (text, category, severity) each answered by the assistant; returns the user messages."""
    users, leaf = [], parent
    for text, category, severity in turns:
        message = post(owner, conv, text, parent=leaf)
        classify(message, category, severity)
        leaf = assistant_reply(message, "refuse" if severity >= 2 else "answer")
        users.append(message)
    return users


def test_replaying_under_the_policy_that_made_the_endings_changes_nothing(chat_user):
    ending = build_ending(chat_user)
    branch(chat_user, conversation(chat_user), [(CALM, "other", 0)] * 3)
    result = backtest.backtest(PolicySettings())
    assert result.actual_endings == 1
    assert result.kept == 1
    assert result.added == [] and result.removed == []
    assert result.user_turns == 7
    assert ending.conversation_id


def test_a_draft_that_stops_counting_the_category_removes_the_ending_at_its_turn(chat_user):
    ending = build_ending(chat_user)
    result = backtest.backtest(WITHOUT_CBRN)
    assert result.added == []
    [removed] = result.removed
    assert removed.ending_id == str(ending.id)
    assert removed.conversation_id == str(ending.conversation_id)
    assert removed.anchor_id == str(ending.notice.parent_id)
    assert removed.turn == 4
    assert removed.reason == "persistent_harm" and removed.category == "cbrn"


def test_a_stricter_draft_adds_endings_where_none_were_made_and_moves_others_earlier(chat_user):
    conv = conversation(chat_user)
    users = branch(chat_user, conv, [(HARM, "cbrn", 3)] * 3)  # refused 3 times, never ended
    ending = build_ending(chat_user)  # ended at turn 4
    result = backtest.backtest(STRICT)
    added = {(change.conversation_id, change.turn) for change in result.added}
    assert added == {(str(conv.id), 3), (str(ending.conversation_id), 3)}
    assert {c.anchor_id for c in result.added if c.conversation_id == str(conv.id)} == {str(users[2].id)}
    assert [(c.ending_id, c.turn) for c in result.removed] == [(str(ending.id), 4)]


def test_branches_are_replayed_separately_and_an_edit_inherits_the_path_above_it(chat_user):
    conv = conversation(chat_user)
    first = branch(chat_user, conv, [(HARM, "cbrn", 3)] * 2)
    # An edit of the second message: branches from the first reply and inherits one strike.
    edited = branch(chat_user, conv, [(HARM, "cbrn", 3)], parent=first[0].children.get())
    # A new root starts clean, and two calm turns between strikes let them decay: never ended.
    fresh = branch(chat_user, conv, [(HARM, "cbrn", 3), (CALM, "other", 0), (CALM, "other", 0), (HARM, "cbrn", 3)])
    result = backtest.backtest(PolicySettings(redirect_at=1, warn_at=1, end_at=2))
    anchors = {change.anchor_id: change.turn for change in result.added}
    assert anchors == {str(first[1].id): 2, str(edited[0].id): 2}
    assert str(fresh[3].id) not in anchors


def test_a_reopened_ending_that_the_draft_would_not_make_is_reported_as_overturned(chat_user, policy_admin):
    from moderation.services import reviews

    ending = build_ending(chat_user)
    reviews.review_create(ending_id=ending.id, moderator=policy_admin, verdict="overturned", reason="misread")
    [removed] = backtest.backtest(WITHOUT_CBRN).removed
    assert removed.reopened is True


def test_loading_history_takes_four_queries_whatever_its_size(chat_user, django_assert_num_queries):
    build_ending(chat_user)
    with django_assert_num_queries(4):
        small = backtest.load_history()
    for _ in range(5):
        build_ending(chat_user)
    with django_assert_num_queries(4):
        large = backtest.load_history()
    assert len(large.messages) > len(small.messages)


def test_since_keeps_only_recent_conversations(chat_user):
    from datetime import timedelta

    from django.utils import timezone

    build_ending(chat_user)
    assert backtest.backtest(WITHOUT_CBRN, since=timezone.now() + timedelta(days=1)).conversations == 0
    assert backtest.backtest(WITHOUT_CBRN, since=timezone.now() - timedelta(days=1)).conversations == 1


def test_the_command_prints_a_summary_and_the_changes(chat_user, active_policy, policy_admin, capsys):
    ending = build_ending(chat_user)
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_draft_update(number=draft.number, author=policy_admin, data=WITHOUT_CBRN.to_dict())
    call_command("backtest", "--policy-version", str(draft.number))
    out = capsys.readouterr().out
    assert "1 actual endings, 0 under this version" in out
    assert "Removed (1):" in out and str(ending.id) in out


def test_the_console_backtest_runs_as_a_task_and_stores_its_result(
    client, chat_user, active_policy, policy_admin, django_capture_on_commit_callbacks
):
    build_ending(chat_user)
    draft = policies.policy_draft_create(author=policy_admin)
    policies.policy_draft_update(number=draft.number, author=policy_admin, data=STRICT.to_dict())
    client.force_login(policy_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/moderation/policy/{draft.number}/backtest/")
    run = Backtest.objects.get()
    assert response["Location"] == f"/moderation/policy/backtests/{run.pk}/"
    assert run.status == "done" and run.progress == 100
    assert run.result["added_count"] == 1 and run.result["removed_count"] == 1
    status = client.get(f"/moderation/policy/backtests/{run.pk}/status/").json()
    assert status == {"id": run.pk, "status": "done", "progress": 100, "finished": True, "added": 1, "removed": 1}
    page = client.get(f"/moderation/policy/backtests/{run.pk}/").content.decode()
    assert f"/moderation/cases/{run.result['removed'][0]['ending_id']}/" in page
    assert f"/moderation/conversations/{run.result['added'][0]['conversation_id']}/" in page


def test_a_backtest_runs_once_even_if_the_task_is_delivered_twice(chat_user, active_policy):
    run = Backtest.objects.create(policy_version=active_policy)
    assert policies.backtest_run(backtest_id=run.pk).status == "done"
    assert policies.backtest_run(backtest_id=run.pk) is None


def test_a_message_sent_while_the_ending_landed_is_not_replayed_as_a_turn(chat_user):
    """It was closed by the ending (conversations.closure) and never answered: a later draft
    ending on it would be an ending of a turn that never happened."""
    ending = build_ending(chat_user)
    ended_turn = ending.notice.parent
    racing = Message.objects.create(
        conversation_id=ended_turn.conversation_id, parent=ended_turn, role="user", content=HARM
    )
    classify(racing, "cbrn", 3)
    result = backtest.backtest(PolicySettings(warn_at=4, end_at=5))  # would end at turn 5
    assert result.added == []
    assert [c.ending_id for c in result.removed] == [str(ending.id)]
    assert result.user_turns == 4
