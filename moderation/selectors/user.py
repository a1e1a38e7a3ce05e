"""The user's side: their ending page (the report's status, the decision) and their notices."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from conversations.exceptions import NotFound
from conversations.models import Ending
from moderation.models import Feedback, Review, ReviewNotice
from moderation.selectors.common import VERDICTS


def ending_get_for_owner(*, user, ending_id: object) -> Ending:
    """The ending if `user` owns its conversation (not deleted); NotFound for missing, malformed and
    foreign ids, and for the endings of a deleted conversation."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        ending_uuid = uuid.UUID(str(ending_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound() from None
    ending = (
        Ending.objects.select_related("conversation")
        .filter(id=ending_uuid, conversation__owner_id=user.pk, conversation__deleted_at__isnull=True)
        .first()
    )
    if ending is None:
        raise NotFound()
    return ending


@dataclass
class EndingOutcome:
    """What the user's ending page says about review: their report and its status (received,
    under review, decided), and the decision with the moderator's reason once there is one."""

    feedback: Feedback | None
    status: str | None  # Feedback.Status value of the report, None without a report
    decision: Review | None  # the verdict the user reads (upheld or overturned), or None
    reopened: bool

    @property
    def verdict(self) -> str | None:
        if self.reopened:
            return Review.Verdict.OVERTURNED
        return self.decision.verdict if self.decision is not None else None


def ending_outcome(*, ending: Ending, user) -> EndingOutcome:
    """Two queries: the user's report (with the review that decided it), the latest verdict."""
    feedback = Feedback.objects.select_related("decision").filter(ending=ending, user=user).first()
    decision = feedback.decision if feedback is not None and feedback.decision_id else None
    if decision is None:
        decision = Review.objects.filter(ending=ending, verdict__in=VERDICTS).order_by("-created_at", "-id").first()
    return EndingOutcome(
        feedback=feedback,
        status=feedback.status if feedback is not None else None,
        decision=decision,
        reopened=ending.reopened_at is not None,
    )


def review_notices_unseen(*, user, limit: int = 5) -> list[ReviewNotice]:
    """The user's unread notices of decisions, newest first (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        ReviewNotice.objects.filter(user_id=user.pk, seen_at__isnull=True)
        .select_related("review", "ending")
        .order_by("-created_at", "-id")[:limit]
    )
