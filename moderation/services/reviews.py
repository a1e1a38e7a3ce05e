"""The console's writes: claims, verdicts on endings, reveals of hidden text, flags, exports; and
the user's report of an ending. Every moderator action writes an audit row in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from conversations import services as conversation_services
from conversations.exceptions import NotFound
from conversations.models import Ending, Message
from moderation.models import CaseClaim, Feedback, Flag, Review
from moderation.services.audit import audit_record

CLAIM_DURATION = timedelta(minutes=30)
FEEDBACK_MAX_CHARS = 2000
NOTE_MAX_CHARS = 4000


class ReviewError(Exception):
    """A refused console action; `code` is stable: claimed, already_reopened, invalid, not_found."""

    def __init__(self, code: str, message: str, *, holder=None) -> None:
        self.code = code
        self.holder = holder
        super().__init__(message)


def _ending(ending_id, *, lock: bool = False) -> Ending:
    queryset = Ending.objects.select_for_update() if lock else Ending.objects
    ending = queryset.filter(id=ending_id).first()
    if ending is None:
        raise ReviewError("not_found", "There is no such ending.")
    return ending


def _live_claim_by_other(ending_id, moderator, now) -> CaseClaim | None:
    return (
        CaseClaim.objects.select_related("moderator")
        .filter(ending_id=ending_id, expires_at__gt=now)
        .exclude(moderator=moderator)
        .first()
    )


# --- Claims ------------------------------------------------------------------------------------


def case_claim(*, ending_id, moderator) -> CaseClaim:
    """Claim a case for CLAIM_DURATION, or renew one's own claim. An expired claim is taken over.
    The take-over is a conditional UPDATE (expired, or already ours) checked by row count; a first
    claim is an INSERT backed by the one-claim-per-ending constraint. Raises ReviewError(claimed)
    with `holder` when someone else holds a live claim."""
    _ending(ending_id)
    now = timezone.now()
    expires = now + CLAIM_DURATION
    with transaction.atomic():
        taken = (
            CaseClaim.objects.filter(ending_id=ending_id)
            .filter(Q(expires_at__lte=now) | Q(moderator=moderator))
            .update(moderator=moderator, claimed_at=now, expires_at=expires)
        )
        if not taken:
            try:
                with transaction.atomic():
                    CaseClaim.objects.create(
                        ending_id=ending_id, moderator=moderator, claimed_at=now, expires_at=expires
                    )
            except IntegrityError:
                holder = CaseClaim.objects.select_related("moderator").get(ending_id=ending_id).moderator
                raise ReviewError("claimed", f"{holder.username} is reviewing this case.", holder=holder) from None
        audit_record(
            actor=moderator,
            action="case.claim",
            target_type="ending",
            target_id=str(ending_id),
            expires_at=expires.isoformat(),
        )
    return CaseClaim.objects.select_related("moderator").get(ending_id=ending_id)


def case_release(*, ending_id, moderator) -> bool:
    """Give up one's own claim. Returns False (and records nothing) when there was none."""
    with transaction.atomic():
        released, _ = CaseClaim.objects.filter(ending_id=ending_id, moderator=moderator).delete()
        if released:
            audit_record(actor=moderator, action="case.release", target_type="ending", target_id=str(ending_id))
    return bool(released)


# --- Verdicts ----------------------------------------------------------------------------------


def ending_outcome(ending_id) -> str | None:
    """The latest verdict on an ending (`upheld` or `overturned`), None while unreviewed."""
    return (
        Review.objects.filter(ending_id=ending_id, verdict__in=[Review.Verdict.UPHELD, Review.Verdict.OVERTURNED])
        .order_by("-created_at", "-id")
        .values_list("verdict", flat=True)
        .first()
    )


def review_create(*, ending_id, moderator, verdict: str, note: str = "") -> Review:
    """Record a moderator's verdict on an ending (Review rows are immutable).

    - `upheld`: the ending stands. Refused (already_reopened) once the ending was reopened.
    - `overturned`: the branch is reopened through conversations.services.ending_reopen (the
      user's page is told by the `conversation.reopened` event).
    - `note`: a remark for the next moderator; needs text.
    Repeating the current verdict returns the existing review (a double submit writes nothing).
    A verdict marks the ending's feedback reviewed and releases the claim. Refused (claimed)
    while another moderator holds a live claim. Lock order: the ending row, then (through
    ending_reopen) the conversation row.
    """
    if verdict not in Review.Verdict.values:
        raise ReviewError("invalid", f"Unknown verdict {verdict!r}.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ReviewError("invalid", f"The note is limited to {NOTE_MAX_CHARS} characters.")
    if verdict == Review.Verdict.NOTE and not note:
        raise ReviewError("invalid", "A note needs some text.")
    with transaction.atomic():
        ending = _ending(ending_id, lock=True)
        now = timezone.now()
        other = _live_claim_by_other(ending.id, moderator, now)
        if other is not None:
            raise ReviewError("claimed", f"{other.moderator.username} is reviewing this case.", holder=other.moderator)
        if verdict != Review.Verdict.NOTE:
            current = (
                Review.objects.filter(ending=ending, verdict__in=[Review.Verdict.UPHELD, Review.Verdict.OVERTURNED])
                .order_by("-created_at", "-id")
                .first()
            )
            if current is not None and current.verdict == verdict:
                return current
            if verdict == Review.Verdict.UPHELD and ending.reopened_at is not None:
                raise ReviewError("already_reopened", "This ending was reopened; it can no longer be upheld.")
        review = Review.objects.create(ending=ending, moderator=moderator, verdict=verdict, note=note)
        if verdict == Review.Verdict.OVERTURNED:
            conversation_services.ending_reopen(ending_id=ending.id, by=moderator)
        if verdict != Review.Verdict.NOTE:
            Feedback.objects.filter(ending=ending, status=Feedback.Status.OPEN).update(status=Feedback.Status.REVIEWED)
            CaseClaim.objects.filter(ending=ending).delete()
        action = {"upheld": "case.uphold", "overturned": "case.overturn", "note": "case.note"}[verdict]
        audit_record(
            actor=moderator,
            action=action,
            target=ending,
            review_id=review.pk,
            note=note[:500],
            conversation_id=str(ending.conversation_id),
        )
    return review


def content_reveal(*, message_id, moderator, conversation_id=None, ending_id=None) -> Message:
    """Show a hidden user message to this moderator; the audit row is what remembers the reveal.
    The message must belong to `conversation_id` (or to the ending's conversation)."""
    if ending_id is not None:
        conversation_id = _ending(ending_id).conversation_id
    message = Message.objects.filter(id=message_id, conversation_id=conversation_id).first()
    if message is None:
        raise ReviewError("not_found", "There is no such message here.")
    audit_record(
        actor=moderator,
        action="content.reveal",
        target_type="message",
        target_id=str(message.id),
        ending_id=str(ending_id) if ending_id else "",
        conversation_id=str(message.conversation_id),
    )
    return message


def flag_resolve(*, flag_id, moderator, note: str = "") -> Flag:
    """Close a flag (crisis escalation or repeated endings). Idempotent: a resolved flag stays as
    it was resolved first."""
    with transaction.atomic():
        flag = Flag.objects.select_for_update().filter(pk=flag_id).first()
        if flag is None:
            raise ReviewError("not_found", "There is no such flag.")
        if flag.status == Flag.Status.RESOLVED:
            return flag
        flag.status = Flag.Status.RESOLVED
        flag.resolved_at = timezone.now()
        flag.resolved_by = moderator
        flag.save(update_fields=["status", "resolved_at", "resolved_by"])
        audit_record(actor=moderator, action="flag.resolve", target=flag, kind=flag.kind, note=note[:500])
    return flag


def cases_export_record(*, actor, filters: dict, rows: int) -> None:
    audit_record(actor=actor, action="cases.export", target_type="ending", filters=filters, rows=rows)


# --- The user's side ---------------------------------------------------------------------------


def feedback_create(*, user, ending_id, kind: str, text: str = "") -> tuple[Feedback, bool]:
    """The owner's report of an ending (one per user and ending). Idempotent: a second report
    returns the first, unchanged, with created=False. Raises NotFound for endings of other users
    (exactly like a missing one) and ReviewError(invalid) for a bad kind or a text over 2000 chars."""
    if kind not in Feedback.Kind.values:
        raise ReviewError("invalid", "Choose what happened.")
    text = (text or "").strip()
    if len(text) > FEEDBACK_MAX_CHARS:
        raise ReviewError("invalid", f"Please keep it under {FEEDBACK_MAX_CHARS} characters.")
    ending = Ending.objects.filter(id=ending_id, conversation__owner_id=user.pk).first()
    if ending is None:
        raise NotFound()
    existing = Feedback.objects.filter(ending=ending, user=user).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Feedback.objects.create(ending=ending, user=user, kind=kind, text=text), True
    except IntegrityError:
        return Feedback.objects.get(ending=ending, user=user), False
