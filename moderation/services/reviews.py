"""The console's writes: claims and assignments, verdicts on endings, case views and reveals,
flags, exports; and the user's side: the report of an ending (a complaint, EU DSA Art. 20) and the
notice that tells them it was decided. Every moderator action writes an audit row in the same
transaction; events are published on commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import events
from conversations import services as conversation_services
from conversations.exceptions import NotFound
from conversations.models import Conversation, Ending, Message
from moderation.models import CaseClaim, Feedback, Flag, Review, ReviewNotice
from moderation.services.audit import audit_record

CLAIM_DURATION = timedelta(minutes=30)
ASSIGNMENT_DURATION = timedelta(hours=8)  # a case handed to someone waits for their shift
FEEDBACK_MAX_CHARS = 2000
NOTE_MAX_CHARS = 4000
BULK_MAX_ITEMS = 100
REVIEW_PERMISSION = "moderation.review_endings"


class ReviewError(Exception):
    """A refused console action; `code` is stable: claimed, already_reopened, invalid,
    reason_required, not_found."""

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


def _mark_under_review(ending_id) -> None:
    """A person has the case in hand: the user's received report is now under review."""
    Feedback.objects.filter(ending_id=ending_id, status=Feedback.Status.OPEN).update(status=Feedback.Status.IN_REVIEW)


# --- Claims ------------------------------------------------------------------------------------


def _take_claim(*, ending_id, holder, now, expires, allowed: Q, assigned_by=None) -> None:
    """Give the case to `holder` until `expires`: a conditional UPDATE of an existing claim that
    `allowed` lets us take (checked by row count), else an INSERT backed by the one-claim-per-ending
    constraint. Raises ReviewError(claimed) with `holder` when someone else keeps it."""
    taken = (
        CaseClaim.objects.filter(ending_id=ending_id)
        .filter(allowed)
        .update(moderator=holder, claimed_at=now, expires_at=expires, assigned_by=assigned_by)
    )
    if taken:
        return
    try:
        with transaction.atomic():
            CaseClaim.objects.create(
                ending_id=ending_id, moderator=holder, claimed_at=now, expires_at=expires, assigned_by=assigned_by
            )
    except IntegrityError:
        other = CaseClaim.objects.select_related("moderator").get(ending_id=ending_id).moderator
        raise ReviewError("claimed", f"{other.username} is reviewing this case.", holder=other) from None


def case_claim(*, ending_id, moderator) -> CaseClaim:
    """Claim a case for CLAIM_DURATION, or renew one's own claim. An expired claim is taken over.
    Raises ReviewError(claimed) with `holder` when someone else holds a live claim. The user's
    report, if any, is now under review."""
    _ending(ending_id)
    now = timezone.now()
    expires = now + CLAIM_DURATION
    with transaction.atomic():
        _take_claim(
            ending_id=ending_id,
            holder=moderator,
            now=now,
            expires=expires,
            allowed=Q(expires_at__lte=now) | Q(moderator=moderator),
        )
        _mark_under_review(ending_id)
        audit_record(
            actor=moderator,
            action="case.claim",
            target_type="ending",
            target_id=str(ending_id),
            expires_at=expires.isoformat(),
        )
    return CaseClaim.objects.select_related("moderator").get(ending_id=ending_id)


def case_assign(*, ending_id, assignee, by) -> CaseClaim:
    """Hand a case to `assignee` (a moderator) for ASSIGNMENT_DURATION. Allowed when the case is
    free, its claim has lapsed, or `by` or `assignee` holds it; raises ReviewError(claimed) when a
    third moderator holds a live claim, ReviewError(invalid) when `assignee` may not review.
    Assigning again to the same person renews it (one audit row per call)."""
    if assignee is None or not assignee.is_active or not assignee.has_perm(REVIEW_PERMISSION):
        raise ReviewError("invalid", "Cases can only be assigned to moderators.")
    _ending(ending_id)
    now = timezone.now()
    expires = now + ASSIGNMENT_DURATION
    with transaction.atomic():
        _take_claim(
            ending_id=ending_id,
            holder=assignee,
            now=now,
            expires=expires,
            allowed=Q(expires_at__lte=now) | Q(moderator=assignee) | Q(moderator=by),
            assigned_by=by,
        )
        _mark_under_review(ending_id)
        audit_record(
            actor=by,
            action="case.assign",
            target_type="ending",
            target_id=str(ending_id),
            assignee=assignee.username,
            expires_at=expires.isoformat(),
        )
    return CaseClaim.objects.select_related("moderator", "assigned_by").get(ending_id=ending_id)


def case_release(*, ending_id, moderator) -> bool:
    """Give up one's own claim. Returns False (and records nothing) when there was none."""
    with transaction.atomic():
        released, _ = CaseClaim.objects.filter(ending_id=ending_id, moderator=moderator).delete()
        if released:
            audit_record(actor=moderator, action="case.release", target_type="ending", target_id=str(ending_id))
    return bool(released)


def case_view_record(*, ending_id, moderator) -> None:
    """A moderator opened a case page: every view is audited (not only reveals), and a received
    report is now under review. Call it once per page view, after the case was found."""
    with transaction.atomic():
        _mark_under_review(ending_id)
        audit_record(actor=moderator, action="case.view", target_type="ending", target_id=str(ending_id))


def conversation_view_record(*, conversation_id, moderator) -> None:
    """A moderator opened a conversation outside a case (from a flag or a backtest): audited."""
    audit_record(
        actor=moderator, action="conversation.view", target_type="conversation", target_id=str(conversation_id)
    )


# --- Verdicts ----------------------------------------------------------------------------------


def ending_outcome(ending_id) -> str | None:
    """The latest verdict on an ending (`upheld` or `overturned`), None while unreviewed."""
    return (
        Review.objects.filter(ending_id=ending_id, verdict__in=[Review.Verdict.UPHELD, Review.Verdict.OVERTURNED])
        .order_by("-created_at", "-id")
        .values_list("verdict", flat=True)
        .first()
    )


def review_reason_problem(verdict: str, reason: str, note: str) -> str | None:
    """Why (verdict, reason, note) cannot be recorded, or None. Upheld and overturned verdicts need
    one of Review.REASONS (what the user reads); "other" needs the note to say it."""
    if verdict == Review.Verdict.NOTE:
        return None if note else "A note needs some text."
    reasons = Review.REASONS.get(verdict, {})
    if reason not in reasons:
        return "Choose the reason the user will read."
    if reason == "other" and not note:
        return "Write the reason: the user reads it as the decision on their report."
    return None


def review_create(*, ending_id, moderator, verdict: str, reason: str = "", note: str = "") -> Review:
    """Record a moderator's verdict on an ending (Review rows are immutable).

    - `upheld`: the ending stands. Refused (already_reopened) once the ending was reopened.
    - `overturned`: the branch is reopened through conversations.services.ending_reopen (the
      user's page is told by the `conversation.reopened` event).
    - `note`: an internal remark for the next moderator; needs text; the user never sees it.
    Upheld and overturned need a `reason` of Review.REASONS[verdict] (ReviewError(reason_required)):
    with `note`, it is the decision the user reads on their ending page.
    Repeating the current verdict returns the existing review (a double submit writes nothing),
    unless a report of the user is still undecided: then the new review decides it.
    A verdict decides the ending's reports, releases the claim, and tells the owner with a
    ReviewNotice and a `review.decided` event when it decided a report or reopened the chat.
    Refused (claimed) while another moderator holds a live claim. Lock order: the ending row, then
    (through ending_reopen) the conversation row.
    """
    if verdict not in Review.Verdict.values:
        raise ReviewError("invalid", f"Unknown verdict {verdict!r}.")
    note = (note or "").strip()
    reason = (reason or "").strip() if verdict != Review.Verdict.NOTE else ""
    if len(note) > NOTE_MAX_CHARS:
        raise ReviewError("invalid", f"The note is limited to {NOTE_MAX_CHARS} characters.")
    problem = review_reason_problem(verdict, reason, note)
    if problem:
        raise ReviewError("invalid" if verdict == Review.Verdict.NOTE else "reason_required", problem)
    with transaction.atomic():
        ending = _ending(ending_id, lock=True)
        now = timezone.now()
        other = _live_claim_by_other(ending.id, moderator, now)
        if other is not None:
            raise ReviewError("claimed", f"{other.moderator.username} is reviewing this case.", holder=other.moderator)
        undecided = Feedback.objects.filter(ending=ending, status__in=Feedback.UNDECIDED)
        if verdict != Review.Verdict.NOTE:
            current = (
                Review.objects.filter(ending=ending, verdict__in=[Review.Verdict.UPHELD, Review.Verdict.OVERTURNED])
                .order_by("-created_at", "-id")
                .first()
            )
            if current is not None and current.verdict == verdict and not undecided.exists():
                return current
            if verdict == Review.Verdict.UPHELD and ending.reopened_at is not None:
                raise ReviewError("already_reopened", "This ending was reopened; it can no longer be upheld.")
        review = Review.objects.create(ending=ending, moderator=moderator, verdict=verdict, reason=reason, note=note)
        if verdict == Review.Verdict.OVERTURNED:
            conversation_services.ending_reopen(ending_id=ending.id, by=moderator)
        if verdict != Review.Verdict.NOTE:
            decided = undecided.update(status=Feedback.Status.REVIEWED, decided_at=now, decision=review)
            CaseClaim.objects.filter(ending=ending).delete()
            if decided or verdict == Review.Verdict.OVERTURNED:
                _notify_owner(ending, review)
        action = {"upheld": "case.uphold", "overturned": "case.overturn", "note": "case.note"}[verdict]
        audit_record(
            actor=moderator,
            action=action,
            target=ending,
            review_id=review.pk,
            reason=reason,
            note=note[:500],
            conversation_id=str(ending.conversation_id),
        )
    return review


def _notify_owner(ending: Ending, review: Review) -> None:
    """The in-app notice (kept until the user opens the ending page) and the realtime event to
    their open chat page. The event carries ids only; the page renders the text in the user's
    language."""
    owner_id = Conversation.objects.filter(id=ending.conversation_id).values_list("owner_id", flat=True).get()
    ReviewNotice.objects.create(user_id=owner_id, ending=ending, review=review)
    events.publish_on_commit(
        ending.conversation_id,
        "review.decided",
        ending_id=str(ending.id),
        verdict=review.verdict,
        url=reverse("ending", args=[ending.id]),
    )


@dataclass
class BulkResult:
    """What a bulk action did: the ids it changed, the ids already in that state, and the ids it
    skipped with the reason (someone else's claim, a reopened ending, a missing row)."""

    done: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (id, message)


def _bulk_ids(ids) -> list:
    ids = list(dict.fromkeys(ids))  # keep the order, drop repeats
    if not ids:
        raise ReviewError("invalid", "Select at least one item.")
    if len(ids) > BULK_MAX_ITEMS:
        raise ReviewError("invalid", f"Select at most {BULK_MAX_ITEMS} items at a time.")
    return ids


def cases_uphold(*, ending_ids, moderator, reason: str, note: str = "") -> BulkResult:
    """Uphold each selected ending with the same reason (each one its own transaction through
    review_create, so one refused case does not undo the others)."""
    problem = review_reason_problem(Review.Verdict.UPHELD, reason, (note or "").strip())
    if problem:
        raise ReviewError("reason_required", problem)
    result = BulkResult()
    for ending_id in _bulk_ids(ending_ids):
        started = timezone.now()
        try:
            review = review_create(
                ending_id=ending_id, moderator=moderator, verdict=Review.Verdict.UPHELD, reason=reason, note=note
            )
        except ReviewError as error:
            result.skipped.append((ending_id, str(error)))
            continue
        (result.done if review.created_at >= started else result.unchanged).append(ending_id)
    return result


def cases_assign(*, ending_ids, assignee, by) -> BulkResult:
    if assignee is None or not assignee.has_perm(REVIEW_PERMISSION):
        raise ReviewError("invalid", "Cases can only be assigned to moderators.")
    result = BulkResult()
    for ending_id in _bulk_ids(ending_ids):
        try:
            case_assign(ending_id=ending_id, assignee=assignee, by=by)
        except ReviewError as error:
            result.skipped.append((ending_id, str(error)))
            continue
        result.done.append(ending_id)
    return result


def flags_resolve(*, flag_ids, moderator, note: str = "") -> BulkResult:
    result = BulkResult()
    for flag_id in _bulk_ids(flag_ids):
        try:
            _flag, changed = flag_resolve(flag_id=flag_id, moderator=moderator, note=note, report_change=True)
        except ReviewError as error:
            result.skipped.append((flag_id, str(error)))
            continue
        (result.done if changed else result.unchanged).append(flag_id)
    return result


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


def flag_resolve(*, flag_id, moderator, note: str = "", report_change: bool = False):
    """Close a flag (crisis escalation or repeated endings). Idempotent: a resolved flag stays as
    it was resolved first. Returns the flag, or (flag, changed) with `report_change`."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ReviewError("invalid", f"The note is limited to {NOTE_MAX_CHARS} characters.")
    changed = False
    with transaction.atomic():
        flag = Flag.objects.select_for_update().filter(pk=flag_id).first()
        if flag is None:
            raise ReviewError("not_found", "There is no such flag.")
        if flag.status != Flag.Status.RESOLVED:
            flag.status = Flag.Status.RESOLVED
            flag.resolved_at = timezone.now()
            flag.resolved_by = moderator
            flag.save(update_fields=["status", "resolved_at", "resolved_by"])
            audit_record(actor=moderator, action="flag.resolve", target=flag, kind=flag.kind, note=note[:500])
            changed = True
    return (flag, changed) if report_change else flag


def cases_export_record(*, actor, filters: dict, rows: int) -> None:
    """The export concerns many cases, so its audit row has no target (the filters say which)."""
    audit_record(actor=actor, action="cases.export", filters=filters, rows=rows)


# --- The user's side ---------------------------------------------------------------------------


def feedback_create(*, user, ending_id, kind: str, text: str = "") -> tuple[Feedback, bool]:
    """The owner's report of an ending (one per user and ending). Idempotent: a second report
    returns the first, unchanged, with created=False. Raises NotFound for endings of other users
    (exactly like a missing one) and ReviewError(invalid) for a bad kind or a text over 2000 chars."""
    if kind not in Feedback.Kind.values:
        raise ReviewError("invalid", _("Choose what happened."))
    text = (text or "").strip()
    if len(text) > FEEDBACK_MAX_CHARS:
        raise ReviewError("invalid", _("Please keep it under %(limit)s characters.") % {"limit": FEEDBACK_MAX_CHARS})
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


def review_notices_mark_seen(*, user, ending_id) -> int:
    """The user opened the ending page: its notices are read. Idempotent (a conditional UPDATE)."""
    return ReviewNotice.objects.filter(user_id=user.pk, ending_id=ending_id, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
