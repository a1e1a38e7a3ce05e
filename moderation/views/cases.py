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
from moderation.forms import BulkForm, QueueFilterForm, ReviewForm, VerdictForm
from moderation.models import Feedback, Review
from moderation.services import reviews
from moderation.views.access import REVIEW, console_view
from moderation.views.confirm import Confirmation, is_confirmed, render_confirmation

QUEUE_PAGE_SIZE = 25
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_next(request, default: str) -> str:
    """Where to go back to after a POST: a console path, never another site."""
    next_url = request.POST.get("next", "")
    if next_url.startswith("/moderation/") and not next_url.startswith("//"):
        return next_url
    return default


@console_view(REVIEW)
def queue(request):
    """Open work by default; a filter that does not validate shows its error and applies nothing
    (no rows, status 400), so a bad value never widens what is shown or exported."""
    form = QueueFilterForm(request.GET or None)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "query": query.urlencode(),
        "section": "queue",
        "moderators": selectors.moderators(),
        "bulk_limit": reviews.BULK_MAX_ITEMS,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "moderation/queue.html", {**context, "page": None, "items": []}, status=400)
    filters = form.filters()
    page = Paginator(selectors.queue_rows(filters), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.queue_items(list(page.object_list))
    return render(request, "moderation/queue.html", {**context, "page": page, "items": items, "filters": filters})


def _case_or_404(request, ending_id):
    try:
        return selectors.case_detail(ending_id=ending_id, viewer=request.user)
    except NotFound:
        raise Http404("No such case.") from None


@console_view(REVIEW)
def case_page(request, ending_id):
    case = _case_or_404(request, ending_id)
    reviews.case_view_record(ending_id=case.ending.id, moderator=request.user)
    for item in case.feedback:  # the view just put a received report under review
        if item.status == Feedback.Status.OPEN:
            item.status = Feedback.Status.IN_REVIEW
    return render(
        request,
        "moderation/case.html",
        {
            "case": case,
            "ending": case.ending,
            "uphold_form": VerdictForm(verdict=Review.Verdict.UPHELD),
            "overturn_form": VerdictForm(verdict=Review.Verdict.OVERTURNED),
            "claimed_by_other": case.claim is not None and case.claim.moderator_id != request.user.pk,
            "moderators": selectors.moderators(),
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
            return redirect(safe_next(request, case_url))
        if action == "release":
            reviews.case_release(ending_id=ending_id, moderator=request.user)
            messages.success(request, "Claim released.")
        elif action == "assign":
            assignee = {m.username: m for m in selectors.moderators()}.get(request.POST.get("assignee", ""))
            if assignee is None:
                messages.error(request, "Choose one of the moderators.")
                return redirect(case_url)
            reviews.case_assign(ending_id=ending_id, assignee=assignee, by=request.user)
            messages.success(request, f"Assigned to {assignee.username}.")
        elif action == "review":
            return _review(request, ending_id, case_url)
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


def _review(request, ending_id, case_url: str):
    """Uphold and overturn need the reason the user reads; an overturn also needs its confirm step
    (it reopens the user's chat at once)."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a verdict, and keep the message under 4,000 characters.")
        return redirect(case_url)
    verdict, reason, note = (form.cleaned_data[name] for name in ("verdict", "reason", "note"))
    note = note.strip()
    problem = reviews.review_reason_problem(verdict, reason, note)
    if problem:
        messages.error(request, problem)
        return redirect(case_url)
    if verdict == Review.Verdict.OVERTURNED and not is_confirmed(request):
        ending = _case_or_404(request, ending_id).ending
        label = str(Review.REASONS[verdict][reason])
        return render_confirmation(
            request,
            Confirmation(
                title="Overturn this ending and reopen the chat?",
                lead=(
                    f"{ending.conversation.owner.username}'s chat is reopened at once: their page says so and "
                    "they can continue the branch. Reviews cannot be undone."
                ),
                details=[("The user will read", label), ("Your message", note or "(none)")],
                fields=[("verdict", verdict), ("reason", reason), ("note", note)],
                action_url=reverse("moderation:case_review", args=[ending_id]),
                button="Overturn and reopen",
                cancel_url=case_url,
                testid="confirm-overturn",
            ),
        )
    try:
        review = reviews.review_create(
            ending_id=ending_id, moderator=request.user, verdict=verdict, reason=reason, note=note
        )
    except reviews.ReviewError as error:
        if error.code == "not_found":
            raise Http404(str(error)) from None
        messages.error(request, str(error))
        return redirect(case_url)
    messages.success(request, f"Recorded: {review.get_verdict_display()}.")
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
    reviews.conversation_view_record(conversation_id=view.conversation.id, moderator=request.user)
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
    back = safe_next(request, reverse("moderation:queue"))
    flag = selectors.flag_get(flag_id)
    if flag is None:
        raise Http404()
    if not is_confirmed(request):
        return render_confirmation(
            request,
            Confirmation(
                title=f"Resolve this {flag.get_kind_display().lower()} flag?",
                lead="It leaves the open queue. Resolving records that a person looked; it is never a ban.",
                details=[("User", flag.user.username), ("Raised", flag.created_at.strftime("%Y-%m-%d %H:%M"))],
                fields=[("next", back), ("note", request.POST.get("note", ""))],
                action_url=reverse("moderation:flag_resolve", args=[flag_id]),
                button="Resolve",
                cancel_url=back,
                danger=False,
                testid="confirm-resolve",
            ),
        )
    try:
        reviews.flag_resolve(flag_id=flag_id, moderator=request.user, note=request.POST.get("note", ""))
    except reviews.ReviewError as error:
        if error.code == "not_found":
            raise Http404() from None
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, "Flag resolved.")
    return redirect(back)


@console_view(REVIEW, methods=("POST",))
def bulk_action(request):
    """Uphold selected endings, resolve selected flags, or assign selected cases: the first POST
    answers with the confirm page (where an uphold's reason is chosen), the confirmed one acts."""
    back = safe_next(request, reverse("moderation:queue"))
    moderators = selectors.moderators()
    form = BulkForm(request.POST, moderators=moderators)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, error)
        for name, errors in form.errors.items():
            if name != "__all__":
                messages.error(request, f"{form.fields[name].label or name}: {' '.join(errors)}")
        return redirect(back)
    action = form.cleaned_data["action"]
    if not form.is_confirmed or (action == "uphold" and not form.cleaned_data.get("reason")):
        endings, flags = selectors.bulk_selection(
            ending_ids=form.cleaned_data["ending"] if action != "resolve" else [],
            flag_ids=form.cleaned_data["flag"] if action == "resolve" else [],
        )
        return render(
            request,
            "moderation/bulk_confirm.html",
            {
                "form": form,
                "action": action,
                "endings": endings,
                "flags": flags,
                "assignee": form.cleaned_data.get("assignee"),
                "back": back,
                "section": "queue",
                "missing_reason": form.is_confirmed,
            },
        )
    try:
        if action == "uphold":
            result = reviews.cases_uphold(
                ending_ids=form.cleaned_data["ending"],
                moderator=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            verb = "Upheld"
        elif action == "resolve":
            result = reviews.flags_resolve(
                flag_ids=form.cleaned_data["flag"], moderator=request.user, note=form.cleaned_data["note"]
            )
            verb = "Resolved"
        else:
            result = reviews.cases_assign(
                ending_ids=form.cleaned_data["ending"], assignee=form.cleaned_data["assignee"], by=request.user
            )
            verb = f"Assigned to {form.cleaned_data['assignee'].username}:"
    except reviews.ReviewError as error:
        messages.error(request, str(error))
        return redirect(back)
    summary = f"{verb} {len(result.done)}."
    if result.unchanged:
        summary += f" {len(result.unchanged)} already were."
    messages.success(request, summary)
    for item_id, reason in result.skipped:
        messages.error(request, f"Skipped {str(item_id)[:8]}: {reason}")
    return redirect(back)


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
    """The filtered endings as CSV (two queries: endings, then their feedback). Audited. Invalid
    filters are refused with 400 (never an export of everything); the export follows the queue,
    open work unless `handled`."""
    form = QueueFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}" if name in form.fields else " ".join(errors)
            for name, errors in form.errors.items()
        )
        return HttpResponse(
            f"Nothing was exported: the filters are invalid ({problems}).\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
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
