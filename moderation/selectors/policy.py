"""Policy versions and backtests."""

from __future__ import annotations

from conversations.exceptions import NotFound
from moderation.models import Backtest, PolicyVersion


def policy_versions() -> list[PolicyVersion]:
    return list(PolicyVersion.objects.select_related("author").order_by("-number"))


def policy_version_get(number: int) -> PolicyVersion:
    version = PolicyVersion.objects.select_related("author").filter(number=number).first()
    if version is None:
        raise NotFound()
    return version


def backtests_of(version: PolicyVersion, limit: int = 10) -> list[Backtest]:
    return list(version.backtests.select_related("requested_by").order_by("-created_at", "-id")[:limit])


def backtest_get(backtest_id: int) -> Backtest:
    run = Backtest.objects.select_related("policy_version", "requested_by").filter(pk=backtest_id).first()
    if run is None:
        raise NotFound()
    return run
