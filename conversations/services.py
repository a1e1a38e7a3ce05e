"""Writes to the conversation tree. Nothing else saves Conversation, Message or Ending.

Locking rule (DESIGN 5): every write that appends to a conversation's tree runs in one transaction
holding `select_for_update()` on the conversation row, so a message racing an ending either lands
before the notice or is refused with `Locked`; never after. (On SQLite the write transaction is
IMMEDIATE, which serialises writers the same way.)
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from conversations import closure, events, ratelimit, sql
from conversations.exceptions import Invalid, Locked, NotFound, RateLimited, TooLong
from conversations.inputs import text_problem
from conversations.models import Conversation, Ending, Message, UserPreference
from conversations.selectors import ending_payload, language_supported, message_payload, parse_uuid

log = logging.getLogger(__name__)

TITLE_CHARS = 60


def conversation_create(*, owner, title: str = "") -> Conversation:
    _check_storable(title, "The title")
    return Conversation.objects.create(owner=owner, title=title.strip()[:200])


def _check_storable(text: str, what: str) -> None:
    """The same refusal on SQLite and PostgreSQL (which alone refused NUL, with a 500) for text
    neither can store alike: NUL and unpaired surrogates."""
    problem = text_problem(text)
    if problem:
        raise Invalid(f"{what} {problem}.")


def _lock_conversation(conversation_id) -> Conversation:
    try:
        return Conversation.objects.select_for_update().get(id=conversation_id)
    except Conversation.DoesNotExist:
        raise NotFound() from None


def _lock_conversation_of(message_id, role: str | None = None) -> Conversation | None:
    """Lock the conversation of a message (of `role`, when given); None when there is no such
    message. Only the conversation row is locked, as `_lock_conversation` does."""
    messages = {"messages__id": message_id}
    if role is not None:
        messages["messages__role"] = role
    return Conversation.objects.select_for_update(of=("self",)).filter(**messages).first()


# --- Hand-written statements of the per-message path ----------------------------------------------
#
# Every user message runs the post's two statements (on a server) and an instant reply's two (on a
# worker). Their ORM twins cost 4 to 12 times the CPU per call, and two of them take more round
# trips (`python -m bench.hot_sql`, PostgreSQL, in process: the table in docs/benchmarks.md; the
# figures below are from that run). Everything else in this module uses the ORM.


def conversation_lock_for_post(conversation_id, user, message: Message) -> bool:
    """Lock `user`'s conversation and make `message` (not yet inserted) its active leaf, and its
    first line the title of an untitled conversation. False when there is no such conversation
    (missing, someone else's, or deleted: a deleted chat takes no message, like a missing one).

    One UPDATE ... RETURNING takes the row lock, checks the owner and moves the leaf: 109 us CPU
    per call, where the ORM twin (`.filter(...).update(title=Case(...))`) takes 481 us."""
    title = " ".join(message.content.split())[:TITLE_CHARS]
    row = sql.fetchone(
        f"""UPDATE {Conversation._meta.db_table}
            SET active_leaf_id = %s, updated_at = %s, title = CASE WHEN title = '' THEN %s ELSE title END
            WHERE id = %s AND owner_id = %s AND deleted_at IS NULL RETURNING id""",  # noqa: S608 (names from model metadata, values as parameters)
        [
            sql.param(Conversation, "active_leaf_id", message.id),
            sql.param(Conversation, "updated_at", timezone.now()),
            title,
            sql.param(Conversation, "id", conversation_id),
            user.pk,
        ],
    )
    return row is not None


@cache
def _post_checks_sql() -> str:
    message = Message._meta.db_table
    return f"""
        WITH RECURSIVE {closure.closed_messages_cte()}
        SELECT
            (SELECT m.id FROM {message} m WHERE m.conversation_id = c.id AND m.client_id = %s),
            EXISTS (SELECT 1 FROM {message} m WHERE m.conversation_id = c.id AND m.id = %s),
            EXISTS (SELECT 1 FROM {closure.CTE_NAME} WHERE id = %s)
        FROM {Conversation._meta.db_table} c WHERE c.id = %s
    """  # noqa: S608 (names from model metadata, values as parameters)


def post_checks(*, conversation_id, client_id, parent_id) -> tuple:
    """`message_post`'s checks, read after the conversation row lock, in one statement: (the id of
    the message already posted with this client id (a resend) or None, whether the parent exists
    in this conversation, whether it is closed (conversations.closure)).

    One statement, 98 us CPU and 327 us wall per call, where the ORM twin sends three (the resend
    lookup, the parent, the closed check): 773 us CPU, 1,191 us wall."""
    conversation, parent = sql.param(Conversation, "id", conversation_id), sql.param(Message, "id", parent_id)
    client = sql.param(Message, "client_id", client_id)
    return sql.fetchone(_post_checks_sql(), [conversation, client, parent, parent, conversation])


def conversation_lock_for_reply(conversation_id, user_message_id, reply: Message) -> bool:
    """Lock the conversation; the active leaf follows `reply` (not yet inserted) when the user
    was looking at its parent. False when there is no such conversation.

    One UPDATE with CASE: 85 us CPU per call, where the ORM twin takes 614 us."""
    leaf = sql.param(Conversation, "active_leaf_id", reply.id)
    parent = sql.param(Conversation, "active_leaf_id", user_message_id)
    row = sql.fetchone(
        f"""UPDATE {Conversation._meta.db_table}
            SET active_leaf_id = CASE WHEN active_leaf_id = %s THEN %s ELSE active_leaf_id END,
                updated_at = CASE WHEN active_leaf_id = %s THEN %s ELSE updated_at END
            WHERE id = %s RETURNING id""",  # noqa: S608 (names from model metadata, values as parameters)
        [
            parent,
            leaf,
            parent,
            sql.param(Conversation, "updated_at", timezone.now()),
            sql.param(Conversation, "id", conversation_id),
        ],
    )
    return row is not None


@cache
def _reply_checks_sql() -> str:
    message = Message._meta.db_table
    return f"""
        WITH RECURSIVE {closure.closed_messages_cte()}
        SELECT EXISTS (SELECT 1 FROM {message} w WHERE w.parent_id = u.id AND w.role = 'user')
        FROM {message} u
        WHERE u.id = %s AND u.conversation_id = %s AND u.role = 'user'
          AND NOT EXISTS (SELECT 1 FROM {message} r WHERE r.parent_id = u.id AND r.role <> 'user')
          AND NOT EXISTS (SELECT 1 FROM {closure.CTE_NAME} WHERE id = u.id)
    """  # noqa: S608 (names from model metadata, values as parameters)


def reply_checks(*, conversation_id, user_message_id) -> tuple | None:
    """`assistant_reply_store`'s check, read after the row lock, in one statement: None unless
    the user message is a user message of this conversation, has no reply or notice yet and is not
    closed (conversations.closure); else (whether messages wait under it,).

    One statement, 98 us CPU and 406 us wall per call, where the ORM twin sends two (the reply and
    waiting checks, the closed check): 1,175 us CPU, 2,289 us wall."""
    conversation_param = sql.param(Message, "conversation_id", conversation_id)
    return sql.fetchone(
        _reply_checks_sql(), [conversation_param, sql.param(Message, "id", user_message_id), conversation_param]
    )


def clean_content(content: object) -> str:
    if not isinstance(content, str):
        raise Invalid("The message must be text.")
    _check_storable(content, "The message")
    if not content.strip():
        raise Invalid("The message is empty.")
    limit = settings.CHAT_MAX_MESSAGE_CHARS
    if len(content) > limit:
        raise TooLong(f"The message is {len(content):,} characters long; the limit is {limit:,}.")
    return content


@dataclass(frozen=True)
class Posted:
    message: Message
    created: bool


def message_post(*, user, conversation_id, content: object, client_id: object, parent_id: object) -> Posted:
    """Append a user message under `parent_id` (None: a new root) of one of `user`'s conversations.

    Idempotent on `client_id` (a UUID from the browser): a resend returns the stored message with
    `created=False` and changes nothing. Raises Invalid, TooLong, NotFound (missing or foreign
    conversation or parent), Locked (the parent is closed by an ending) or RateLimited.
    On commit: `message.created` is broadcast and the moderation hook is called with the id.
    """
    client_text = str(client_id) if client_id is not None else None
    try:
        client_uuid = uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        raise Invalid("client_id must be a UUID.", client_id=None) from None
    try:
        text = clean_content(content)
    except (Invalid, TooLong) as error:
        error.client_id = client_text
        raise
    try:
        conversation_uuid = parse_uuid(conversation_id)
    except NotFound as error:  # a malformed id answers exactly like a missing one
        error.client_id = client_text
        raise
    parent_uuid = None
    if parent_id is not None:
        try:
            parent_uuid = uuid.UUID(str(parent_id))
        except (TypeError, ValueError, AttributeError):
            raise Invalid("parent_id must be a UUID or null.", client_id=client_text) from None

    message = Message(
        conversation_id=conversation_uuid,
        parent_id=parent_uuid,
        role=Message.Role.USER,
        content=text,
        client_id=client_uuid,
        status=Message.Status.COMPLETE,
    )
    with transaction.atomic():
        # The row lock comes first, in a statement of its own: under READ COMMITTED the checks
        # below then read a snapshot taken after any racing ending committed. The UPDATE that
        # takes it already points the active leaf at the new message (the foreign key is checked
        # at commit); every refusal below rolls it back.
        if not conversation_lock_for_post(conversation_uuid, user, message):
            raise NotFound(client_id=client_text)
        resend_id, parent_found, parent_locked = post_checks(
            conversation_id=conversation_uuid, client_id=client_uuid, parent_id=parent_uuid
        )
        if resend_id is not None:  # a resend: answered with the stored message, nothing changes
            transaction.set_rollback(True)
        else:
            limit, window = settings.CHAT_RATE_LIMIT
            retry_after = ratelimit.hit(f"msg:{user.pk}", limit=limit, window=window)
            if retry_after:
                raise RateLimited(
                    f"You can send {limit} messages every {window} seconds. Please wait {retry_after} s.",
                    client_id=client_text,
                    retry_after=retry_after,
                )
            if parent_uuid is not None:
                if not parent_found:
                    raise NotFound("No such parent message in this conversation.", client_id=client_text)
                if parent_locked:
                    raise Locked(client_id=client_text)
            sql.insert(message)
            events.publish_on_commit(conversation_uuid, "message.created", message=message_payload(message))
            message_id = message.id
            transaction.on_commit(lambda: _run_posted_hook(message_id))
    if resend_id is not None:
        return Posted(Message.objects.get(id=sql.as_uuid(resend_id)), created=False)
    return Posted(message, created=True)


def _run_posted_hook(message_id: uuid.UUID) -> None:
    """The one documented hook into moderation (settings.CONVERSATIONS_MESSAGE_POSTED_HOOK).
    A failure to enqueue must not lose the message: the sweeper finds unanswered messages."""
    path = settings.CONVERSATIONS_MESSAGE_POSTED_HOOK
    if not path:
        return
    try:
        import_string(path)(message_id)
    except Exception:
        log.exception("message-posted hook failed for message %s; the sweeper will retry", message_id)


def conversation_set_active_leaf(*, user, conversation_id, leaf_id) -> Conversation:
    """Remember which branch the user looks at, so a reload shows the same one."""
    leaf_uuid = parse_uuid(leaf_id)
    with transaction.atomic():
        conversation = _lock_owned_conversation(user, conversation_id)
        if not Message.objects.filter(id=leaf_uuid, conversation=conversation).exists():
            raise NotFound("No such message in this conversation.")
        conversation.active_leaf_id = leaf_uuid
        conversation.save(update_fields=["active_leaf", "updated_at"])
    return conversation


def _lock_owned_conversation(user, conversation_id) -> Conversation:
    """Lock one of `user`'s conversations that is not deleted; NotFound for anything else."""
    conversation = _lock_conversation(parse_uuid(conversation_id))
    if conversation.owner_id != user.pk or conversation.deleted_at is not None:
        raise NotFound()
    return conversation


def conversation_rename(*, user, conversation_id, title: object) -> Conversation:
    """Rename one of `user`'s conversations; `conversation.renamed` on commit (every open tab's
    list and title follow). Renaming to the same title writes nothing."""
    if not isinstance(title, str) or not title.strip():
        raise Invalid("The title must be non-empty text.")
    _check_storable(title, "The title")
    if len(title) > 200:
        raise TooLong("The title is limited to 200 characters.")
    title = " ".join(title.split())
    with transaction.atomic():
        conversation = _lock_owned_conversation(user, conversation_id)
        if conversation.title != title:
            conversation.title = title
            conversation.save(update_fields=["title", "updated_at"])
            events.publish_on_commit(conversation.id, "conversation.renamed", title=title)
    return conversation


def conversation_delete(*, user, conversation_id) -> Conversation:
    """Delete one of `user`'s conversations for them: a soft delete (`deleted_at`). From the
    commit on it is gone for its owner: not listed, its page, API and socket answer not found, and
    `conversation.deleted` closes its open sockets. Moderators keep it (with its endings, reports
    and reviews) for CHAT_DELETED_RETENTION_DAYS; then `conversation_purge_deleted` removes it.
    A second delete answers NotFound, like any missing conversation, and writes nothing."""
    with transaction.atomic():
        conversation = _lock_owned_conversation(user, conversation_id)
        conversation.deleted_at = timezone.now()
        conversation.save(update_fields=["deleted_at"])
        events.publish_closing_on_commit(conversation.id, "conversation.deleted")
    return conversation


@dataclass(frozen=True)
class Purged:
    deleted: int  # conversations removed with their messages
    erased: int  # conversations with an ending: their text erased, the moderation record kept


def conversation_purge_deleted(*, now=None) -> Purged:
    """Purge conversations deleted more than CHAT_DELETED_RETENTION_DAYS ago. A conversation with
    no ending is removed with everything below it. One with an ending keeps its rows, because
    moderation's reviews and audit events are append-only and point at them, but loses its title
    and every message's text (the statement of reasons, the service's own words, stays).
    Idempotent: a second run finds nothing left to do."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHAT_DELETED_RETENTION_DAYS)
    expired = Conversation.objects.filter(deleted_at__lt=cutoff)
    with transaction.atomic():
        ended = set(expired.filter(endings__isnull=False).values_list("id", flat=True))
        with_text = set(
            Message.objects.filter(conversation_id__in=ended)
            .exclude(content="")
            .values_list("conversation_id", flat=True)
        ) | set(Conversation.objects.filter(id__in=ended).exclude(title="").values_list("id", flat=True))
        Message.objects.filter(conversation_id__in=with_text).exclude(content="").update(content="")
        Conversation.objects.filter(id__in=with_text).exclude(title="").update(title="")
        doomed = list(expired.exclude(id__in=ended).values_list("id", flat=True))
        Conversation.objects.filter(id__in=doomed).delete()
    log.info("purge: %s conversations deleted, %s erased", len(doomed), len(with_text))
    return Purged(deleted=len(doomed), erased=len(with_text))


def preference_set_language(*, user, language: object) -> UserPreference:
    """Set the language `user` reads the chat in; "" follows the browser again."""
    code = "" if language in ("", None) else language_supported(language)
    if code is None:
        raise Invalid("Unknown language.")
    with transaction.atomic():
        preference, _ = UserPreference.objects.select_for_update().get_or_create(user_id=user.pk)
        if preference.language != code:
            preference.language = code
            preference.save(update_fields=["language", "updated_at"])
    return preference


def preference_note_browser_language(*, user, language: object) -> None:
    """Remember the language the user's browser asks for (Accept-Language), for the replies and
    statements that workers write outside any request. Writes only when it changed."""
    code = language_supported(language)
    if code is None:
        return
    if UserPreference.objects.filter(user_id=user.pk, browser_language=code).exists():
        return
    with transaction.atomic():
        preference, _ = UserPreference.objects.select_for_update().get_or_create(user_id=user.pk)
        if preference.browser_language != code:
            preference.browser_language = code
            preference.save(update_fields=["browser_language", "updated_at"])


# --- The assistant's side -------------------------------------------------------------------


def assistant_reply_start(*, user_message_id) -> Message | None:
    """Claim the reply slot of a user message: create its assistant message (status `streaming`),
    or take over one left `streaming` by a worker that died (its text is reset).

    Returns None when there is nothing to do: the reply is already complete, stopped or failed
    (and no regenerate claimed a new one: `reply_regenerate`), or the branch was ended at this
    message (no reply is ever appended beside or after a notice).
    Safe to call twice; the unique reply-per-parent constraint backs it.
    """
    with transaction.atomic():
        # The conversation row lock, found through the user message (one query for both).
        conversation = _lock_conversation_of(user_message_id, role=Message.Role.USER)
        if conversation is None:
            return None
        replies = list(Message.objects.filter(parent_id=user_message_id).exclude(role=Message.Role.USER))
        streaming = [r for r in replies if r.role == Message.Role.ASSISTANT and r.status == Message.Status.STREAMING]
        if streaming:  # left by a worker that died, or claimed by a regenerate: taken over
            reply = streaming[0]
            reply.content = ""
            reply.save(update_fields=["content"])
            return reply
        if replies:
            return None
        if closure.message_is_closed(user_message_id):
            return None
        try:
            with transaction.atomic():
                return Message.objects.create(
                    conversation_id=conversation.id,
                    parent_id=user_message_id,
                    role=Message.Role.ASSISTANT,
                    status=Message.Status.STREAMING,
                )
        except IntegrityError:
            return None


def _waiting_move(*, user_message_id, reply: Message) -> None:
    """Move the user messages that waited under `user_message_id` (sent before it was answered)
    under its new `reply`, so the branch reads in the order things happened, and start their turns
    on commit. Caller holds the conversation lock and has just stored `reply`."""
    waiting = list(Message.objects.filter(parent_id=user_message_id, role=Message.Role.USER))
    if not waiting:
        return
    Message.objects.filter(id__in=[m.id for m in waiting]).update(parent_id=reply.id)
    for moved in waiting:
        moved.parent_id = reply.id
        events.publish_on_commit(reply.conversation_id, "message.moved", message=message_payload(moved))
        moved_id = moved.id
        transaction.on_commit(lambda moved_id=moved_id: _run_posted_hook(moved_id))


def assistant_reply_store(
    *,
    conversation_id,
    user_message_id,
    content: str,
    action: str,
    resources: list[dict] | None = None,
    on_stored=None,
) -> Message | None:
    """Store a whole reply at once (a responder that answers instantly: no `streaming` row, no
    deltas) and broadcast `assistant.completed` on commit. One transaction: the conversation row
    lock (which also moves the active leaf to the reply when the user was looking at its parent),
    then the check that the user message has no reply or notice and was not closed by an ending,
    then the reply and `on_stored(reply)` (moderation stores its classification and decision
    there, so the three land together). Messages that waited under the user message move under
    the reply. Returns None, writing nothing, when the message is answered or closed already. An
    IntegrityError from `on_stored` rolls everything back."""
    message = Message(
        conversation_id=conversation_id,
        parent_id=user_message_id,
        role=Message.Role.ASSISTANT,
        content=content,
        action=action,
        resources=resources or [],
        status=Message.Status.COMPLETE,
    )
    with transaction.atomic():
        # Lock first, then check (see message_post); a refusal rolls the leaf move back.
        if not conversation_lock_for_reply(conversation_id, user_message_id, message):
            return None
        open_ = reply_checks(conversation_id=conversation_id, user_message_id=user_message_id)
        if open_ is None:
            transaction.set_rollback(True)
            return None
        sql.insert(message)
        if on_stored is not None:
            on_stored(message)
        payload = {"message": message_payload(message), "action": action}
        if resources:
            payload["resources"] = resources
        events.publish_on_commit(conversation_id, "assistant.completed", **payload)
        if open_[0]:
            _waiting_move(user_message_id=user_message_id, reply=message)
    return message


def assistant_delta(*, message: Message, delta: str) -> None:
    events.send_now(
        message.conversation_id,
        "assistant.delta",
        message_id=str(message.id),
        parent_id=str(message.parent_id),
        delta=delta,
    )


def assistant_reply_finish(
    *,
    message_id,
    content: str,
    action: str,
    resources: list[dict] | None = None,
    failed: bool = False,
    stopped: bool = False,
) -> Message | None:
    """Store the finished reply and broadcast `assistant.completed` (on commit); `stopped`: the
    user stopped the stream and `content` is the partial text (status `stopped`). The
    conversation's active leaf follows the reply when the user was looking at its parent; messages
    that waited under the user message move under the reply. Idempotent: a reply that is no longer
    streaming is left alone (returns None)."""
    with transaction.atomic():
        conversation = _lock_conversation_of(message_id)
        if conversation is None:
            return None
        message = Message.objects.get(id=message_id)  # read under the lock: its status is current
        if message.status != Message.Status.STREAMING:
            return None
        message.content = content
        message.action = action
        message.resources = resources or []
        if failed:
            message.status = Message.Status.FAILED
        else:
            message.status = Message.Status.STOPPED if stopped else Message.Status.COMPLETE
        message.save(update_fields=["content", "action", "resources", "status"])
        if conversation.active_leaf_id == message.parent_id:
            conversation.active_leaf = message
            conversation.save(update_fields=["active_leaf", "updated_at"])
        payload = {"message": message_payload(message), "action": action}
        if resources:
            payload["resources"] = resources
        events.publish_on_commit(message.conversation_id, "assistant.completed", **payload)
        if failed:
            events.publish_on_commit(
                message.conversation_id,
                "error",
                code="unavailable",
                detail="The assistant is unavailable right now. Please try again in a moment.",
                message_id=str(message.id),
            )
        _waiting_move(user_message_id=message.parent_id, reply=message)
    shared_cache.delete(_stop_key(message.id))
    return message


# --- Stop and regenerate ------------------------------------------------------------------------
#
# Stop: the socket's process sets a flag in the shared cache (Redis when distributed, the process'
# own memory in the embedded default, where the turn runs in the same process); the worker that
# streams the reply checks it between deltas (moderation.services.turn.answer), closes the
# responder's stream and finishes the reply with the partial text (status `stopped`).

STOP_FLAG_SECONDS = 600  # longer than any stream (ANTHROPIC_STREAM_DEADLINE)


def _stop_key(message_id) -> str:
    return f"reply-stop:{message_id}"


@dataclass(frozen=True)
class StopAnswer:
    message_id: str
    status: str  # "stopping": the worker will stop it; else the reply's status (nothing to stop)


def _owned_message(user, conversation_id, message_id) -> Message:
    """A message of one of `user`'s conversations that is not deleted; NotFound otherwise (a
    missing, foreign and malformed id alike); Invalid for an id that is not text."""
    if not isinstance(message_id, str):
        raise Invalid("message_id must be a UUID.")
    message_uuid = parse_uuid(message_id)
    message = (
        Message.objects.filter(
            id=message_uuid,
            conversation_id=parse_uuid(conversation_id),
            conversation__owner_id=user.pk,
            conversation__deleted_at__isnull=True,
        )
        .select_related("conversation")
        .first()
    )
    if message is None:
        raise NotFound("No such message in this conversation.")
    return message


def reply_stop(*, user, conversation_id, message_id: object) -> StopAnswer:
    """Ask the worker streaming assistant reply `message_id` to stop: it keeps the text streamed so
    far as the reply, with status `stopped`. A reply that is not streaming (an instant reply, one
    already finished or stopped) has nothing to stop: its status is answered and nothing changes.
    NotFound for a missing or foreign message, Invalid for a message that is not an assistant reply."""
    message = _owned_message(user, conversation_id, message_id)
    if message.role != Message.Role.ASSISTANT:
        raise Invalid("Only an assistant reply can be stopped.")
    if message.status != Message.Status.STREAMING:
        return StopAnswer(str(message.id), message.status)
    shared_cache.set(_stop_key(message.id), 1, STOP_FLAG_SECONDS)
    return StopAnswer(str(message.id), "stopping")


def reply_stop_requested(message_id) -> bool:
    """Whether the user asked to stop the reply streaming into `message_id` (checked by the worker
    between deltas: one cache read each, at most every DELTA_FLUSH_SECONDS)."""
    return bool(shared_cache.get(_stop_key(message_id)))


def reply_regenerate(*, user, conversation_id, message_id: object) -> Message:
    """A new version of assistant reply `message_id`: a sibling reply to the same user message,
    claimed here (status `streaming`, the next `attempt`), broadcast as `message.created` and the
    active leaf, then written by the one turn pipeline (the moderation hook on commit) with the
    turn's stored classification and decision: a regenerate never classifies again nor adds a
    strike; a refusal gives a refusal again.

    Refused, writing nothing: NotFound (missing or foreign), Invalid (a user message, or a reply of
    the message still streaming), Locked (a notice, or the turn is closed by an ending:
    conversations.closure), RateLimited (it counts as a message: CHAT_RATE_LIMIT)."""
    message = _owned_message(user, conversation_id, message_id)
    if message.role == Message.Role.NOTICE:
        raise Locked("An ending cannot be regenerated.")
    if message.role != Message.Role.ASSISTANT:
        raise Invalid("Only an assistant reply can be regenerated.")
    with transaction.atomic():
        conversation = _lock_owned_conversation(user, message.conversation_id)
        replies = list(Message.objects.filter(parent_id=message.parent_id).exclude(role=Message.Role.USER))
        if any(r.role == Message.Role.NOTICE for r in replies) or closure.message_is_closed(message.parent_id):
            raise Locked()
        if any(r.status == Message.Status.STREAMING for r in replies):
            raise Invalid("A reply to this message is still being written.")
        limit, window = settings.CHAT_RATE_LIMIT
        retry_after = ratelimit.hit(f"msg:{user.pk}", limit=limit, window=window)
        if retry_after:
            raise RateLimited(
                f"You can send {limit} messages every {window} seconds. Please wait {retry_after} s.",
                retry_after=retry_after,
            )
        slot = Message.objects.create(
            conversation_id=conversation.id,
            parent_id=message.parent_id,
            role=Message.Role.ASSISTANT,
            status=Message.Status.STREAMING,
            attempt=max(r.attempt for r in replies) + 1,
        )
        conversation.active_leaf = slot
        conversation.save(update_fields=["active_leaf", "updated_at"])
        events.publish_on_commit(conversation.id, "message.created", message=message_payload(slot))
        user_message_id = message.parent_id
        transaction.on_commit(lambda: _run_posted_hook(user_message_id))
    return slot


# --- Endings ------------------------------------------------------------------------------------


def conversation_end(
    *,
    anchor_id,
    reason: str,
    statement: str,
    category: str = "",
    policy_version: int | None = None,
    strike_trace: list | None = None,
    on_locked=None,
    on_created=None,
    language: str = "",
) -> Ending | None:
    """End the branch at `anchor_id`: append a `notice` (the statement of reasons) as the anchor's
    reply and lock it. Holds the conversation row lock, so a racing message post lands before the
    notice or is refused with Locked.

    The anchor is the user message whose turn is ended, or (an ending the language model asked
    for) the assistant reply to it; that user message is the ending's `ended_turn`, closed with
    all its descendants while the ending holds (conversations.closure).

    Idempotent: if the anchor already has a reply (a notice from an earlier run, or an assistant
    reply), nothing is written and the existing ending (or None) is returned. An anchor that is
    closed already (by an ending above it) gets no second ending: None. `on_locked()` runs inside
    the same transaction once the checks have passed, before the notice is written (moderation
    stores the turn's classification and decision there, so they land with the ending);
    `on_created(ending)` runs after the ending is written (moderation writes its audit row there).
    `language` is the language `statement` is written in (stored with it).
    """
    if reason not in Ending.Reason.values:
        raise Invalid(f"Unknown ending reason {reason!r}.")
    with transaction.atomic():
        anchor = Message.objects.filter(id=anchor_id).first()
        if anchor is None:
            raise NotFound()
        conversation = _lock_conversation(anchor.conversation_id)
        reply = Message.objects.filter(parent_id=anchor.id).exclude(role=Message.Role.USER).first()
        if reply is not None:
            return Ending.objects.filter(notice_id=reply.id).first()
        if anchor.role == Message.Role.NOTICE or closure.message_is_closed(anchor.id):
            return None
        ended_turn_id = anchor.id if anchor.role == Message.Role.USER else anchor.parent_id
        if on_locked is not None:
            on_locked()
        notice = Message.objects.create(
            conversation=conversation,
            parent=anchor,
            role=Message.Role.NOTICE,
            content=statement,
            action="end",
            status=Message.Status.COMPLETE,
        )
        ending = Ending.objects.create(
            conversation=conversation,
            notice=notice,
            ended_turn_id=ended_turn_id,
            reason=reason,
            category=category or "",
            statement=statement,
            policy_version=policy_version,
            strike_trace=strike_trace or [],
            language=language or "",
        )
        conversation.active_leaf = notice
        conversation.save(update_fields=["active_leaf", "updated_at"])
        if on_created is not None:
            on_created(ending)
        events.publish_on_commit(conversation.id, "message.created", message=message_payload(notice))
        events.publish_on_commit(conversation.id, "conversation.ended", ending=ending_payload(ending))
    return ending


def ending_reopen(*, ending_id, by) -> Ending:
    """Unlock an ended branch (a moderator overturned it). Idempotent: reopening twice keeps the
    first reopening."""
    with transaction.atomic():
        ending = Ending.objects.filter(id=ending_id).first()
        if ending is None:
            raise NotFound()
        _lock_conversation(ending.conversation_id)
        ending.refresh_from_db()
        if ending.reopened_at is None:
            ending.reopened_at = timezone.now()
            ending.reopened_by = by
            ending.save(update_fields=["reopened_at", "reopened_by"])
            events.publish_on_commit(ending.conversation_id, "conversation.reopened", ending_id=str(ending.id))
    return ending
