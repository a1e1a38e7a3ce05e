"""The moderation pipeline for one user message: classify -> decide -> reply (or end).

Every step is idempotent and keyed by the user message id, so a task that runs twice (a redelivery
after a worker died, the sweeper) never writes a second classification, decision or reply.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from conversations import closure
from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.models import Conversation, Ending, Message
from conversations.responders import get_responder, texts
from conversations.responders.base import (
    CrisisResource,
    Delta,
    EndRequest,
    ReplyRequest,
    ResponderUnavailable,
    Turn,
)
from moderation import policy, taxonomy
from moderation.classifiers.base import ClassifierError, Verdict
from moderation.classifiers.registry import get_classifier
from moderation.models import Classification, Decision, Flag
from moderation.services.audit import audit_record
from moderation.services.policies import policy_active

log = logging.getLogger(__name__)

# A delta goes to the sockets once it holds DELTA_FLUSH_CHARS and DELTA_FLUSH_SECONDS have passed
# since the previous one: a model's stream stays smooth without one channel-layer message per
# token (at most ~20 a second), and a reply that is ready at once goes out as one delta.
DELTA_FLUSH_CHARS = 48
DELTA_FLUSH_SECONDS = 0.05
REPEAT_ENDINGS_WINDOW = timedelta(days=7)
REPEAT_ENDINGS_THRESHOLD = 3


# --- Hot-path helpers --------------------------------------------------------------------------

_BRANCH_FIELDS = ("id", "parent_id", "role", "content", "status", "action", "created_at", "conversation_id")
_policy_cache: tuple[float, int, policy.PolicySettings] | None = None


def _branch_to(message_id) -> list[Message]:
    """The branch root -> the message `message_id` (its last element), in one query: the message
    and its conversation's tree come back together. Empty when there is no such message."""
    try:
        leaf_id = uuid.UUID(str(message_id))
    except ValueError:
        return []
    conversation_id = Message.objects.filter(id=leaf_id).values("conversation_id")[:1]
    messages = Message.objects.filter(conversation_id=Subquery(conversation_id)).only(*_BRANCH_FIELDS)
    return conversation_selectors.branch_path(messages, leaf_id)


def _policy_active() -> tuple[int, policy.PolicySettings]:
    """`policy_active()`, remembered for settings.POLICY_CACHE_SECONDS in this process (0: read it
    every time). A published version reaches every worker within that delay."""
    global _policy_cache
    ttl = settings.POLICY_CACHE_SECONDS
    if ttl <= 0:
        return policy_active()
    now = time.monotonic()
    cached = _policy_cache
    if cached is None or now - cached[0] > ttl:
        cached = _policy_cache = (now, *policy_active())
    return cached[1], cached[2]


def _insert(row):
    """INSERT an unsaved row. Inside a transaction it gets a savepoint (an IntegrityError must not
    break the caller's transaction); in autocommit mode the statement is its own transaction
    already, so no BEGIN and COMMIT are spent on it."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            row.save(force_insert=True)
    else:
        row.save(force_insert=True)
    return row


# --- Classification ----------------------------------------------------------------------------


def _user_context(message: Message, path: list[Message]) -> list[str]:
    """The branch's previous user turns (oldest first), at most CLASSIFIER_CONTEXT_TURNS."""
    previous = [m.content for m in path[:-1] if m.role == Message.Role.USER]
    return previous[-settings.CLASSIFIER_CONTEXT_TURNS :] if settings.CLASSIFIER_CONTEXT_TURNS else []


def verdict_of(classification: Classification) -> Verdict:
    return Verdict(
        severity=classification.severity,
        category=classification.category,
        scores=classification.scores,
        signals=tuple(classification.signals),
        backend=classification.backend,
        version=classification.backend_version,
        latency_ms=classification.latency_ms,
        rationale=classification.rationale,
    )


def classification_run(*, message_id, backend: str | None = None, fallback_from: str = "") -> Classification | None:
    """Classify a user message with `backend` (default: settings.CLASSIFIER_BACKEND) and store the
    verdict. Idempotent: one row per (message, backend). Raises ClassifierError from the backend;
    the task decides whether to retry or fall back. Returns None for unknown or non-user messages."""
    backend_name = backend or settings.CLASSIFIER_BACKEND
    existing = Classification.objects.filter(message_id=message_id, backend=backend_name).first()
    if existing is not None:
        return existing
    path = _branch_to(message_id)
    if not path or path[-1].role != Message.Role.USER:
        return None
    message = path[-1]
    verdict = classify_timed(backend_name, message.content, _user_context(message, path))
    return classification_store(message=message, verdict=verdict, backend=backend_name, fallback_from=fallback_from)


def classify_timed(backend: str, text: str, context: list[str]) -> Verdict:
    """The backend's verdict, with its latency measured here when the backend does not report it.
    Raises ClassifierError from the backend."""
    started = time.perf_counter()
    verdict = get_classifier(backend).classify(text, context=context)
    if verdict.latency_ms:
        return verdict
    return replace(verdict, latency_ms=(time.perf_counter() - started) * 1000)


def classification_row(*, message_id, verdict: Verdict, backend: str, fallback_from: str = "") -> Classification:
    """The (unsaved) row for a verdict."""
    extra = dict(verdict.extra or {})
    if fallback_from:
        extra["fallback_from"] = fallback_from
    return Classification(
        message_id=message_id,
        backend=backend,
        backend_version=verdict.version,
        severity=verdict.severity,
        category=verdict.category,
        scores=dict(verdict.scores),
        signals=list(verdict.signals),
        rationale=verdict.rationale[:2000],
        extra=_jsonable(extra),
        latency_ms=verdict.latency_ms,
    )


def classification_store(
    *, message: Message, verdict: Verdict, backend: str, fallback_from: str = ""
) -> Classification:
    """Store a verdict; idempotent on (message, backend): a second store returns the first row."""
    row = classification_row(message_id=message.id, verdict=verdict, backend=backend, fallback_from=fallback_from)
    try:
        return _insert(row)
    except IntegrityError:
        return Classification.objects.get(message_id=message.id, backend=backend)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    return str(value)


def classification_for(message_id) -> Classification | None:
    """The configured backend's classification, else any stored one (a fallback)."""
    rows = list(Classification.objects.filter(message_id=message_id))
    for row in rows:
        if row.backend == settings.CLASSIFIER_BACKEND:
            return row
    return rows[0] if rows else None


# --- Decision ----------------------------------------------------------------------------------


def _state_before(path: list[Message], decisions: dict) -> policy.BranchState:
    """The branch state inherited from the path above the newest message: the last decided user
    turn's state, reset after an ending that a moderator reopened (crisis mode stays sticky)."""
    state = policy.BranchState()
    for message in path[:-1]:
        if message.role == Message.Role.USER and message.id in decisions:
            state = policy.BranchState.from_dict(decisions[message.id].state)
        elif message.role == Message.Role.NOTICE:
            state = policy.BranchState(crisis_mode=state.crisis_mode)
    return state


def decision_make(*, message_id) -> Decision | None:
    """Decide the assistant's action for a user message from its classification, the branch's
    state and the active policy. Idempotent (one Decision per message). Earlier user turns of the
    branch that are still undecided (a quick double send) are decided first, in order, so strikes
    accumulate along the branch whatever order the tasks ran in."""
    path = _branch_to(message_id)
    if not path or path[-1].role != Message.Role.USER:
        return None
    message = path[-1]
    user_ids = [m.id for m in path if m.role == Message.Role.USER]
    decisions = {d.message_id: d for d in Decision.objects.filter(message_id__in=user_ids)}
    if message.id in decisions:
        return decisions[message.id]
    if closure.message_is_closed(message.id):
        return None  # closed by an ending that holds: nothing answers it
    for ancestor_id in user_ids[:-1]:
        if ancestor_id not in decisions:
            if not Classification.objects.filter(message_id=ancestor_id).exists():
                _classify_quietly(ancestor_id)  # its own task has not run yet: classify it first
            decided = decision_make(message_id=ancestor_id)
            if decided is not None:
                decisions[ancestor_id] = decided
    state = _state_before(path, decisions)
    classification = classification_for(message.id)
    verdict = verdict_of(classification) if classification else None
    version, settings_ = _policy_active()
    decision = policy.decide(state, policy.TurnInput.from_verdict(verdict, message.content), settings_)
    row = decision_row(message_id=message.id, decided=decision, classification=classification, version=version)
    row.message = message  # callers read decision.message: no second fetch
    try:
        if decision.crisis_mode and not state.crisis_mode:
            with transaction.atomic():  # the decision and its crisis flag together
                row.save(force_insert=True)
                _flag_crisis(message, row)
        else:
            _insert(row)
    except IntegrityError:
        return Decision.objects.get(message_id=message_id)
    return row


def _classify_quietly(message_id) -> None:
    """Classify an earlier turn that a later one must decide first (a quick double send whose
    second task ran first), with the configured backend, else offline; a failure leaves it to
    be decided as unclassified, like its own task would."""
    for backend in dict.fromkeys((settings.CLASSIFIER_BACKEND, "offline")):
        try:
            classification_run(message_id=message_id, backend=backend)
            return
        except ClassifierError:
            log.warning("classifier %s failed for earlier message %s", backend, message_id)


def decision_row(*, message_id, decided: policy.Decision, classification, version: int) -> Decision:
    """The (unsaved) row for a policy decision."""
    return Decision(
        message_id=message_id,
        classification=classification,
        policy_version=version,
        action=decided.action,
        reason=decided.reason,
        counted=decided.counted,
        strikes_before=decided.strikes_before,
        strikes_after=decided.strikes_after,
        crisis_mode=decided.crisis_mode,
        category=decided.category or "",
        end_reason=decided.end_reason or "",
        state=decided.state.to_dict(),
    )


def _flag_crisis(message: Message, decision: Decision) -> None:
    """A high-priority flag for moderators, once per conversation while open."""
    conversation = Conversation.objects.only("owner_id").get(id=message.conversation_id)
    with transaction.atomic():
        try:
            Flag.objects.create(
                kind=Flag.Kind.CRISIS,
                priority=3,
                user_id=conversation.owner_id,
                conversation_id=message.conversation_id,
                message=message,
                detail={"category": decision.category, "reason": decision.reason},
            )
        except IntegrityError:
            pass


# --- Reply and ending -------------------------------------------------------------------------


def _resources(settings_: policy.PolicySettings) -> tuple[CrisisResource, ...]:
    return tuple(
        CrisisResource(
            name=r.get("name", ""), contact=r.get("contact", ""), url=r.get("url", ""), region=r.get("region", "")
        )
        for r in settings_.crisis_resources
    )


def _history(path: list[Message]) -> tuple[Turn, ...]:
    return tuple(
        Turn(role=m.role, content=m.content)
        for m in path
        if m.role in (Message.Role.USER, Message.Role.ASSISTANT) and m.content
    )


def reply_generate(*, message_id) -> None:
    """Answer a decided user message: stream the responder's reply to the conversation's sockets
    and store it, or end the branch when the decision says so. Exits quietly on stale work (the
    reply exists, the branch was ended). The language model's end request is honoured only when
    the policy's preconditions hold; either way it is recorded on the decision."""
    decision = Decision.objects.select_related("message").filter(message_id=message_id).first()
    if decision is None:
        decision = decision_make(message_id=message_id)
        if decision is None:
            return
    user_message = decision.message
    _, settings_ = _policy_active()
    if decision.action == "end":
        ending_create(decision=decision, anchor_id=user_message.id, reason=decision.end_reason or "persistent_harm")
        return
    reply = conversation_services.assistant_reply_start(user_message_id=user_message.id)
    if reply is None:
        return
    path = conversation_selectors.branch_of(user_message)
    resources = _resources(settings_) if decision.crisis_mode or decision.action == "crisis_support" else ()
    request = ReplyRequest(
        history=_history(path),
        action=decision.action,
        category=taxonomy.label(decision.category) if decision.category else None,
        strikes=decision.strikes_after,
        crisis_mode=decision.crisis_mode,
        resources=resources,
        allow_end_tool=not decision.crisis_mode,
        cautious=decision.reason == "classification_failed",
        language=conversation_selectors.conversation_language(user_message.conversation_id),
    )
    text, end_request, failed = _stream(reply, request)
    resource_dicts = [r.as_dict() for r in resources]
    finished = conversation_services.assistant_reply_finish(
        message_id=reply.id, content=text, action=decision.action, resources=resource_dicts, failed=failed
    )
    if end_request is not None and finished is not None:
        _model_end(decision, finished, end_request, settings_)


def _stream(reply: Message, request: ReplyRequest) -> tuple[str, EndRequest | None, bool]:
    parts: list[str] = []
    pending = ""
    end_request = None
    flushed_at = time.monotonic()
    try:
        for chunk in get_responder().reply(request):
            if isinstance(chunk, Delta):
                parts.append(chunk.text)
                pending += chunk.text
                if len(pending) >= DELTA_FLUSH_CHARS and time.monotonic() - flushed_at >= DELTA_FLUSH_SECONDS:
                    conversation_services.assistant_delta(message=reply, delta=pending)
                    pending = ""
                    flushed_at = time.monotonic()
            elif isinstance(chunk, EndRequest):
                end_request = chunk
        if pending:
            conversation_services.assistant_delta(message=reply, delta=pending)
    except ResponderUnavailable:
        log.warning("responder unavailable for message %s", reply.parent_id)
        return texts.unavailable(), None, True
    return "".join(parts), end_request, False


def _model_end(decision: Decision, reply: Message, end_request: EndRequest, settings_) -> None:
    """The warning must have come on an earlier turn: a model may not end the chat in the same
    reply that warns (the user gets the chance to stop)."""
    state = policy.BranchState.from_dict(decision.state)
    accepted, code = policy.accept_model_end(state, settings_)
    if accepted and decision.action in ("warn", "confirm_end", "crisis_support"):
        accepted, code = False, f"same_turn_as_{decision.action}"
    Decision.objects.filter(pk=decision.pk).update(
        model_end_request={"reason": end_request.reason[:500], "accepted": accepted, "code": code}
    )
    if accepted:
        ending_create(decision=decision, anchor_id=reply.id, reason="model_request")


def ending_create(*, decision: Decision, anchor_id, reason: str) -> Ending | None:
    """End the branch at `anchor_id` with a statement of reasons; audit it as an automatic ending
    and raise a repeat-endings flag when one user is ended often (never a ban)."""
    state = policy.BranchState.from_dict(decision.state)
    category = decision.category or state.last_category or ""
    language = conversation_selectors.conversation_language(decision.message.conversation_id)
    statement = texts.end_statement(
        reason=reason,
        category_label=taxonomy.label(category) if category else None,
        refusals=state.refusals,
        language=language,
    )
    trace = list(
        Decision.objects.filter(message__conversation_id=decision.message.conversation_id)
        .order_by("created_at")
        .values("message_id", "action", "strikes_before", "strikes_after", "counted", "category")
    )
    path_ids = {m.id for m in conversation_selectors.branch_of(decision.message)}
    trace = [{**row, "message_id": str(row["message_id"])} for row in trace if row["message_id"] in path_ids]

    def audit(ending: Ending) -> None:
        audit_record(
            actor=None,
            action="ending.automatic",
            target=ending,
            reason=reason,
            category=category,
            conversation_id=str(ending.conversation_id),
            policy_version=decision.policy_version,
        )
        _flag_repeat_endings(ending)

    return conversation_services.conversation_end(
        anchor_id=anchor_id,
        reason=reason,
        statement=statement,
        category=category,
        policy_version=decision.policy_version,
        strike_trace=trace,
        on_created=audit,
        language=language,
    )


def _flag_repeat_endings(ending: Ending) -> None:
    owner_id = Conversation.objects.only("owner_id").get(id=ending.conversation_id).owner_id
    since = timezone.now() - REPEAT_ENDINGS_WINDOW
    count = Ending.objects.filter(conversation__owner_id=owner_id, created_at__gte=since).count()
    if count >= REPEAT_ENDINGS_THRESHOLD:
        already = Flag.objects.filter(kind=Flag.Kind.REPEAT_ENDINGS, user_id=owner_id, status=Flag.Status.OPEN).exists()
        if not already:
            Flag.objects.create(
                kind=Flag.Kind.REPEAT_ENDINGS,
                priority=2,
                user_id=owner_id,
                conversation_id=ending.conversation_id,
                message_id=ending.notice_id,
                detail={"endings_in_window": count, "window_days": REPEAT_ENDINGS_WINDOW.days},
            )


# --- Sweeper -----------------------------------------------------------------------------------


def unanswered_user_messages(*, older_than: timedelta, limit: int = 500) -> list:
    """User messages with no reply (assistant or notice) and no reply in progress younger than
    the grace period: the sweeper re-queues them. Closed messages (conversations.closure) are
    skipped; more candidates are read than returned, so that closed ones do not crowd out the rest."""
    cutoff = timezone.now() - older_than
    replies = Message.objects.filter(parent_id=OuterRef("pk")).exclude(role=Message.Role.USER)
    stuck_streaming = Message.objects.filter(
        parent_id=OuterRef("pk"), role=Message.Role.ASSISTANT, status=Message.Status.STREAMING, created_at__lt=cutoff
    )
    candidates = list(
        Message.objects.filter(role=Message.Role.USER, created_at__lt=cutoff)
        .filter(Q(~Exists(replies)) | Q(Exists(stuck_streaming)))
        .order_by("created_at")
        .values_list("id", flat=True)[: limit * 2]
    )
    closed = closure.closed_among(candidates)
    return [message_id for message_id in candidates if message_id not in closed][:limit]
