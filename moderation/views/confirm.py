"""The confirm step of consequential console actions (overturn, publish, roll back, resolve, bulk).

A POST without `confirmed=yes` changes nothing: it answers with a page that says what will happen
and re-posts the same fields with `confirmed=yes`. In the browser, console.js shows the same
question in a dialog and posts `confirmed=yes` itself, so the page is the fallback without
JavaScript and the guarantee against a stray click or a replayed request."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.shortcuts import render

CONFIRMED = "yes"


def is_confirmed(request) -> bool:
    return request.POST.get("confirmed") == CONFIRMED


@dataclass
class Confirmation:
    title: str
    lead: str
    action_url: str
    button: str
    cancel_url: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value) shown as facts
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value) posted again
    danger: bool = True
    testid: str = "confirm"


def render_confirmation(request, confirmation: Confirmation, *, extra: dict | None = None):
    context = {"confirm": confirmation, "section": (extra or {}).get("section", "queue"), **(extra or {})}
    return render(request, "moderation/confirm.html", context)


def posted_fields(request, *names: str) -> list[tuple[str, str]]:
    """The named fields of the POST (every value of a repeated one), to post them again."""
    return [(name, value) for name in names for value in request.POST.getlist(name)]
