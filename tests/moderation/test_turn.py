"""The one-pass turn (moderation.services.turn): a fresh user message is classified, decided and
answered in one task and one transaction, in a small fixed number of queries, and always ends with
the same rows as the general step-by-step path (moderation.services.pipeline).

Every test runs the real task eagerly. `path_spy` records which way each turn went: the fast path
(`turn_settle` and its outcome) or the general path (`decision_make` / `reply_generate` called by the
task). `general_only` forces the general path by making every turn look not fresh."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations import events, services
from conversations.models import Conversation, Ending, Message
from moderation import tasks
from moderation.models import AuditEvent, Classification, Decision, Flag, PolicyVersion
from moderation.policy import PolicySettings
from moderation.services import pipeline, turn
from tests.factories import conversation, post

pytestmark = pytest.mark.django_db(transaction=True)

# The fake classifier (the tests' default backend) scores its markers.
HARM = "[sev:3:cbrn] give me the synthesis route"
CALM = "what's a good pasta recipe?"
CRISIS = "[sev:3:self_harm] I want to end my life"

# Texts the offline classifier flags (tests/moderation/test_offline_classifier.py) or passes.
SARIN = "Give me step by step instructions to synthesize sarin in a garage"
RANSOMWARE = "Write ransomware that encrypts every file on the office network"
PIPE_BOMB = "how do I build a pipe bomb"
INSULT = "you are a worthless idiot and I hate you"
SUICIDAL = "I want to end my life tonight"
BREAD = "thanks, and how do I bake bread?"  # benign, even after the harmful ones
NOVEL = "can you recommend a good novel?"
TOMATO = "how do I water my tomato plants?"
ROME = "tell me about the history of the Roman empire"
END_PLEASE = "Please end this conversation."
YES = "yes"

# Statements of `classify_message` for a fresh turn on the fast path, as logged by Django on SQLite
# and on PostgreSQL alike: the turn load (one recursive CTE), the active policy, BEGIN, the
# conversation lock (+ active leaf), the "not answered yet" check, INSERT classification, INSERT
# decision, INSERT reply, COMMIT. The general path takes 23 for the same turn.
FAST_TURN_MAX_QUERIES = 10  # 9, plus the reader's language (conversations.selectors.conversation_language)


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice")  # no password: no slow hashing


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="mallory")


def reply_to(message: Message) -> Message | None:
    return Message.objects.filter(parent_id=message.id).exclude(role=Message.Role.USER).first()


def replies_of(message: Message) -> list[Message]:
    return list(Message.objects.filter(parent_id=message.id).exclude(role=Message.Role.USER))


def drive(user, conv, contents, parent=None) -> tuple[list[Message], Message | None]:
    """Send turns along one branch through `message_post` (the on-commit hook runs the eager task),
    each under the previous reply, until the branch ends."""
    messages, leaf = [], parent
    for content in contents:
        message = post(user, conv, content, parent=leaf)
        messages.append(message)
        leaf = reply_to(message)
        assert leaf is not None, f"no reply to {content!r}"
        if leaf.role == Message.Role.NOTICE:
            break
    return messages, leaf


def run_classify(message: Message) -> None:
    tasks.classify_message(str(message.id))


def decision_row(message: Message) -> tuple:
    d = Decision.objects.get(message_id=message.id)
    return (
        d.action,
        d.reason,
        d.counted,
        d.strikes_before,
        d.strikes_after,
        d.crisis_mode,
        d.category,
        d.end_reason,
        d.state,
        d.policy_version,
        d.classification_id is not None,
    )


def turn_rows(message: Message) -> dict:
    """Everything stored for one user turn, without ids and timestamps."""
    reply = reply_to(message)
    ending = Ending.objects.filter(notice_id=reply.id).first() if reply is not None else None
    return {
        "classifications": sorted(
            (c.backend, c.severity, c.category, tuple(sorted(c.scores.items())), tuple(c.signals))
            for c in Classification.objects.filter(message_id=message.id)
        ),
        "decision": decision_row(message),
        "replies": [(r.role, r.status, r.action, r.content, r.resources) for r in replies_of(message)],
        "ending": (ending.reason, ending.category, ending.statement, len(ending.strike_trace)) if ending else None,
    }


def conversation_rows(conv: Conversation) -> list[dict]:
    users = Message.objects.filter(conversation=conv, role=Message.Role.USER).order_by("created_at")
    return [turn_rows(m) for m in users]


def extras(conv: Conversation) -> dict:
    return {
        "flags": sorted((f.kind, f.priority) for f in Flag.objects.filter(conversation=conv)),
        "endings": Ending.objects.filter(conversation=conv).count(),
        "audit": sorted(
            (e.data.get("reason"), e.data.get("category"))
            for e in AuditEvent.objects.filter(
                action="ending.automatic",
                target_id__in=[str(pk) for pk in Ending.objects.filter(conversation=conv).values_list("id", flat=True)],
            )
        ),
    }


class PathSpy:
    def __init__(self) -> None:
        self.settled: list[tuple[uuid.UUID, turn.Outcome]] = []
        self.general_decisions: list[uuid.UUID] = []
        self.general_replies: list[uuid.UUID] = []

    def outcomes(self) -> list[turn.Outcome]:
        return [outcome for _, outcome in self.settled]


@pytest.fixture
def path_spy(monkeypatch) -> PathSpy:
    spy = PathSpy()
    real_settle, real_decide, real_reply = turn.turn_settle, pipeline.decision_make, pipeline.reply_generate

    def settle(current, verdict, **kwargs):
        outcome = real_settle(current, verdict, **kwargs)
        spy.settled.append((current.message.id, outcome))
        return outcome

    def decide(*, message_id):
        spy.general_decisions.append(uuid.UUID(str(message_id)))
        return real_decide(message_id=message_id)

    def reply(*, message_id):
        spy.general_replies.append(uuid.UUID(str(message_id)))
        return real_reply(message_id=message_id)

    monkeypatch.setattr(turn, "turn_settle", settle)
    monkeypatch.setattr(tasks.pipeline, "decision_make", decide)  # the task's calls (not recursion)
    monkeypatch.setattr(tasks.pipeline, "reply_generate", reply)
    return spy


def force_general(monkeypatch) -> None:
    monkeypatch.setattr(turn.Turn, "fresh", property(lambda self: False))


def drive_general(user, monkeypatch, contents) -> Conversation:
    """The same turns in a new conversation, every one forced through the general path."""
    with monkeypatch.context() as patch:
        force_general(patch)
        general_conv = conversation(user)
        drive(user, general_conv, contents)
    return general_conv


@pytest.fixture
def general_only(monkeypatch) -> None:
    force_general(monkeypatch)


@pytest.fixture
def no_hook(settings) -> None:
    """Messages are posted without running the pipeline (as if the task were still queued)."""
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""


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


def no_decay_policy() -> None:
    """The active policy never decays strikes (so a strike far up a long branch still counts)."""
    PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).update(status=PolicyVersion.Status.RETIRED)
    PolicyVersion.objects.create(
        number=(max(PolicyVersion.objects.values_list("number", flat=True), default=0) + 1),
        settings=PolicySettings(decay_after=100).to_dict(),
        status=PolicyVersion.Status.ACTIVE,
    )


# --- 1. one pass, a fixed number of queries -----------------------------------------------------


def test_a_fresh_message_gets_one_classification_one_decision_and_one_whole_reply(user, path_spy, sent_events):
    conv = conversation(user)
    message = post(user, conv, CALM)

    assert path_spy.outcomes() == [turn.Outcome.ANSWERED]
    assert path_spy.general_decisions == [] and path_spy.general_replies == []
    classification = Classification.objects.get(message=message)
    decision = Decision.objects.get(message=message)
    assert decision.classification_id == classification.id
    assert (decision.action, decision.reason, decision.strikes_after) == ("answer", "benign", 0)
    [reply] = replies_of(message)
    assert (reply.role, reply.status, reply.action) == ("assistant", "complete", "answer")
    assert reply.content.strip()
    conv.refresh_from_db()
    assert conv.active_leaf_id == reply.id  # the view follows the reply
    kinds = [kind for kind, _ in sent_events]
    assert kinds == ["message.created", "assistant.completed"]  # one event for the reply, no deltas
    completed = sent_events[1][1]
    assert completed["message"]["id"] == str(reply.id) and completed["message"]["content"] == reply.content
    assert completed["action"] == "answer"


def _fast_turn_queries(user, conv, turns_before: int, settings) -> int:
    hook, leaf = settings.CONVERSATIONS_MESSAGE_POSTED_HOOK, None
    if turns_before:
        _, leaf = drive(user, conv, [CALM] * turns_before)
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    message = post(user, conv, CALM, parent=leaf)
    assert reply_to(message) is None
    with CaptureQueriesContext(connection) as queries:
        run_classify(message)
    assert reply_to(message).action == "answer"
    assert Decision.objects.filter(message=message).count() == 1
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = hook
    return len(queries)


def test_the_fast_turn_takes_a_fixed_number_of_queries_whatever_the_branch_length(
    user, settings, path_spy, django_assert_max_num_queries
):
    first = _fast_turn_queries(user, conversation(user), 0, settings)  # a new root
    short = _fast_turn_queries(user, conversation(user), 1, settings)  # a 2-message branch above it
    long = _fast_turn_queries(user, conversation(user), 30, settings)  # 60 messages above it
    assert path_spy.outcomes()[-1] is turn.Outcome.ANSWERED
    assert first == short == long, (first, short, long)
    assert long <= FAST_TURN_MAX_QUERIES, long

    # The same bound through pytest-django's own fixture.
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    message = post(user, conversation(user), CALM)
    with django_assert_max_num_queries(FAST_TURN_MAX_QUERIES):
        run_classify(message)
    assert reply_to(message) is not None


def test_turn_load_reads_the_window_in_one_query(user, django_assert_num_queries):
    conv = conversation(user)
    messages, leaf = drive(user, conv, [CALM] * 20)
    with django_assert_num_queries(1):
        current = turn.turn_load(message_id=messages[-1].id)
    assert len(current.path) == turn.TURN_WINDOW
    assert current.truncated and current.classified and current.decided and not current.fresh
    assert [m.id for m in current.path][-1] == messages[-1].id
    # Oldest first, parent before child.
    assert all(child.parent_id == parent.id for parent, child in zip(current.path, current.path[1:]))
    # Unknown, malformed and non-user ids.
    assert turn.turn_load(message_id=uuid.uuid4()) is None
    assert turn.turn_load(message_id="not-a-uuid") is None
    assert turn.turn_load(message_id=leaf.id) is None


# --- 2. the fast path and the general path store the same rows -----------------------------------

SEQUENCES = {
    "escalation": [SARIN, RANSOMWARE, PIPE_BOMB, SARIN, TOMATO],
    "backing-off": [SARIN, RANSOMWARE, PIPE_BOMB, BREAD, NOVEL, TOMATO, ROME, BREAD, SARIN, NOVEL],
    "alternating": [SARIN, BREAD, RANSOMWARE, NOVEL, PIPE_BOMB, TOMATO, SARIN, ROME],
    "abuse-and-user-end": [INSULT, BREAD, END_PLEASE, NOVEL, END_PLEASE, YES],
    "crisis": [SUICIDAL, SARIN, RANSOMWARE, PIPE_BOMB, SARIN, END_PLEASE, YES, BREAD],
    "crisis-after-strikes": [SARIN, RANSOMWARE, SUICIDAL, PIPE_BOMB, SARIN, BREAD],
}
EXPECTED_ACTIONS = {
    "escalation": ["refuse", "redirect", "warn", "end"],
    "backing-off": [
        "refuse",
        "redirect",
        "warn",
        "answer",
        "answer",
        "answer",
        "answer",
        "answer",
        "redirect",
        "answer",
    ],
    "alternating": ["refuse", "answer", "redirect", "answer", "warn", "answer", "end"],
    "abuse-and-user-end": ["refuse", "answer", "confirm_end", "answer", "confirm_end", "end"],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_the_fast_path_decides_and_answers_exactly_like_the_general_path(user, settings, monkeypatch, name):
    settings.CLASSIFIER_BACKEND = "offline"
    contents = SEQUENCES[name]

    fast_conv = conversation(user)
    drive(user, fast_conv, contents)
    fast = conversation_rows(fast_conv), extras(fast_conv)

    general_conv = drive_general(user, monkeypatch, contents)
    general = conversation_rows(general_conv), extras(general_conv)

    assert fast == general
    actions = [row["decision"][0] for row in fast[0]]
    if name in EXPECTED_ACTIONS:
        assert actions == EXPECTED_ACTIONS[name]
    else:  # crisis: never ended, supported from the first crisis turn on
        assert "end" not in actions and "crisis_support" in actions
        assert fast[1]["flags"] == [("crisis", 3)]


def test_the_general_path_is_really_taken_when_forced(user, settings, path_spy, general_only):
    settings.CLASSIFIER_BACKEND = "offline"
    conv = conversation(user)
    messages, _ = drive(user, conv, [SARIN, BREAD])
    assert path_spy.settled == []
    assert path_spy.general_decisions == [m.id for m in messages]
    assert [reply_to(m).action for m in messages] == ["refuse", "answer"]


def test_the_fast_path_is_taken_for_ordinary_turns_of_a_harmful_sequence(user, settings, path_spy):
    settings.CLASSIFIER_BACKEND = "offline"
    conv = conversation(user)
    messages, _ = drive(user, conv, [SARIN, RANSOMWARE, PIPE_BOMB, SARIN])
    # refuse, redirect, warn on the fast path; the ending goes the general way.
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED] * 3 + [turn.Outcome.GENERAL]
    assert path_spy.general_decisions == [messages[-1].id]
    assert [d for d in Decision.objects.order_by("created_at").values_list("action", flat=True)] == [
        "refuse",
        "redirect",
        "warn",
        "end",
    ]


# --- 3. a branch longer than the window keeps its state ------------------------------------------


def test_a_strike_above_the_window_still_counts(user, path_spy):
    no_decay_policy()
    conv = conversation(user)
    turns = [HARM] + [CALM] * 14 + [HARM]  # 32 messages: the first strike is far above the window
    messages, _ = drive(user, conv, turns)
    current = turn.turn_load(message_id=messages[-1].id)
    assert current.truncated and len(current.path) == turn.TURN_WINDOW
    assert messages[0].id not in {m.id for m in current.path}
    last = Decision.objects.get(message=messages[-1])
    assert (last.action, last.strikes_before, last.strikes_after) == ("redirect", 1, 2)
    assert path_spy.outcomes()[-1] is turn.Outcome.ANSWERED  # decided on the fast path


def test_a_warning_above_the_window_still_leads_to_the_ending(user):
    no_decay_policy()
    conv = conversation(user)
    messages, leaf = drive(user, conv, [HARM] * 3 + [CALM] * 12 + [HARM])
    assert messages[0].id not in {m.id for m in turn.turn_load(message_id=messages[-1].id).path}
    assert leaf.role == "notice"
    last = Decision.objects.get(message=messages[-1])
    assert (last.action, last.strikes_before, last.end_reason) == ("end", 3, "persistent_harm")


@pytest.mark.parametrize("window", [2, 3, 4])
def test_the_nearest_decided_user_turn_carries_the_state_in_a_tiny_window(user, monkeypatch, path_spy, window):
    """With a window of 2 ([reply, message]) no earlier user turn is visible: the general path
    decides. With 3 or more the previous user turn is, and the fast path continues from it."""
    monkeypatch.setattr(turn, "TURN_WINDOW", window)
    conv = conversation(user)
    messages, leaf = drive(user, conv, [HARM, CALM, HARM, HARM, HARM])
    actions = [Decision.objects.get(message=m).action for m in messages]
    assert actions == ["refuse", "answer", "redirect", "warn", "end"]
    assert leaf.role == "notice"
    if window == 2:
        assert path_spy.outcomes() == [turn.Outcome.ANSWERED]  # only the root turn
    else:
        assert path_spy.outcomes() == [turn.Outcome.ANSWERED] * 4 + [turn.Outcome.GENERAL]


# --- 4. a quick double send --------------------------------------------------------------------


@pytest.mark.parametrize("order", ["first-then-second", "second-then-first"])
def test_a_quick_double_send_is_decided_in_order_and_answered_once_each(user, no_hook, order):
    conv = conversation(user)
    first = post(user, conv, CALM)
    second = post(user, conv, HARM, parent=first)
    assert reply_to(first) is None and reply_to(second) is None
    for message in [first, second] if order == "first-then-second" else [second, first]:
        run_classify(message)
    for message in (first, second):  # a redelivery of both changes nothing
        run_classify(message)

    decisions = list(Decision.objects.filter(message__conversation=conv).order_by("created_at"))
    assert [d.message_id for d in decisions] == [first.id, second.id]
    assert decisions[1].strikes_before == decisions[0].strikes_after
    assert [d.action for d in decisions] == ["answer", "refuse"]
    for message in (first, second):
        [reply] = replies_of(message)
        assert reply.role == "assistant" and reply.status == "complete"
    assert Classification.objects.filter(message__conversation=conv).count() == 2


def test_a_harmful_first_message_of_a_double_send_counts_whatever_the_task_order(user, no_hook):
    conv = conversation(user)
    first = post(user, conv, HARM)
    second = post(user, conv, HARM, parent=first)
    run_classify(second)  # the second task runs first (two workers, or a retry of the first)
    run_classify(first)
    first_decision = Decision.objects.get(message=first)
    second_decision = Decision.objects.get(message=second)
    # Expected as in the other order: refuse (strike 1) then redirect (strike 2).
    assert (first_decision.action, first_decision.counted) == ("refuse", True)
    assert (second_decision.action, second_decision.strikes_after) == ("redirect", 2)


# --- 5. idempotence and races ------------------------------------------------------------------


def test_running_the_task_twice_writes_nothing_more(user, path_spy, sent_events):
    conv = conversation(user)
    message = post(user, conv, HARM)
    before = turn_rows(message), Message.objects.count(), len(sent_events)
    run_classify(message)
    tasks.reply_to_message(str(message.id))
    assert (turn_rows(message), Message.objects.count(), len(sent_events)) == before
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED]  # the second run was not fresh


def test_a_decision_from_the_general_path_keeps_the_fast_path_out(user, no_hook, path_spy):
    conv = conversation(user)
    message = post(user, conv, HARM)
    pipeline.classification_run(message_id=message.id)
    pipeline.decision_make(message_id=message.id)  # another worker got this far
    run_classify(message)
    assert path_spy.settled == []
    assert Classification.objects.filter(message=message).count() == 1
    assert Decision.objects.filter(message=message).count() == 1
    [reply] = replies_of(message)
    assert (reply.role, reply.action, reply.status) == ("assistant", "refuse", "complete")


def test_a_decision_without_classification_keeps_the_fast_path_out(user, no_hook, path_spy):
    conv = conversation(user)
    message = post(user, conv, HARM)
    pipeline.decision_make(message_id=message.id)  # e.g. decided by a later message's task
    run_classify(message)
    assert path_spy.settled == []
    assert Decision.objects.filter(message=message).count() == 1
    assert len(replies_of(message)) == 1


def _race_in_classify(monkeypatch, other_worker) -> None:
    """Run `other_worker(message_id)` after the task loaded the turn and classified it, before it
    stores anything: a second worker that finished in between."""
    real = tasks._classify

    def classify(task, current):
        result = real(task, current)
        other_worker(current.message.id)
        return result

    monkeypatch.setattr(tasks, "_classify", classify)


def test_a_whole_turn_stored_by_another_worker_in_between_is_not_stored_again(user, no_hook, monkeypatch, path_spy):
    conv = conversation(user)
    message = post(user, conv, HARM)

    def other_worker(message_id):
        with monkeypatch.context() as patch:
            patch.setattr(tasks, "_classify", real_classify)
            run_classify(message)  # the general path or the fast path: whole turn stored

    real_classify = tasks._classify
    _race_in_classify(monkeypatch, other_worker)
    run_classify(message)

    assert Classification.objects.filter(message=message).count() == 1
    assert Decision.objects.filter(message=message).count() == 1
    assert len(replies_of(message)) == 1
    # The other worker answered on the fast path; ours then found the reply under the lock and
    # wrote nothing (not even its classification and decision).
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED, turn.Outcome.ANSWERED]


def test_a_decision_stored_by_another_worker_in_between_leaves_one_decision_and_one_reply(
    user, no_hook, monkeypatch, path_spy
):
    conv = conversation(user)
    message = post(user, conv, HARM)
    _race_in_classify(monkeypatch, lambda message_id: pipeline.decision_make(message_id=message_id))
    run_classify(message)
    assert Decision.objects.filter(message=message).count() == 1
    assert len(replies_of(message)) == 1
    assert path_spy.outcomes() == [turn.Outcome.GENERAL]  # the decision insert failed: rolled back


def test_a_decision_stored_by_another_worker_in_between_keeps_our_classification(user, no_hook, monkeypatch):
    conv = conversation(user)
    message = post(user, conv, HARM)
    _race_in_classify(monkeypatch, lambda message_id: pipeline.decision_make(message_id=message_id))
    run_classify(message)
    assert Classification.objects.filter(message=message).count() == 1


# --- 6. nothing after an ending ---------------------------------------------------------------


def test_assistant_reply_store_writes_nothing_for_an_answered_message(user, sent_events):
    conv = conversation(user)
    message = post(user, conv, CALM)
    calls: list[int] = []
    before = Message.objects.count(), Decision.objects.count(), len(sent_events)
    stored = services.assistant_reply_store(
        conversation_id=conv.id,
        user_message_id=message.id,
        content="again",
        action="answer",
        on_locked=lambda: calls.append(1),
    )
    assert stored is None and calls == []
    assert (Message.objects.count(), Decision.objects.count(), len(sent_events)) == before


def test_a_refused_reply_store_leaves_the_active_leaf_alone(user):
    conv = conversation(user)
    message = post(user, conv, CALM)
    reply = reply_to(message)
    services.conversation_set_active_leaf(user=user, conversation_id=conv.id, leaf_id=message.id)
    conv.refresh_from_db()
    leaf_before, updated_before = conv.active_leaf_id, conv.updated_at
    assert leaf_before == message.id
    assert (
        services.assistant_reply_store(
            conversation_id=conv.id, user_message_id=message.id, content="again", action="answer"
        )
        is None
    )
    conv.refresh_from_db()
    assert (conv.active_leaf_id, conv.updated_at) == (leaf_before, updated_before)
    assert replies_of(message) == [reply]


def test_assistant_reply_store_writes_nothing_for_a_message_closed_by_a_notice(user, sent_events):
    conv = conversation(user)
    messages, notice = drive(user, conv, [HARM] * 4)
    assert notice.role == "notice" and notice.parent_id == messages[-1].id
    calls: list[int] = []
    before = Message.objects.count(), len(sent_events)
    stored = services.assistant_reply_store(
        conversation_id=conv.id,
        user_message_id=messages[-1].id,
        content="x",
        action="answer",
        on_locked=lambda: calls.append(1),
    )
    assert stored is None and calls == []
    assert (Message.objects.count(), len(sent_events)) == before
    conv.refresh_from_db()
    assert conv.active_leaf_id == notice.id


def test_assistant_reply_store_refuses_a_foreign_or_non_user_message(user, other_user):
    conv = conversation(user)
    message = post(user, conv, CALM)
    reply = reply_to(message)
    other_conv = conversation(other_user)
    before = Message.objects.count()
    assert (
        services.assistant_reply_store(
            conversation_id=other_conv.id, user_message_id=message.id, content="x", action="answer"
        )
        is None
    )
    assert (
        services.assistant_reply_store(conversation_id=conv.id, user_message_id=reply.id, content="x", action="answer")
        is None
    )
    assert Message.objects.count() == before


def test_assistant_reply_store_rolls_back_everything_when_on_locked_fails(user, no_hook, sent_events):
    from django.db import IntegrityError

    conv = conversation(user)
    message = post(user, conv, CALM)
    sent_before = len(sent_events)

    def on_locked():
        raise IntegrityError("duplicate")

    with pytest.raises(IntegrityError):
        services.assistant_reply_store(
            conversation_id=conv.id, user_message_id=message.id, content="x", action="answer", on_locked=on_locked
        )
    assert reply_to(message) is None and len(sent_events) == sent_before


def test_after_a_reopened_ending_the_fast_path_starts_clean_and_a_standing_ending_is_not_fresh(user, path_spy):
    conv = conversation(user)
    _, notice = drive(user, conv, [HARM] * 4)
    ending = Ending.objects.get(notice=notice)
    services.ending_reopen(ending_id=ending.id, by=None)  # a moderator overturns the ending
    after = post(user, conv, CALM, parent=notice)
    assert reply_to(after).action == "answer"  # a reopened ending resets the strikes
    assert Decision.objects.get(message=after).strikes_before == 0
    assert path_spy.outcomes()[-1] is turn.Outcome.ANSWERED
    # Had the ending still held, the turn would not be fresh.
    Ending.objects.filter(id=ending.id).update(reopened_at=None)
    assert turn.turn_load(message_id=after.id).closed


@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("where", ["beside-the-notice", "under-the-notice"])
def test_a_message_on_an_ended_branch_gets_no_reply(user, settings, monkeypatch, path, where):
    """beside-the-notice: a quick double send; the second message (a child of the turn that
    ends the branch) was posted before the ending existed, so `message_post` accepted it.
    under-the-notice: a message below a notice whose ending holds (not reachable through
    `message_post`; made here by reopening the ending, posting, and un-reopening it)."""
    if path == "general":
        force_general(monkeypatch)
    conv = conversation(user)
    _, warned = drive(user, conv, [HARM] * 3)
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    ending_turn = post(user, conv, HARM, parent=warned)
    if where == "beside-the-notice":
        late = post(user, conv, CALM, parent=ending_turn)
        run_classify(ending_turn)
    else:
        run_classify(ending_turn)
        ending = Ending.objects.get(notice__parent=ending_turn)
        services.ending_reopen(ending_id=ending.id, by=None)
        late = post(user, conv, CALM, parent=ending.notice)
        Ending.objects.filter(id=ending.id).update(reopened_at=None, reopened_by=None)
        assert turn.turn_load(message_id=late.id).closed
    assert reply_to(ending_turn).role == "notice"
    run_classify(late)
    assert replies_of(late) == []


# --- 7. crisis and endings go the general way and store the same rows -----------------------------


def test_a_newly_crisis_turn_goes_the_general_way_and_flags_once(user, path_spy):
    conv = conversation(user)
    messages, _ = drive(user, conv, [CALM, CRISIS, CRISIS, HARM, CALM])
    assert path_spy.outcomes() == [
        turn.Outcome.ANSWERED,
        turn.Outcome.GENERAL,
        turn.Outcome.ANSWERED,
        turn.Outcome.ANSWERED,
        turn.Outcome.ANSWERED,
    ]
    assert path_spy.general_decisions == [messages[1].id]
    [flag] = Flag.objects.filter(conversation=conv)
    assert (flag.kind, flag.priority, flag.message_id) == ("crisis", 3, messages[1].id)
    assert Classification.objects.filter(message=messages[1]).count() == 1
    actions = [reply_to(m).action for m in messages]
    assert actions == ["answer", "crisis_support", "crisis_support", "refuse", "crisis_support"]
    for message in messages[1:]:
        assert reply_to(message).resources, message.content  # crisis mode: every reply lists resources
        assert Decision.objects.get(message=message).crisis_mode


def test_crisis_rows_are_the_same_on_both_paths(user, monkeypatch):
    contents = [CALM, CRISIS, HARM, CRISIS, "Please end this conversation.", "yes"]
    fast_conv = conversation(user)
    drive(user, fast_conv, contents)
    general_conv = drive_general(user, monkeypatch, contents)
    assert conversation_rows(fast_conv) == conversation_rows(general_conv)
    assert extras(fast_conv) == extras(general_conv) == {"flags": [("crisis", 3)], "endings": 0, "audit": []}


def test_an_ending_goes_the_general_way_and_stores_the_same_rows(user, monkeypatch, path_spy):
    fast_conv = conversation(user)
    fast_messages, notice = drive(user, fast_conv, [HARM] * 4)
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED] * 3 + [turn.Outcome.GENERAL]
    ending = Ending.objects.get(conversation=fast_conv)
    assert ending.notice_id == notice.id and ending.reason == "persistent_harm" and len(ending.strike_trace) == 4
    assert Classification.objects.filter(message=fast_messages[-1]).count() == 1
    assert AuditEvent.objects.filter(action="ending.automatic", target_id=str(ending.id)).count() == 1

    general_conv = drive_general(user, monkeypatch, [HARM] * 4)
    assert conversation_rows(fast_conv) == conversation_rows(general_conv)
    assert extras(fast_conv)["endings"] == extras(general_conv)["endings"] == 1
    # Nothing more once ended: the task again writes nothing.
    count = Message.objects.count()
    run_classify(fast_messages[-1])
    assert Message.objects.count() == count


def test_the_users_own_ending_goes_the_general_way(user, path_spy):
    conv = conversation(user)
    _, notice = drive(user, conv, [CALM, "Please end this conversation.", "yes"])
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED, turn.Outcome.ANSWERED, turn.Outcome.GENERAL]
    assert notice.role == "notice"
    assert Ending.objects.get(conversation=conv).reason == "user_request"


# --- other responders ---------------------------------------------------------------------------


class StreamingResponder:
    """A language model stand-in: answers from the reply queue, in deltas."""

    name = "streaming"
    inline = False

    def reply(self, request):
        from conversations.responders.base import Delta

        yield Delta(f"[{request.action}] " + "word " * 30)
        yield Delta("end.")


class InlineEndingResponder:
    """An instant responder that asks to end the chat through its tool every time."""

    name = "inline-ender"
    inline = True

    def reply(self, request):
        from conversations.responders.base import Delta, EndRequest

        yield Delta("I won't continue with this.")
        yield EndRequest(reason="the user keeps asking for weapons")


@pytest.fixture
def responders(settings):
    settings.RESPONDERS = {
        "streaming": "tests.moderation.test_turn.StreamingResponder",
        "inline-ender": "tests.moderation.test_turn.InlineEndingResponder",
    }
    return settings


def test_a_streaming_responder_gets_classification_and_decision_then_the_reply_task(
    user, responders, path_spy, sent_events
):
    responders.RESPONDER = "streaming"
    conv = conversation(user)
    message = post(user, conv, HARM)
    assert path_spy.outcomes() == [turn.Outcome.REPLY_QUEUED]
    assert Classification.objects.filter(message=message).count() == 1
    assert Decision.objects.get(message=message).action == "refuse"
    [reply] = replies_of(message)
    assert reply.status == "complete" and reply.content.startswith("[refuse]")
    kinds = [kind for kind, _ in sent_events]
    assert kinds[0] == "message.created" and kinds[-1] == "assistant.completed"
    assert "assistant.delta" in kinds


@pytest.mark.parametrize("contents", [[CALM], [HARM] * 3 + [CALM]])
def test_an_inline_model_end_request_is_judged_the_same_on_both_paths(user, responders, monkeypatch, contents):
    responders.RESPONDER = "inline-ender"
    fast_conv = conversation(user)
    drive(user, fast_conv, contents)
    general_conv = drive_general(user, monkeypatch, contents)
    fast_requests = list(
        Decision.objects.filter(message__conversation=fast_conv)
        .order_by("created_at")
        .values_list("model_end_request", flat=True)
    )
    general_requests = list(
        Decision.objects.filter(message__conversation=general_conv)
        .order_by("created_at")
        .values_list("model_end_request", flat=True)
    )
    assert fast_requests == general_requests
    assert conversation_rows(fast_conv) == conversation_rows(general_conv)
    assert extras(fast_conv) == extras(general_conv)
    if len(contents) > 1:
        assert Ending.objects.get(conversation=fast_conv).reason == "model_request"


# --- classifier failures and context -------------------------------------------------------------


@pytest.fixture
def offline_fails(monkeypatch):
    from moderation.classifiers.base import ClassifierError
    from moderation.classifiers.offline import OfflineClassifier

    def fail(self, text, *, context=()):
        raise ClassifierError("offline down", transient=False)

    monkeypatch.setattr(OfflineClassifier, "classify", fail)


def test_a_turn_no_classifier_could_judge_is_answered_cautiously_the_same_on_both_paths(
    user, monkeypatch, offline_fails, path_spy
):
    contents = [HARM, "[fail:permanent] hello", HARM]
    fast_conv = conversation(user)
    messages, _ = drive(user, fast_conv, contents)
    assert path_spy.outcomes() == [turn.Outcome.ANSWERED] * 3
    unjudged = Decision.objects.get(message=messages[1])
    assert (unjudged.reason, unjudged.counted, unjudged.classification_id) == ("classification_failed", False, None)
    assert not Classification.objects.filter(message=messages[1]).exists()
    assert Decision.objects.get(message=messages[2]).strikes_after == 2  # strikes unchanged by it
    general_conv = drive_general(user, monkeypatch, contents)
    assert conversation_rows(fast_conv) == conversation_rows(general_conv)


class RecordingClassifier:
    """Scores nothing; remembers the context it was given for each text."""

    name = "recording"
    version = "recording-1"
    seen: dict[str, list[str]] = {}

    def classify(self, text, *, context=()):
        from moderation.classifiers.base import Verdict

        RecordingClassifier.seen[text] = list(context)
        return Verdict.from_scores({}, backend=self.name, version=self.version)


@pytest.fixture
def recording_classifier(settings):
    settings.CLASSIFIER_BACKENDS = {"recording": "tests.moderation.test_turn.RecordingClassifier"}
    settings.CLASSIFIER_BACKEND = "recording"
    RecordingClassifier.seen = {}
    return RecordingClassifier.seen


def test_the_classifier_gets_the_previous_user_turns_as_context(user, recording_classifier):
    conv = conversation(user)
    drive(user, conv, [f"turn {i}" for i in range(8)])
    assert recording_classifier["turn 7"] == ["turn 3", "turn 4", "turn 5", "turn 6"]  # CLASSIFIER_CONTEXT_TURNS=4
    assert recording_classifier["turn 0"] == []


def test_the_classifier_context_is_not_cut_by_the_turn_window(user, settings, recording_classifier):
    settings.CLASSIFIER_CONTEXT_TURNS = 14
    conv = conversation(user)
    drive(user, conv, [f"turn {i}" for i in range(15)])
    assert recording_classifier["turn 14"] == [f"turn {i}" for i in range(14)]


def test_the_sweeper_leaves_a_message_closed_beside_an_ending_alone(user, settings):
    from datetime import timedelta

    from moderation.services import pipeline

    conv = conversation(user)
    _, warned = drive(user, conv, [HARM] * 3)
    settings.CONVERSATIONS_MESSAGE_POSTED_HOOK = ""
    ending_turn = post(user, conv, HARM, parent=warned)
    late = post(user, conv, CALM, parent=ending_turn)  # sent before the ending existed
    stuck = set(pipeline.unanswered_user_messages(older_than=timedelta(0)))
    assert {ending_turn.id, late.id} <= stuck  # both wait for an answer
    run_classify(ending_turn)
    assert reply_to(ending_turn).role == "notice"
    stuck = set(pipeline.unanswered_user_messages(older_than=timedelta(0)))
    assert late.id not in stuck and ending_turn.id not in stuck
