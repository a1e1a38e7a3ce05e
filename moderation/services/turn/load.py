"""Stage 1, load: everything the turn needs to know, in one query.

`turn_load()` reads the last TURN_WINDOW messages of the branch that ends at the user message,
each with its decision's branch state, and, for the user message itself, what is stored already
(a classification, a decision, a finished reply or one in progress), whether an ending closes it,
whether it waits for the reply to the user message above it, and the language its owner reads.
The window is widened to the whole branch (a second query) only when it holds no decided earlier
user turn to carry the branch state, or fewer earlier user turns than the classifier's context
wants.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from conversations import closure, sql
from conversations.models import Conversation, Message, UserPreference
from conversations.selectors import preferred_language
from moderation.models import Classification, Decision

# Messages of the branch read for a turn: the classifier's context (CLASSIFIER_CONTEXT_TURNS user
# turns), the branch state (carried by the nearest decided user turn) and the responder's history.
TURN_WINDOW = 24
WHOLE_BRANCH = 1_000_000  # depth bound of the widened read: any real branch


@dataclass(frozen=True)
class BranchMessage:
    """A message of the window, as plain data (no model instance per row)."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    role: str
    content: str
    action: str
    conversation_id: uuid.UUID


@dataclass(frozen=True)
class Turn:
    message: BranchMessage  # the user message whose turn this is
    path: list[BranchMessage]  # the branch window, oldest first, `message` last
    states: dict  # decided user turns of `path`: message id -> their Decision.state (after the turn)
    truncated: bool  # the window starts below the root of the branch
    classified: bool  # a classification of `message` is stored
    decided: bool  # its decision is stored
    answered: bool  # a finished reply (assistant message or notice) is stored
    reply_in_progress: uuid.UUID | None  # an assistant reply left `streaming` (a worker died mid-reply)
    closed: bool  # an ending that holds closes it (conversations.closure): nothing answers it
    waiting: bool  # its parent is a user message still waiting for its own reply
    language: str  # the language its owner reads (the rule of conversations.selectors.conversation_language)

    @property
    def last_action(self) -> str | None:
        """The assistant's last action on the branch: the action of its reply to the previous user
        turn (the message just above this one), or None (a first turn)."""
        if len(self.path) < 2 or self.path[-2].role == Message.Role.USER:
            return None
        return self.path[-2].action or None


@cache
def _window_sql() -> str:
    """The branch walked upward from the leaf, at most `depth` steps, each message with its
    decision; the leaf's stored work, the closed-message rule and the owner's language
    preference in the same statement."""
    message = Message._meta.db_table
    conversation = Conversation._meta.db_table
    preference = UserPreference._meta.db_table
    decision = Decision._meta.db_table
    classification = Classification._meta.db_table
    closed = closure.closed_messages_cte(f"(SELECT conversation_id FROM {message} WHERE id = %s)")  # noqa: S608
    # Correlated scalar subqueries (index lookups on parent_id), evaluated for the leaf (depth 0)
    # and its parent (depth 1) only.
    replies = f"SELECT COUNT(*) FROM {message} r WHERE r.parent_id = m.id"  # noqa: S608
    finished = f"({replies} AND r.role <> 'user' AND r.status <> 'streaming')"
    streaming = f"{replies} AND r.role = 'assistant' AND r.status = 'streaming'"
    # The reader's language (the rule of conversations.selectors.conversation_language): it was a
    # query of its own for every turn, and the ORM's cost of building it was a fifth of the
    # classify worker's CPU under load (docs/benchmarks.md).
    owner_preference = (
        f"FROM {preference} p JOIN {conversation} o ON o.owner_id = p.user_id WHERE o.id = m.conversation_id"
    )
    return f"""
        WITH RECURSIVE branch(id, depth) AS (
            SELECT id, 0 FROM {message} WHERE id = %s
            UNION ALL
            SELECT m.parent_id, b.depth + 1 FROM {message} m JOIN branch b ON m.id = b.id
            WHERE m.parent_id IS NOT NULL AND b.depth < %s
        ), {closed}
        SELECT m.id, m.parent_id, m.role, m.content, m.action, m.conversation_id,
               d.state AS decision_state, d.id AS decision_id,
               CASE WHEN b.depth = 0 THEN
                   (SELECT COUNT(*) FROM {classification} c WHERE c.message_id = m.id) ELSE 0 END AS n_classified,
               CASE WHEN b.depth = 0 THEN
                   (SELECT COUNT(*) FROM {closure.CTE_NAME} x WHERE x.id = m.id) ELSE 0 END AS n_closed,
               CASE WHEN b.depth = 0 THEN {finished} ELSE 0 END AS n_answered,
               CASE WHEN b.depth = 0 THEN
                   (SELECT r.id FROM {message} r WHERE r.parent_id = m.id AND r.role = 'assistant'
                    AND r.status = 'streaming' LIMIT 1) END AS in_progress,
               CASE WHEN b.depth = 1 AND m.role = 'user' THEN
                   CASE WHEN {finished} = 0 OR ({streaming}) > 0 THEN 1 ELSE 0 END ELSE 0 END AS pending,
               CASE WHEN b.depth = 0 THEN (SELECT p.language {owner_preference}) END AS language,
               CASE WHEN b.depth = 0 THEN (SELECT p.browser_language {owner_preference}) END AS browser_language
        FROM branch b JOIN {message} m ON m.id = b.id
        LEFT JOIN {decision} d ON d.message_id = m.id
        ORDER BY b.depth DESC
    """  # noqa: S608 (names from model metadata, values as parameters)


def turn_window(*, message_id: uuid.UUID, depth: int) -> list[tuple]:
    """The rows of `_window_sql()` for user message `message_id`, oldest first.

    Hand-written because it runs for every user message: one recursive CTE, a fixed cost whatever
    the conversation's length, where the ORM reads the whole conversation to walk the branch and
    spends one more query on each of the decisions, the classification, the reply and the closed
    check: 134 us CPU and 906 us wall here, 2,286 us CPU, 4,554 us wall and 5 statements for the
    ORM twin on a 20-turn conversation (`python -m bench.hot_sql`, docs/benchmarks.md)."""
    leaf = sql.param(Message, "id", message_id)
    return sql.fetchall(_window_sql(), [leaf, depth, leaf])


def turn_load(*, message_id) -> Turn | None:
    """The turn of user message `message_id`; None for unknown, malformed and non-user ids."""
    try:
        leaf_id = uuid.UUID(str(message_id))
    except ValueError:
        return None
    turn = _turn_of(leaf_id, turn_window(message_id=leaf_id, depth=TURN_WINDOW - 1))
    if turn is not None and turn.truncated and not _window_suffices(turn):
        turn = _turn_of(leaf_id, turn_window(message_id=leaf_id, depth=WHOLE_BRANCH))
    return turn


def _turn_of(leaf_id: uuid.UUID, rows: list[tuple]) -> Turn | None:
    path = [BranchMessage(sql.as_uuid(r[0]), sql.as_uuid(r[1]), r[2], r[3], r[4], sql.as_uuid(r[5])) for r in rows]
    if not path or path[-1].id != leaf_id or path[-1].role != Message.Role.USER:
        return None
    states = {}
    for message, row in zip(path[:-1], rows, strict=False):
        state, decision_id = row[6], row[7]
        if decision_id is not None and message.role == Message.Role.USER:
            states[message.id] = json.loads(state) if isinstance(state, (str, bytes)) else state
    leaf, parent = rows[-1], rows[-2] if len(rows) > 1 else None
    return Turn(
        message=path[-1],
        path=path,
        states=states,
        truncated=path[0].parent_id is not None,
        classified=bool(leaf[8]),
        decided=leaf[7] is not None,
        closed=bool(leaf[9]),
        answered=bool(leaf[10]),
        reply_in_progress=sql.as_uuid(leaf[11]),
        waiting=bool(parent[12]) if parent is not None else False,
        language=preferred_language(leaf[13], leaf[14]),
    )


def _window_suffices(turn: Turn) -> bool:
    """A truncated window is enough when a decided earlier user turn carries the branch state and
    it holds as many earlier user turns as the classifier's context takes."""
    earlier = [m.id for m in turn.path[:-1] if m.role == Message.Role.USER]
    return any(i in turn.states for i in earlier) and len(earlier) >= settings.CLASSIFIER_CONTEXT_TURNS


def stored_classification(turn: Turn) -> Classification | None:
    """The classification an earlier run stored: the configured backend's, else a fallback's."""
    rows = list(Classification.objects.filter(message_id=turn.message.id))
    for row in rows:
        if row.backend == settings.CLASSIFIER_BACKEND:
            return row
    return rows[0] if rows else None


def stored_decision(turn: Turn) -> Decision | None:
    return Decision.objects.filter(message_id=turn.message.id).first()
