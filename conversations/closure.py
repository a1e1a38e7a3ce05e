"""The closed-message rule (DESIGN 5), decided here and nowhere else.

**A message is closed while an ending holds over it: when it is the ended turn of an ending that is
not reopened, or any descendant of that turn.** The ended turn (`Ending.ended_turn`) is the user
message whose turn the ending answered: the notice's parent, or, for an ending the language model
asked for, the user message above the reply it ended. Nothing is appended to a closed message, nothing
answers it, and the sweeper never re-queues it; that covers the notice itself, and every message that
was posted under the ended turn, or under each other, while the ending was landing. Editing means
sending with a parent above the ended turn, which is never closed by that ending.

One rule, three forms, for the three ways callers hold the tree (a property test checks that they
agree on random trees):
- `closed_messages_cte()`: a common table expression for the hand-written statements that post a
  message, store a reply and load a turn (one statement each, under the conversation's row lock);
- `closed_among(ids)`: which of some stored messages are closed (the pipeline, the sweeper);
- `closed_in_tree(parent_of, ended_turns)`: in memory, for code that holds a whole tree already
  (the backtest's replay, the console's case tree).

Descendants of the ended turns are walked downward: a conversation without an ending that holds
costs nothing, and the rule keeps the closed part of a tree small (it never grows after the ending).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache

from conversations import sql
from conversations.models import Ending, Message

CTE_NAME = "closed_messages"


@cache
def closed_messages_cte(conversation: str = "%s") -> str:
    """`closed_messages(id) AS (...)`: the closed messages of one conversation, given by the SQL
    expression `conversation` (by default one `%s` parameter: its id). Use it after
    `WITH RECURSIVE`, alone or beside other CTEs."""
    message, ending = Message._meta.db_table, Ending._meta.db_table
    return f"""{CTE_NAME}(id) AS (
            SELECT e.ended_turn_id FROM {ending} e WHERE e.conversation_id = {conversation} AND e.reopened_at IS NULL
            UNION
            SELECT m.id FROM {message} m JOIN {CTE_NAME} c ON m.parent_id = c.id
        )"""  # noqa: S608 (names from model metadata, values as parameters)


def closed_among(message_ids: Iterable) -> set[uuid.UUID]:
    """The ids among `message_ids` (stored messages, any conversations) that are closed.

    Hand-written: the ORM has no recursive CTE, and its twin walks the ended subtrees one query
    per level (3 statements and 913 us CPU for a 20-turn conversation, against 1 and 395 us here:
    `python -m bench.hot_sql`)."""
    ids = {uuid.UUID(str(i)) for i in message_ids}
    if not ids:
        return set()
    message, ending = Message._meta.db_table, Ending._meta.db_table
    placeholders = ", ".join(["%s"] * len(ids))
    params = [sql.param(Message, "id", i) for i in ids]
    rows = sql.fetchall(
        f"""WITH RECURSIVE {CTE_NAME}(id) AS (
                SELECT e.ended_turn_id FROM {ending} e
                WHERE e.reopened_at IS NULL AND e.conversation_id IN (
                    SELECT conversation_id FROM {message} WHERE id IN ({placeholders}))
                UNION
                SELECT m.id FROM {message} m JOIN {CTE_NAME} c ON m.parent_id = c.id
            )
            SELECT id FROM {CTE_NAME} WHERE id IN ({placeholders})""",  # noqa: S608 (names from model metadata)
        params + params,
    )
    return {sql.as_uuid(row[0]) for row in rows}


def message_is_closed(message_id) -> bool:
    return bool(closed_among([message_id]))


def closed_in_tree(parent_of: Mapping, ended_turns: Iterable) -> set:
    """The closed ids of a tree held in memory: `parent_of` maps every message id to its parent id
    (None for a root); `ended_turns` are the ended turns of the endings that hold."""
    children = defaultdict(list)
    for message_id, parent_id in parent_of.items():
        children[parent_id].append(message_id)
    closed: set = set()
    stack = [turn for turn in ended_turns if turn in parent_of]
    while stack:
        current = stack.pop()
        if current not in closed:
            closed.add(current)
            stack.extend(children.get(current, ()))
    return closed
