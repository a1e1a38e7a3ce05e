"""Replay stored history under a policy (DESIGN 7, 8): which endings would a draft add or remove?

`load_history()` reads everything in four bulk queries (messages, classifications, endings, the
language model's end requests) as plain tuples, never one query per row. `replay_history()` is
pure: it builds each conversation's tree in memory and walks every branch root -> leaf, folding
`policy.decide` over the user turns exactly as the pipeline does (TurnInput from the stored scores,
intents from the text; a notice that a moderator reopened resets the strikes and keeps crisis mode).

Comparison with what actually happened is by *anchor*: the message an ending follows (the user
turn for policy and user-request endings, the assistant reply for a model request).
- ADDED: the draft would end a branch at an anchor where no ending was made.
- REMOVED: an actual ending that the draft would not make there (it would not end at all, or it
  would have ended that branch earlier, in which case the earlier turn is listed as added).
A branch the draft ends is not walked further: under the draft those later turns never happen.

Limits: the language model is not re-run, so a model request is replayed only where one was made
(stored on the user turn's decision), and accepted or refused by `policy.accept_model_end`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Case, CharField, Value, When
from django.db.models.functions import Cast

from conversations import closure
from conversations.models import Ending, Message
from moderation import intents, policy
from moderation.models import Classification, Decision

USER, ASSISTANT, NOTICE = "user", "assistant", "notice"
LISTED_ENDINGS = 500  # endings listed per side in a stored result; the counts are always complete
PROGRESS_EVERY = 500  # conversations


@dataclass(frozen=True)
class History:
    """Stored history as plain data. `messages`: (id, conversation_id, parent_id, role, text) in
    creation order (text only for user messages); `scores`: user message id -> {category: severity}
    (absent: classification failed); `endings`: notice id -> (ending id, reason, category,
    reopened, ended turn id); `model_end_requests`: user message id -> action of its decision."""

    messages: list[tuple]
    scores: dict
    endings: dict
    model_end_requests: dict
    since: datetime | None = None


@dataclass(frozen=True)
class EndingChange:
    conversation_id: str
    anchor_id: str
    turn: int  # user turns on the branch up to the anchor, from 1
    reason: str
    category: str
    ending_id: str = ""  # the actual ending (removed, or kept)
    reopened: bool = False  # the actual ending was overturned by a moderator


@dataclass
class BacktestResult:
    conversations: int = 0
    user_turns: int = 0
    actual_endings: int = 0
    draft_endings: int = 0
    kept: int = 0
    added: list[EndingChange] = field(default_factory=list)
    removed: list[EndingChange] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self, limit: int = LISTED_ENDINGS) -> dict:
        return {
            "conversations": self.conversations,
            "user_turns": self.user_turns,
            "actual_endings": self.actual_endings,
            "draft_endings": self.draft_endings,
            "kept": self.kept,
            "added_count": len(self.added),
            "removed_count": len(self.removed),
            "added": [asdict(change) for change in self.added[:limit]],
            "removed": [asdict(change) for change in self.removed[:limit]],
            "seconds": round(self.seconds, 3),
        }


def _rows(queryset) -> list[tuple]:
    """The queryset's rows straight from the database cursor: the ORM builds the SQL, but the
    per-row conversions (UUID objects, JSON) are skipped, which makes loading 3x faster. Ids stay
    in the database's own form (hex text on SQLite, UUID on PostgreSQL): they are only compared
    with each other, and `_id_text` normalises the few that are reported."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _text(column: str) -> Cast:
    """Ids as text in SQL: strings hash far faster than UUID objects in the replay's dicts, and
    every query casts the same way, so they compare equal (hex on SQLite, dashed on PostgreSQL)."""
    return Cast(column, output_field=CharField())


def _id_text(value) -> str:
    return str(value) if isinstance(value, uuid.UUID) else str(uuid.UUID(str(value)))


def load_history(*, since: datetime | None = None) -> History:
    """Four queries, whatever the size of the history. `since` keeps the conversations created
    at or after it."""
    scope = {"conversation__created_at__gte": since} if since else {}
    messages = _rows(
        Message.objects.filter(**scope)
        .order_by("created_at", "id")
        .annotate(text=Case(When(role=USER, then="content"), default=Value(""), output_field=CharField()))
        .annotate(row_id=_text("id"), row_conversation=_text("conversation_id"), row_parent=_text("parent_id"))
        .values_list("row_id", "row_conversation", "row_parent", "role", "text")
    )
    preferred = django_settings.CLASSIFIER_BACKEND
    scores: dict = {}
    nested_scope = {"message__conversation__created_at__gte": since} if since else {}
    for message_id, backend, row_scores in _rows(
        Classification.objects.filter(**nested_scope)
        .annotate(row_message=_text("message_id"))
        .values_list("row_message", "backend", "scores")
    ):
        # The configured backend's verdict wins; another one stands in (a fallback), as in the pipeline.
        if backend == preferred or message_id not in scores:
            scores[message_id] = json.loads(row_scores) if isinstance(row_scores, str) else (row_scores or {})
    endings = {
        notice_id: (_id_text(ending_id), reason, category, reopened_at is not None, ended_turn)
        for ending_id, notice_id, reason, category, reopened_at, ended_turn in _rows(
            Ending.objects.filter(**scope)
            .annotate(row_notice=_text("notice_id"), row_turn=_text("ended_turn_id"))
            .values_list("id", "row_notice", "reason", "category", "reopened_at", "row_turn")
        )
    }
    model_end_requests = dict(
        _rows(
            Decision.objects.filter(model_end_request__isnull=False, **nested_scope)
            .annotate(row_message=_text("message_id"))
            .values_list("row_message", "action")
        )
    )
    return History(messages, scores, endings, model_end_requests, since)


@lru_cache(maxsize=65536)
def _intents(text: str) -> tuple[bool, bool]:
    return intents.asks_to_end(text), intents.confirms(text)


def replay_history(
    history: History,
    settings: policy.PolicySettings,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Pure: no queries. `progress(done, total)` is called every PROGRESS_EVERY conversations."""
    started = time.perf_counter()
    by_conversation: dict = defaultdict(list)
    for row in history.messages:
        by_conversation[row[1]].append(row)
    result = BacktestResult(conversations=len(by_conversation))
    actual_anchors: dict = {}  # anchor id -> (conversation id, notice id)
    parent_of, conversation_of, role_of = {}, {}, {}
    for message_id, conversation_id, parent_id, role, _text in history.messages:
        parent_of[message_id] = parent_id
        conversation_of[message_id] = conversation_id
        role_of[message_id] = role
    for notice_id in history.endings:
        if notice_id in parent_of:
            actual_anchors[parent_of[notice_id]] = notice_id
    result.actual_endings = len(actual_anchors)
    # User messages sent under an ended turn while its ending landed were never answered
    # (conversations.closure): they are not turns of the history. The ended turns themselves are.
    ended_turns = {ending[4] for ending in history.endings.values() if not ending[3]}
    closed = closure.closed_in_tree(parent_of, ended_turns)
    unanswered = {m for m in closed - ended_turns if role_of[m] == USER}

    draft_anchors: set = set()
    decide = _memoised_decide(settings)
    total = len(by_conversation)
    for done, (conversation_id, rows) in enumerate(by_conversation.items(), start=1):
        _replay_conversation(
            conversation_id, rows, history, settings, result, draft_anchors, actual_anchors, decide, unanswered
        )
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)

    for anchor_id, notice_id in actual_anchors.items():
        if anchor_id in draft_anchors:
            result.kept += 1
            continue
        ending_id, reason, category, reopened, _turn = history.endings[notice_id]
        result.removed.append(
            EndingChange(
                conversation_id=_id_text(conversation_of[notice_id]),
                anchor_id=_id_text(anchor_id),
                turn=_user_turns_up_to(anchor_id, parent_of, role_of),
                reason=reason,
                category=category or "",
                ending_id=ending_id,
                reopened=reopened,
            )
        )
    result.draft_endings = len(draft_anchors)
    result.seconds = time.perf_counter() - started
    return result


def _user_turns_up_to(message_id, parent_of, role_of) -> int:
    """User turns on the path root -> `message_id` (an ending below an earlier draft ending is
    never walked, so its turn is counted here)."""
    turns = 0
    while message_id is not None:
        turns += role_of.get(message_id) == USER
        message_id = parent_of.get(message_id)
    return turns


def _memoised_decide(settings: policy.PolicySettings):
    """`policy.decide` is pure, and real histories repeat the same (state, turn) pairs endlessly
    (a calm turn on a calm branch), so one replay remembers its answers: same result, ~3x faster."""
    memo: dict = {}

    def decide(state: policy.BranchState, turn: policy.TurnInput) -> policy.Decision:
        key = (state, tuple(sorted(turn.scores.items())), turn.classification_failed, turn.asks_to_end, turn.confirms)
        decision = memo.get(key)
        if decision is None:
            decision = memo[key] = policy.decide(state, turn, settings)
        return decision

    return decide


def _replay_conversation(
    conversation_id, rows, history, settings, result, draft_anchors, actual_anchors, decide, unanswered
) -> None:
    children: dict = defaultdict(list)
    for row in rows:
        children[row[2]].append(row)
    scores = history.scores
    initial = policy.BranchState()
    # (row, state before it, user turns before it, action of the user turn it answers)
    stack = [(row, initial, 0, "") for row in reversed(children[None])]
    while stack:
        row, state, turns, last_action = stack.pop()
        message_id, _conv, _parent, role, text = row
        if message_id in unanswered:
            continue
        if role == USER:
            turns += 1
            result.user_turns += 1
            turn_scores = scores.get(message_id)
            asks, confirms = _intents(text) if text else (False, False)
            turn = policy.TurnInput(
                scores=turn_scores or {},
                classification_failed=turn_scores is None,
                asks_to_end=asks,
                confirms=confirms,
            )
            decision = decide(state, turn)
            if decision.action == "end":
                _add(
                    result,
                    draft_anchors,
                    actual_anchors,
                    conversation_id,
                    message_id,
                    turns,
                    decision.end_reason,
                    decision.category,
                )
                continue
            state, last_action = decision.state, decision.action
        elif role == ASSISTANT:
            if row[2] in history.model_end_requests:
                accepted, _code = policy.accept_model_end(state, settings)
                if accepted and last_action not in ("warn", "confirm_end", "crisis_support"):
                    _add(
                        result,
                        draft_anchors,
                        actual_anchors,
                        conversation_id,
                        message_id,
                        turns,
                        "model_request",
                        state.last_category,
                    )
                    continue
        else:  # a notice: below it only if a moderator reopened it; the pipeline starts afresh there
            state = policy.BranchState(crisis_mode=state.crisis_mode)
        for child in reversed(children.get(message_id, ())):
            stack.append((child, state, turns, last_action))


def _add(result, draft_anchors, actual_anchors, conversation_id, anchor_id, turns, reason, category) -> None:
    draft_anchors.add(anchor_id)
    if anchor_id not in actual_anchors:
        result.added.append(
            EndingChange(
                conversation_id=_id_text(conversation_id),
                anchor_id=_id_text(anchor_id),
                turn=turns,
                reason=reason or "",
                category=category or "",
            )
        )


def backtest(
    settings: policy.PolicySettings,
    *,
    since: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Load stored history (four queries) and replay it under `settings`."""
    started = time.perf_counter()
    result = replay_history(load_history(since=since), settings, progress=progress)
    result.seconds = time.perf_counter() - started
    return result
