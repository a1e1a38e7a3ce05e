"""The staff console (DESIGN 8) and the user's page about an ending. Views are thin: they parse,
call one selector or service, and render."""

from moderation.views.cases import (
    bulk_action,
    case_action,
    case_page,
    conversation_page,
    conversation_reveal,
    export_cases,
    flag_resolve,
    queue,
)
from moderation.views.policy import (
    backtest_page,
    backtest_status,
    policy_backtest,
    policy_detail,
    policy_edit,
    policy_list,
    policy_new,
    policy_publish,
    policy_rollback,
)
from moderation.views.reports import audit_log, metrics
from moderation.views.user import ending_page

__all__ = [
    "audit_log",
    "backtest_page",
    "backtest_status",
    "bulk_action",
    "case_action",
    "case_page",
    "conversation_page",
    "conversation_reveal",
    "ending_page",
    "export_cases",
    "flag_resolve",
    "metrics",
    "policy_backtest",
    "policy_detail",
    "policy_edit",
    "policy_list",
    "policy_new",
    "policy_publish",
    "policy_rollback",
    "queue",
]
