"""Metrics (server-side SVG charts) and the audit log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from moderation import selectors, taxonomy
from moderation.forms import AuditFilterForm, PeriodForm
from moderation.views import charts
from moderation.views.access import REVIEW, console_view

AUDIT_PAGE_SIZE = 50


@console_view(REVIEW)
def metrics(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    data = selectors.metrics(start=start, end=end)
    reason_labels = {name: name.replace("_", " ") for name in data.by_reason}
    category_labels = {name: taxonomy.label(name) for name in data.by_category}
    context = {
        "form": form,
        "m": data,
        "reason_chart": charts.stacked_bars(data.days, data.by_reason, reason_labels),
        "category_chart": charts.stacked_bars(data.days, data.by_category, category_labels),
        "crisis_chart": charts.stacked_bars(data.days, {"crisis": data.crisis_by_day}, {"crisis": "crisis flags"}),
        "rates": charts.rate_bars(
            [
                ("Feedback rate", data.feedback_rate, f"{data.with_feedback} of {data.endings} endings"),
                ("Overturn rate", data.overturn_rate, f"{data.overturned} of {data.reviewed} reviewed"),
            ]
        ),
        "median_review": charts.duration_text(data.median_review_seconds),
        "section": "metrics",
    }
    return render(request, "moderation/metrics.html", context)


@console_view(REVIEW)
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.AuditFilters()
    page = Paginator(selectors.audit_events(filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "moderation/audit.html", {"form": form, "page": page, "query": query.urlencode(), "section": "audit"}
    )
