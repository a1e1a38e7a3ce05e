"""Policy tuning: versions, drafts, diff, backtests, publish and roll back (all audited)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from conversations.exceptions import NotFound
from moderation import selectors, tasks, taxonomy
from moderation.forms import BacktestForm, PolicyDraftForm, setting_label
from moderation.models import PolicyVersion
from moderation.policy import PolicySettings, PolicySettingsError
from moderation.services import policies
from moderation.views.access import TUNE, console_view
from moderation.views.confirm import Confirmation, is_confirmed, render_confirmation


def _version_or_404(number: int) -> PolicyVersion:
    try:
        return selectors.policy_version_get(number)
    except NotFound:
        raise Http404() from None


def _active_settings() -> tuple[int, PolicySettings]:
    return policies.policy_active()


@console_view(TUNE)
def policy_list(request):
    return render(
        request,
        "moderation/policy_list.html",
        {"versions": selectors.policy_versions(), "section": "policy"},
    )


@console_view(TUNE, methods=("POST",))
def policy_new(request):
    draft = policies.policy_draft_create(author=request.user, note=request.POST.get("note", ""))
    messages.success(request, f"Draft version {draft.number} created from the active version.")
    return redirect("moderation:policy_edit", number=draft.number)


def _diff_rows(version: PolicyVersion) -> tuple[int, list[dict]]:
    active_number, active = _active_settings()
    try:
        mine = PolicySettings.from_dict(version.settings)
    except PolicySettingsError:
        return active_number, []
    return active_number, [
        {"field": name, "label": setting_label(name), "active": _show(name, old), "version": _show(name, new)}
        for name, old, new in active.diff(mine)
    ]


def _show(name: str, value) -> str:
    if name == "counted_categories":
        return ", ".join(taxonomy.label(c) for c in value) or "(none)"
    if name == "crisis_resources":
        return "; ".join(f"{r['name']} ({r['region']})" for r in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _detail(request, version: PolicyVersion, *, backtest_form: BacktestForm | None = None, status: int = 200):
    active_number, diff = _diff_rows(version)
    settings_rows = [
        {"field": name, "label": setting_label(name), "value": _show(name, value)}
        for name, value in version.settings.items()
    ]
    return render(
        request,
        "moderation/policy_detail.html",
        {
            "version": version,
            "active_number": active_number,
            "diff": diff,
            "settings_rows": settings_rows,
            "backtests": selectors.backtests_of(version),
            "backtest_form": backtest_form or BacktestForm(),
            "section": "policy",
        },
        status=status,
    )


@console_view(TUNE)
def policy_detail(request, number: int):
    return _detail(request, _version_or_404(number))


@console_view(TUNE, methods=("GET", "POST"))
def policy_edit(request, number: int):
    version = _version_or_404(number)
    if version.status != PolicyVersion.Status.DRAFT:
        messages.error(request, f"Version {number} is {version.status}; only drafts can be edited.")
        return redirect("moderation:policy_detail", number=number)
    if request.method == "POST":
        form = PolicyDraftForm(request.POST)
        if form.is_valid():
            try:
                policies.policy_draft_update(
                    number=number, author=request.user, data=form.settings.to_dict(), note=form.cleaned_data["note"]
                )
            except PolicySettingsError as error:  # the form validated the same way; kept for safety
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except policies.PolicyError as error:
                messages.error(request, str(error))
                return redirect("moderation:policy_detail", number=number)
            else:
                messages.success(request, f"Draft version {number} saved.")
                return redirect("moderation:policy_detail", number=number)
        status = 400
    else:
        form = PolicyDraftForm(
            initial=PolicyDraftForm.initial_for(PolicySettings.from_dict(version.settings), version.note)
        )
        status = 200
    active_number, diff = _diff_rows(version)
    return render(
        request,
        "moderation/policy_edit.html",
        {"version": version, "form": form, "diff": diff, "active_number": active_number, "section": "policy"},
        status=status,
    )


@console_view(TUNE, methods=("POST",))
def policy_backtest(request, number: int):
    """An invalid `since` is refused beside the field (status 400): never a replay of the whole
    history in its place."""
    version = _version_or_404(number)
    form = BacktestForm(request.POST)
    if not form.is_valid():
        return _detail(request, version, backtest_form=form, status=400)
    since = None
    if form.cleaned_data.get("since"):
        since = timezone.make_aware(datetime.combine(form.cleaned_data["since"], time.min))
    run = policies.backtest_request(number=number, actor=request.user, since=since)
    transaction.on_commit(lambda: tasks.run_backtest.delay(run.pk))
    return redirect("moderation:backtest", backtest_id=run.pk)


def _confirm_policy_change(request, version: PolicyVersion, *, kind: str):
    active_number, diff = _diff_rows(version)
    details = [(row["label"], f"{row['active']} → {row['version']}") for row in diff] or [
        ("Settings", f"the same as the active version v{active_number}")
    ]
    if kind == "publish":
        title = f"Publish v{version.number}?"
        lead = (
            f"It becomes the active policy for every new turn at once, and v{active_number} is retired. "
            "Changes against the active version:"
        )
        button, url = "Publish (make active)", reverse("moderation:policy_publish", args=[version.number])
    else:
        title = f"Roll back to v{version.number}?"
        lead = (
            f"A copy of v{version.number}'s settings is published as a new version and becomes active at once; "
            f"v{active_number} is retired. Changes against the active version:"
        )
        button, url = "Roll back", reverse("moderation:policy_rollback", args=[version.number])
    return render_confirmation(
        request,
        Confirmation(
            title=title,
            lead=lead,
            details=details,
            action_url=url,
            button=button,
            cancel_url=reverse("moderation:policy_detail", args=[version.number]),
            testid=f"confirm-{kind}",
        ),
        extra={"section": "policy"},
    )


@console_view(TUNE, methods=("POST",))
def policy_publish(request, number: int):
    if not is_confirmed(request):
        version = _version_or_404(number)
        if version.status == PolicyVersion.Status.DRAFT:
            return _confirm_policy_change(request, version, kind="publish")
    try:
        policies.policy_publish(number=number, actor=request.user)
    except policies.PolicyError as error:
        if error.code == "not_found":
            raise Http404() from None
        messages.error(request, str(error))
    except PolicySettingsError as error:
        messages.error(request, f"Version {number} has invalid settings: {error}")
    else:
        messages.success(request, f"Version {number} is now active.")
    return redirect("moderation:policy_detail", number=number)


@console_view(TUNE, methods=("POST",))
def policy_rollback(request, number: int):
    if not is_confirmed(request):
        version = _version_or_404(number)
        if version.status == PolicyVersion.Status.RETIRED:
            return _confirm_policy_change(request, version, kind="rollback")
    try:
        version = policies.policy_rollback(number=number, actor=request.user)
    except policies.PolicyError as error:
        if error.code == "not_found":
            raise Http404() from None
        messages.error(request, str(error))
        return redirect("moderation:policy_detail", number=number)
    messages.success(request, f"Rolled back: version {version.number} (a copy of version {number}) is now active.")
    return redirect("moderation:policy_detail", number=version.number)


def _backtest_or_404(backtest_id: int):
    try:
        return selectors.backtest_get(backtest_id)
    except NotFound:
        raise Http404() from None


@console_view(TUNE)
def backtest_page(request, backtest_id: int):
    run = _backtest_or_404(backtest_id)
    return render(
        request,
        "moderation/backtest.html",
        {
            "run": run,
            "result": run.result or {},
            "status_url": reverse("moderation:backtest_status", args=[run.pk]),
            "section": "policy",
        },
    )


@console_view(TUNE)
def backtest_status(request, backtest_id: int):
    run = _backtest_or_404(backtest_id)
    return JsonResponse(
        {
            "id": run.pk,
            "status": run.status,
            "progress": run.progress,
            "finished": run.status in ("done", "failed"),
            "added": (run.result or {}).get("added_count"),
            "removed": (run.result or {}).get("removed_count"),
        }
    )
