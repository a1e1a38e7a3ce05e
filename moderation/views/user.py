"""The user's page about one of their endings: the statement of reasons, what they can do, a
short report form, and the review's outcome."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from conversations.exceptions import NotFound
from moderation import selectors, taxonomy
from moderation.forms import FeedbackForm
from moderation.services import reviews


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
    return render(
        request,
        "moderation/ending.html",
        {
            "ending": ending,
            "category_label": taxonomy.label(ending.category) if ending.category else "",
            "outcome": selectors.ending_outcome(ending),
            "feedback": selectors.feedback_of(user=request.user, ending=ending),
            "form": form,
        },
        status=status,
    )
