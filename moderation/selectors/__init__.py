"""Reads for the staff console and the user's ending page, by concern. Every page is a fixed
number of queries whatever the data size (asserted in tests/moderation/test_console_queries.py and
beside each page's tests)."""

from moderation.selectors.audit import AuditFilters, audit_events
from moderation.selectors.case import (
    HIDE_SEVERITY,
    CaseView,
    ConversationView,
    TreeRow,
    case_detail,
    conversation_detail,
)
from moderation.selectors.common import VERDICTS
from moderation.selectors.metrics import Metrics, Waits, metrics, percentile, wait_percentiles
from moderation.selectors.policy import backtest_get, backtests_of, policy_version_get, policy_versions
from moderation.selectors.queue import (
    QueueFilters,
    QueueItem,
    bulk_selection,
    endings_annotated,
    endings_filtered,
    feedback_for_endings,
    flag_get,
    moderators,
    queue_items,
    queue_rows,
)
from moderation.selectors.user import EndingOutcome, ending_get_for_owner, ending_outcome, review_notices_unseen

__all__ = [
    "HIDE_SEVERITY",
    "VERDICTS",
    "AuditFilters",
    "CaseView",
    "ConversationView",
    "EndingOutcome",
    "Metrics",
    "QueueFilters",
    "QueueItem",
    "TreeRow",
    "Waits",
    "audit_events",
    "backtest_get",
    "backtests_of",
    "bulk_selection",
    "case_detail",
    "conversation_detail",
    "ending_get_for_owner",
    "ending_outcome",
    "endings_annotated",
    "endings_filtered",
    "feedback_for_endings",
    "flag_get",
    "metrics",
    "moderators",
    "percentile",
    "policy_version_get",
    "policy_versions",
    "queue_items",
    "queue_rows",
    "review_notices_unseen",
    "wait_percentiles",
]
