"""Policy versions: exactly one is active (a database constraint backs it)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from moderation import backtest as engine
from moderation.models import Backtest, PolicyVersion
from moderation.policy import PolicySettings
from moderation.services.audit import audit_record

log = logging.getLogger(__name__)


def policy_active() -> tuple[int, PolicySettings]:
    """The active version's number and settings. Falls back to the defaults (version 0) only if
    the migration that creates version 1 has not run."""
    version = PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE).only("number", "settings").first()
    if version is None:
        return 0, PolicySettings()
    return version.number, PolicySettings.from_dict(version.settings)


# --- Drafts, publishing, rollback (the console; every change is audited) ------------------------
#
# Rollback re-activates an old version's settings as a NEW version number (copied from the
# retired one, published at once). Version numbers therefore only grow, a decision's
# `policy_version` always names exactly one set of settings and one publication, and the audit
# log reads as a straight line: publish v5, roll back to v3 as v6.


class PolicyError(Exception):
    """A refused policy change; `code` is stable (not_found, not_draft, not_retired)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def _new_version(*, settings: dict, author, note: str, status: str = PolicyVersion.Status.DRAFT) -> PolicyVersion:
    """The next number; a concurrent creation that took it makes us retry with the one after."""
    for _attempt in range(5):
        number = (PolicyVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                return PolicyVersion.objects.create(
                    number=number, settings=settings, status=status, author=author, note=note[:2000]
                )
        except IntegrityError:
            continue
    raise PolicyError("busy", "Could not allocate a version number; try again.")


def _get_version(number: int, *, lock: bool = False) -> PolicyVersion:
    queryset = PolicyVersion.objects.select_for_update() if lock else PolicyVersion.objects
    version = queryset.filter(number=number).first()
    if version is None:
        raise PolicyError("not_found", f"There is no policy version {number}.")
    return version


def policy_draft_create(*, author, note: str = "") -> PolicyVersion:
    """A new draft whose settings are a copy of the active version's (the defaults if none)."""
    active_number, active_settings = policy_active()
    with transaction.atomic():
        draft = _new_version(settings=active_settings.to_dict(), author=author, note=note)
        audit_record(
            actor=author, action="policy.draft_create", target=draft, number=draft.number, copied_from=active_number
        )
    return draft


def policy_draft_update(*, number: int, author, data: dict, note: str | None = None) -> PolicyVersion:
    """Replace a draft's settings with validated `data`. Raises PolicySettingsError (per-field
    errors; nothing is changed) or PolicyError(not_draft). Unchanged settings write nothing."""
    settings = PolicySettings.from_dict(data)  # raises before anything is touched
    with transaction.atomic():
        draft = _get_version(number, lock=True)
        if draft.status != PolicyVersion.Status.DRAFT:
            raise PolicyError("not_draft", f"Version {number} is {draft.status}; only drafts can be edited.")
        before = PolicySettings.from_dict(draft.settings)
        changes = before.diff(settings)
        note_changed = note is not None and note != draft.note
        if not changes and not note_changed:
            return draft
        draft.settings = settings.to_dict()
        fields = ["settings", "updated_at"]
        if note_changed:
            draft.note = note[:2000]
            fields.append("note")
        draft.save(update_fields=fields)
        audit_record(
            actor=author,
            action="policy.draft_update",
            target=draft,
            number=number,
            changes={name: {"from": old, "to": new} for name, old, new in changes},
        )
    return draft


def _activate(version: PolicyVersion, *, actor) -> int | None:
    """Retire the active version, then activate `version` (in this order: the one-active
    constraint is checked per statement). Caller holds the transaction."""
    previous = PolicyVersion.objects.select_for_update().filter(status=PolicyVersion.Status.ACTIVE).first()
    if previous is not None:
        PolicyVersion.objects.filter(pk=previous.pk, status=PolicyVersion.Status.ACTIVE).update(
            status=PolicyVersion.Status.RETIRED, updated_at=timezone.now()
        )
    version.status = PolicyVersion.Status.ACTIVE
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at", "updated_at"])
    return previous.number if previous is not None else None


def policy_publish(*, number: int, actor) -> PolicyVersion:
    """Make draft `number` the active version and retire the previous one, in one transaction.
    Idempotent: publishing the active version again changes nothing. Raises PolicyError."""
    with transaction.atomic():
        version = _get_version(number, lock=True)
        if version.status == PolicyVersion.Status.ACTIVE:
            return version
        if version.status != PolicyVersion.Status.DRAFT:
            raise PolicyError("not_draft", f"Version {number} is {version.status}; roll back to it instead.")
        PolicySettings.from_dict(version.settings)  # never activate settings that do not validate
        previous = _activate(version, actor=actor)
        audit_record(actor=actor, action="policy.publish", target=version, number=number, previous=previous)
    return version


def policy_rollback(*, number: int, actor) -> PolicyVersion:
    """Re-activate retired version `number`'s settings as a new version (see the note above).
    Raises PolicyError(not_retired) for drafts and the active version."""
    with transaction.atomic():
        old = _get_version(number, lock=True)
        if old.status != PolicyVersion.Status.RETIRED:
            raise PolicyError("not_retired", f"Version {number} is {old.status}; only retired versions roll back.")
        settings = PolicySettings.from_dict(old.settings).to_dict()
        version = _new_version(settings=settings, author=actor, note=f"Rollback to version {number}.")
        previous = _activate(version, actor=actor)
        audit_record(
            actor=actor,
            action="policy.rollback",
            target=version,
            number=version.number,
            restored=number,
            previous=previous,
        )
    return version


# --- Backtests ---------------------------------------------------------------------------------


def backtest_request(*, number: int, actor, since: datetime | None = None) -> Backtest:
    """Record a backtest of version `number` over stored history, `queued`. The caller queues the
    `run_backtest` task with its id on commit (in the embedded default it then runs at once,
    in-process)."""
    with transaction.atomic():
        version = _get_version(number)
        run = Backtest.objects.create(policy_version=version, requested_by=actor, since=since)
        audit_record(
            actor=actor,
            action="policy.backtest",
            target=version,
            number=number,
            backtest_id=run.pk,
            since=since.isoformat() if since else None,
        )
    return run


def backtest_run(*, backtest_id: int) -> Backtest | None:
    """Run a queued backtest: claim it (conditional UPDATE queued -> running, so a redelivered
    task does not run it twice), replay, store the result. Progress is written as it goes."""
    claimed = Backtest.objects.filter(pk=backtest_id, status=Backtest.Status.QUEUED).update(
        status=Backtest.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if not claimed:
        return None
    run = Backtest.objects.select_related("policy_version").get(pk=backtest_id)

    def progress(done: int, total: int) -> None:
        percent = min(99, int(done * 100 / max(total, 1)))
        Backtest.objects.filter(pk=backtest_id).update(progress=percent)

    try:
        settings = PolicySettings.from_dict(run.policy_version.settings)
        result = engine.backtest(settings, since=run.since, progress=progress)
    except Exception as error:  # a failed run is shown, never retried blindly
        log.exception("backtest %s failed", backtest_id)
        Backtest.objects.filter(pk=backtest_id).update(
            status=Backtest.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        return Backtest.objects.get(pk=backtest_id)
    Backtest.objects.filter(pk=backtest_id).update(
        status=Backtest.Status.DONE, progress=100, result=result.to_dict(), finished_at=timezone.now()
    )
    return Backtest.objects.get(pk=backtest_id)
