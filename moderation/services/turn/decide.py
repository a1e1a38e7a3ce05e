"""Stage 3, decide: the pure policy (moderation.policy) on the branch state and the verdict.

The branch state comes from the nearest decided user turn above this one (each Decision stores
the state after its turn); a notice on the path that a moderator reopened resets the strikes
(crisis mode stays). The active policy version is read once per POLICY_CACHE_SECONDS per process.
"""

from __future__ import annotations

import time

from django.conf import settings

from conversations.models import Message
from moderation import policy
from moderation.models import Classification, Decision
from moderation.services.policies import policy_active
from moderation.services.turn.classify import verdict_of
from moderation.services.turn.load import Turn

_cached: tuple[float, int, policy.PolicySettings] | None = None


def policy_cached() -> tuple[int, policy.PolicySettings]:
    """`policy_active()`, remembered for settings.POLICY_CACHE_SECONDS in this process (0: read it
    every time). A published version reaches every worker within that delay."""
    global _cached
    ttl = settings.POLICY_CACHE_SECONDS
    if ttl <= 0:
        return policy_active()
    now = time.monotonic()
    cached = _cached
    if cached is None or now - cached[0] > ttl:
        cached = _cached = (now, *policy_active())
    return cached[1], cached[2]


def state_before(turn: Turn) -> policy.BranchState:
    """The branch state inherited from the path above the user message."""
    state = policy.BranchState()
    for message in turn.path[:-1]:
        if message.role == Message.Role.USER and message.id in turn.states:
            state = policy.BranchState.from_dict(turn.states[message.id])
        elif message.role == Message.Role.NOTICE:
            state = policy.BranchState(crisis_mode=state.crisis_mode)
    return state


def decide(turn: Turn, classification: Classification | None, version: int, settings_) -> Decision:
    """The unsaved Decision for `turn` (classification None: every classifier failed)."""
    verdict = verdict_of(classification) if classification is not None else None
    decided = policy.decide(state_before(turn), policy.TurnInput.from_verdict(verdict, turn.message.content), settings_)
    return decision_row(message_id=turn.message.id, decided=decided, classification=classification, version=version)


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


def newly_in_crisis(turn: Turn, decision: Decision) -> bool:
    """This turn switched the branch into crisis mode (moderators get a high-priority flag)."""
    return decision.crisis_mode and not state_before(turn).crisis_mode
