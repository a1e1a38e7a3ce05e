"""Metrics (server-side SVG charts) and the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from moderation import selectors
from moderation.forms import AuditFilterForm, PeriodForm, audit_action_names, category_label, reason_label
from moderation.views import charts
from moderation.views.access import REVIEW, console_view

AUDIT_PAGE_SIZE = 50


@console_view(REVIEW)
def metrics(request):
    form = PeriodForm(request.GET)
    if form.is_bound and not form.is_valid():
        return render(request, "moderation/metrics.html", {"form": form, "section": "metrics"}, status=400)
    start, end = form.period()
    data = selectors.metrics(start=start, end=end)
    reason_labels = {name: reason_label(name) for name in data.by_reason}
    category_labels = {name: category_label(name) for name in data.by_category}
    context = {
        "form": form,
        "m": data,
        "reason_chart": charts.stacked_bars(data.days, data.by_reason, reason_labels),
        "category_chart": charts.stacked_bars(data.days, data.by_category, category_labels),
        "crisis_chart": charts.stacked_bars(data.days, {"crisis": data.crisis_by_day}, {"crisis": "Crisis flags"}),
        "rates": charts.rate_bars(
            [
                ("Feedback rate", data.feedback_rate, f"{data.with_feedback} of {data.endings} endings"),
                ("Overturn rate", data.overturn_rate, f"{data.overturned} of {data.reviewed} reviewed"),
            ]
        ),
        "waits": [
            {
                "testid": "review-wait",
                "label": "Time to review",
                "detail": f"from the ending to its first verdict, {data.review_wait.count} reviewed",
                "p50": charts.duration_text(data.review_wait.p50),
                "p90": charts.duration_text(data.review_wait.p90),
            },
            {
                "testid": "decision-wait",
                "label": "Time to decide a report",
                "detail": (
                    f"from the user's report to the decision, {data.reports_decided} of {data.reports} reports decided"
                ),
                "p50": charts.duration_text(data.decision_wait.p50),
                "p90": charts.duration_text(data.decision_wait.p90),
            },
        ],
        "section": "metrics",
    }
    return render(request, "moderation/metrics.html", context)


@dataclass
class AuditRow:
    """One audit row as the log shows it: the target as a link when it still names a page, as
    plain text otherwise (an export has no target; an old row may name a deleted object)."""

    event: object
    target_text: str
    target_url: str | None


TARGET_PAGES = {"ending": "moderation:case", "conversation": "moderation:conversation"}


def audit_row(event) -> AuditRow:
    if not event.target_type and not event.target_id:
        return AuditRow(event, "", None)
    text = f"{event.target_type} {event.target_id[:13]}".strip()
    url = None
    if event.target_type == "policyversion" and isinstance(event.data.get("number"), int):
        url = reverse("moderation:policy_detail", args=[event.data["number"]])
        text = f"policy v{event.data['number']}"
    elif event.target_type in TARGET_PAGES and event.target_id:
        try:
            url = reverse(TARGET_PAGES[event.target_type], args=[event.target_id])
        except NoReverseMatch:
            url = None
    return AuditRow(event, text, url)


@console_view(REVIEW)
def audit_log(request):
    """Filters that do not validate show their errors and list nothing (status 400)."""
    form = AuditFilterForm(request.GET or None)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "query": query.urlencode(),
        "section": "audit",
        "actors": selectors.moderators(),
        "action_names": audit_action_names(),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "moderation/audit.html", {**context, "page": None, "rows": []}, status=400)
    page = Paginator(selectors.audit_events(form.filters()), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [audit_row(event) for event in page.object_list]
    return render(request, "moderation/audit.html", {**context, "page": page, "rows": rows})
