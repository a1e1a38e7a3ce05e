"""The user's page about one of their endings: the statement of reasons (what happened, that it
was automated, that it is not a ban), what they can do, a short report form (a complaint, EU DSA
Art. 20), the report's status (received, under review, decided) and the decision with the
moderator's reason. Opening it marks the user's notices of that decision read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from conversations.exceptions import NotFound
from moderation import selectors, taxonomy
from moderation.forms import FeedbackForm
from moderation.models import Feedback
from moderation.services import reviews

STATUS_STEPS = (Feedback.Status.OPEN, Feedback.Status.IN_REVIEW, Feedback.Status.REVIEWED)


@login_required
def ending_page(request, ending_id):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        ending = selectors.ending_get_for_owner(user=request.user, ending_id=ending_id)
    except NotFound:
        return render(request, "moderation/ending_not_found.html", status=404)
    form = FeedbackForm()
    status = 200
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                reviews.feedback_create(
                    user=request.user,
                    ending_id=ending.id,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                )
            except reviews.ReviewError as error:
                form.add_error(None, str(error))
            else:
                return redirect(reverse("ending", args=[ending.id]) + "#report")
        status = 400
    else:
        reviews.review_notices_mark_seen(user=request.user, ending_id=ending.id)
    outcome = selectors.ending_outcome(ending=ending, user=request.user)
    steps = []
    if outcome.status is not None:
        reached = STATUS_STEPS.index(outcome.status)
        steps = [
            {"code": code, "label": Feedback.Status(code).label, "done": index <= reached, "current": index == reached}
            for index, code in enumerate(STATUS_STEPS)
        ]
    return render(
        request,
        "moderation/ending.html",
        {
            "ending": ending,
            "category_label": taxonomy.label(ending.category) if ending.category else "",
            "outcome": outcome,
            "steps": steps,
            "feedback": outcome.feedback,
            "form": form,
        },
        status=status,
    )
