"""Queue, case page and its actions, flags, CSV export."""

from __future__ import annotations

import csv
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from conversations.exceptions import NotFound
from moderation import selectors, taxonomy
from moderation.forms import QueueFilterForm, ReviewForm
from moderation.services import reviews
from moderation.views.access import REVIEW, console_view

QUEUE_PAGE_SIZE = 25
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@console_view(REVIEW)
def queue(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.QueueFilters()
    paginator = Paginator(selectors.queue_rows(filters), QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    items = selectors.queue_items(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/queue.html",
        {"form": form, "page": page, "items": items, "query": query.urlencode(), "section": "queue"},
    )


def _case_or_404(request, ending_id):
    try:
        return selectors.case_detail(ending_id=ending_id, viewer=request.user)
    except NotFound:
        raise Http404("No such case.") from None


@console_view(REVIEW)
def case_page(request, ending_id):
    case = _case_or_404(request, ending_id)
    return render(
        request,
        "moderation/case.html",
        {
            "case": case,
            "ending": case.ending,
            "review_form": ReviewForm(),
            "claimed_by_other": case.claim is not None and case.claim.moderator_id != request.user.pk,
            "section": "queue",
        },
    )


@console_view(REVIEW, methods=("POST",))
def case_action(request, ending_id, action: str):
    case_url = reverse("moderation:case", args=[ending_id])
    try:
        if action == "claim":
            reviews.case_claim(ending_id=ending_id, moderator=request.user)
            messages.success(request, "You hold this case for 30 minutes.")
        elif action == "release":
            reviews.case_release(ending_id=ending_id, moderator=request.user)
            messages.success(request, "Claim released.")
        elif action == "review":
            form = ReviewForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a verdict (and keep the note under 4000 characters).")
                return redirect(case_url)
            review = reviews.review_create(
                ending_id=ending_id,
                moderator=request.user,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Recorded: {review.get_verdict_display()}.")
        elif action == "reveal":
            message_id = _uuid_or_404(request.POST.get("message_id"))
            reviews.content_reveal(ending_id=ending_id, message_id=message_id, moderator=request.user)
            return redirect(f"{case_url}#m-{message_id}")
        else:
            raise Http404()
    except reviews.ReviewError as error:
        if error.code == "not_found":
            raise Http404(str(error)) from None
        messages.error(request, str(error))
    return redirect(case_url)


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise Http404() from None


@console_view(REVIEW)
def conversation_page(request, conversation_id):
    try:
        view = selectors.conversation_detail(
            conversation_id=conversation_id, viewer=request.user, anchor_id=request.GET.get("anchor", "")
        )
    except NotFound:
        raise Http404() from None
    return render(request, "moderation/conversation.html", {"view": view, "section": "queue"})


@console_view(REVIEW, methods=("POST",))
def conversation_reveal(request, conversation_id):
    message_id = _uuid_or_404(request.POST.get("message_id"))
    try:
        reviews.content_reveal(conversation_id=conversation_id, message_id=message_id, moderator=request.user)
    except reviews.ReviewError:
        raise Http404() from None
    return redirect(f"{reverse('moderation:conversation', args=[conversation_id])}#m-{message_id}")


@console_view(REVIEW, methods=("POST",))
def flag_resolve(request, flag_id: int):
    try:
        reviews.flag_resolve(flag_id=flag_id, moderator=request.user, note=request.POST.get("note", ""))
    except reviews.ReviewError:
        raise Http404() from None
    messages.success(request, "Flag resolved.")
    next_url = request.POST.get("next", "")
    return redirect(next_url if next_url.startswith("/moderation/") else reverse("moderation:queue"))


def csv_safe(value) -> str:
    """A spreadsheet must not run a cell as a formula: text starting with = + - @ tab or CR gets a
    leading single quote (OWASP's advice for CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


EXPORT_COLUMNS = (
    "ending_id",
    "created_at",
    "conversation_id",
    "user",
    "reason",
    "category",
    "policy_version",
    "review",
    "reopened_at",
    "feedback_kind",
    "feedback_text",
    "statement",
)


@console_view(REVIEW)
def export_cases(request):
    """The filtered endings as CSV (two queries: endings, then their feedback). Audited."""
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.QueueFilters()
    endings = list(selectors.endings_filtered(filters).select_related("conversation__owner").order_by("-created_at"))
    feedback = selectors.feedback_for_endings([e.id for e in endings])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for ending in endings:
        items = feedback.get(ending.id, [])
        writer.writerow(
            [
                csv_safe(cell)
                for cell in (
                    ending.id,
                    ending.created_at.isoformat(),
                    ending.conversation_id,
                    ending.conversation.owner.username,
                    ending.reason,
                    taxonomy.label(ending.category) if ending.category else "",
                    ending.policy_version,
                    "overturned" if ending.reopened_at else (ending.verdict or "unreviewed"),
                    ending.reopened_at.isoformat() if ending.reopened_at else "",
                    "; ".join(f.kind for f in items),
                    " | ".join(f.text for f in items),
                    ending.statement,
                )
            ]
        )
    reviews.cases_export_record(actor=request.user, filters=filters.as_dict(), rows=len(endings))
    return response
