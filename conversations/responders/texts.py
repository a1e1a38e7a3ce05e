"""The assistant's fixed words: one function per policy action, plus the ending notices.

A person may read these at the worst moment of their day, so they are plain, warm and honest:
say what is happening and what the person can do next, never lecture, never threaten.

Pure functions returning plain text (the UI escapes it; newlines are kept), in the active
language (Django's translation framework; catalogues in locale/). `for_request` and
`end_statement` switch to the language they are given. Each action function takes either the
`ReplyRequest` a responder holds (positionally) or plain keywords, which win:
`request.category` and `category_label` are a human label such as "Cyber attack" (this module
does not import moderation; a raw category name like "cyber_attack" is tolerated).

Crisis resources are not written into the text: the page shows them once, as a card with
tappable `tel:` and `sms:` links, after the reply's first paragraph (`crisis_support`) or at its
end (every other reply in crisis mode). `resources_text` remains for the language model's prompt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from conversations.responders.base import ReplyRequest

# The category labels of moderation.taxonomy, so that they are translated where they are shown.
CATEGORY_LABELS = (
    gettext_noop("Sexual content involving minors"),
    gettext_noop("Violent extremism"),
    gettext_noop("CBRN weapons"),
    gettext_noop("Cyber attack"),
    gettext_noop("Abuse of the assistant"),
    gettext_noop("Self-harm risk"),
    gettext_noop("Threat to others"),
    gettext_noop("Violent crime"),
    gettext_noop("Weapons"),
    gettext_noop("Hate"),
    gettext_noop("Adult sexual content"),
    gettext_noop("Non-violent crime"),
    gettext_noop("Privacy"),
    gettext_noop("Other harm"),
)

# Safe directions for `redirect`, found by keywords of the category label (or name).
_SAFE_DIRECTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("minor", "child"),
        gettext_noop(
            "If you're worried about a child's safety, I can help you find child-protection services "
            "or explain how to report a concern."
        ),
    ),
    (
        ("extremis", "terror"),
        gettext_noop(
            "I can talk about the history of extremist movements, how radicalisation works, or how "
            "communities and researchers counter it."
        ),
    ),
    (
        ("cbrn", "chemical", "biological", "nuclear", "radiological"),
        gettext_noop(
            "I can talk about the history of these weapons, arms control and non-proliferation, or "
            "the underlying science at a general, textbook level."
        ),
    ),
    (
        ("cyber", "malware", "hack"),
        gettext_noop(
            "I can help with defensive security instead: hardening systems you own, understanding how "
            "a class of vulnerability works, or practising legally on training labs and capture-the-flag "
            "challenges."
        ),
    ),
    (
        ("abuse", "harass"),
        gettext_noop(
            "If something about my answers is frustrating you, tell me what you need and I'll try a different approach."
        ),
    ),
    (
        ("weapon",),
        gettext_noop("I can help with weapon safety, the law where you live, or the history of a weapon."),
    ),
    (
        ("violent", "violence"),
        gettext_noop(
            "If you or someone you know is in danger, I can help you find support or think through how to stay safe."
        ),
    ),
    (
        ("hate",),
        gettext_noop(
            "I'm glad to discuss the topic factually and respectfully, including where these ideas "
            "come from and why they cause harm."
        ),
    ),
    (
        ("sexual",),
        gettext_noop("I can help with relationships, sexual health or writing that isn't explicit."),
    ),
    (
        ("crime", "fraud"),
        gettext_noop("I can help you protect yourself from fraud and scams, or explain how the law works."),
    ),
    (
        ("privacy", "dox", "stalk"),
        gettext_noop(
            "I can help you protect your own privacy and accounts, or explain what information about "
            "people is public and why."
        ),
    ),
)
_DEFAULT_DIRECTION = gettext_noop(
    "If you tell me more about what you're trying to achieve, there may be a safe part of it I can help with."
)


def _label(request: ReplyRequest | None, category_label: str | None) -> str | None:
    label = category_label or (request.category if request is not None else None)
    if not label or label == "none":
        return None
    return label.replace("_", " ") if " " not in label and "_" in label else label


def _is_abuse(label: str | None) -> bool:
    return bool(label) and "abuse" in label.lower()


def _safe_direction(label: str | None) -> str:
    lowered = (label or "").lower()
    for keywords, direction in _SAFE_DIRECTIONS:
        if any(keyword in lowered for keyword in keywords):
            return _(direction)
    return _(_DEFAULT_DIRECTION)


def _shown(label: str) -> str:
    """The label in the reader's language (the taxonomy's labels are in the catalogue)."""
    return _(label)


# --- Actions -----------------------------------------------------------------------------------


def offline_answer(request: ReplyRequest | None = None, /) -> str:
    return "\n".join(
        (
            _(
                "I'm running in offline mode: no language model is configured on this server, so I can't "
                "write a real answer. Your message arrived safely and nothing in it needed a refusal."
            ),
            _("(For the people running this server: set ANTHROPIC_API_KEY to turn on real replies.)"),
        )
    )


def cautious_answer(request: ReplyRequest | None = None, /) -> str:
    return "\n".join(
        (
            _(
                "I'm running in offline mode: no language model is configured on this server, so I can't "
                "write a real answer."
            ),
            _(
                "Also, the safety check couldn't run on your message just now, so I'm being careful. "
                "Nothing is wrong on your side; if you want, try sending it again in a moment."
            ),
        )
    )


def local_cautious_answer(request: ReplyRequest | None = None, /) -> str:
    """The small local model's stand-in when the safety check could not run: it is not asked."""
    return _(
        "The safety check couldn't run on your message just now, so the small local model won't "
        "answer it. Nothing is wrong on your side; if you want, try sending it again in a moment."
    )


def answer(request: ReplyRequest | None = None, /, *, cautious: bool | None = None) -> str:
    """The offline responder's answer: honest that no language model is configured."""
    if cautious is None:
        cautious = bool(request and request.cautious)
    return cautious_answer() if cautious else offline_answer()


def _respectful() -> str:
    return _("I'd like to keep this conversation respectful, so I won't respond to that.")


def refuse(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    label = _label(request, category_label)
    if _is_abuse(label):
        return " ".join((_respectful(), _("I'm happy to keep helping with whatever you need.")))
    if label:
        return _(
            "I can't help with that. It falls under \"%(label)s\", which I don't help with. "
            "If there's something else on your mind, I'm glad to help with it."
        ) % {"label": _shown(label)}
    return _("I can't help with that. If there's something else on your mind, I'm glad to help with it.")


def redirect(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    label = _label(request, category_label)
    if _is_abuse(label):
        opening = _respectful()
    elif label:
        opening = _("I can't help with this: it falls under \"%(label)s\", which I don't help with.") % {
            "label": _shown(label)
        }
    else:
        opening = _("I can't help with this.")
    return f"{opening}\n{_safe_direction(label)}"


def warn(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    """Policy-critical: says plainly that one more such request will end this chat."""
    label = _label(request, category_label)
    if _is_abuse(label):
        opening = _("I won't respond to that, and this chat has now had several abusive messages.")
        consequence = _("If you send one more abusive message, this chat will be ended.")
    else:
        if label:
            opening = _(
                "I can't help with this, and I've now declined several requests in the category "
                '"%(label)s" in this chat.'
            ) % {"label": _shown(label)}
        else:
            opening = _("I can't help with this, and I've now declined several requests like this in this chat.")
        consequence = _("If you send one more request like this, this chat will be ended.")
    return "\n".join(
        (
            opening,
            consequence,
            _(
                "That isn't a ban: you can keep talking with me here about something else, and you can "
                "always start a new chat."
            ),
        )
    )


def crisis_support(
    request: ReplyRequest | None = None,
    /,
    *,
    resources: Iterable[Any] | None = None,
    category_label: str | None = None,
) -> str:
    """Warm support for someone who may be at risk. The first paragraph is the caring opening;
    the page shows the crisis resources as a card right after it. Never ends anything and never
    lectures. (`resources` is accepted for callers that pass them; they are not written here.)"""
    label = _label(request, category_label)
    if label and "threat" in label.lower():
        opening = _(
            "It sounds like you're carrying a lot of anger or pain right now, and I'm taking what you "
            "said seriously. I won't help anyone get hurt, but I do want to help you get through this "
            "moment safely, for you and for them. The people below are there for exactly this, free "
            "and confidential."
        )
        after = _(
            "If you feel you might act on it, please put some distance between you and the situation "
            "and reach out to someone now. I'm here and happy to keep talking. What's going on for you "
            "right now?"
        )
    else:
        opening = _(
            "I'm really glad you told me. It sounds like you're going through something very painful "
            "right now, and you don't have to face it on your own. The people below are there for "
            "exactly this, free and confidential."
        )
        after = _(
            "If you're in danger right now, please call your local emergency number. I'm here and "
            "happy to keep talking if you'd like. What's going on for you right now?"
        )
    return f"{opening}\n\n{after}"


def confirm_end(request: ReplyRequest | None = None, /) -> str:
    """Asks once before a user-requested ending (the page offers the two answers as buttons)."""
    return "\n".join(
        (
            _(
                "Do you want me to end this chat? Once it's ended, nothing more can be added after this "
                "point. You could still edit an earlier message to go another way, or start a new chat."
            ),
            _('Reply "yes" to end it, or just keep writing to carry on.'),
        )
    )


def confirm_end_answers() -> dict[str, str]:
    """The texts the page's buttons send under a `confirm_end` reply: the same words a person
    would type, so the policy sees one path (`moderation.intents.confirms` accepts the first in
    every shipped language and not the second)."""
    return {"end": _("Yes, end this chat."), "keep": _("No, let's keep chatting.")}


def crisis_footer(resources: Iterable[Any] = ()) -> str:
    """Appended to every other reply in crisis mode; the resources card follows it."""
    return _("I'm still here for you. If things feel like too much, you can reach someone right now:")


def withheld(request: ReplyRequest | None = None, /) -> str:
    """Replaces a reply that the output rail stopped (moderation.rails): the assistant began to
    write something it must not give. Says so plainly; blames nobody."""
    return _(
        "I stopped that reply: it was starting to include something I can't help with, so I've "
        "removed it. If there's something else on your mind, I'm glad to help with it."
    )


def withheld_for(request: ReplyRequest) -> str:
    """`withheld`, in `request.language` when set, with the crisis footer in crisis mode."""
    if request.language:
        with override(request.language):
            return _withheld_text(request)
    return _withheld_text(request)


def _withheld_text(request: ReplyRequest) -> str:
    text = withheld(request)
    if request.crisis_mode:
        text = f"{text}\n\n{crisis_footer(request.resources)}"
    return text


def unavailable() -> str:
    return _(
        "Sorry, I couldn't write a reply just now: the assistant is temporarily unavailable. "
        "Please try sending your message again in a moment."
    )


# --- Endings -----------------------------------------------------------------------------------


def user_end_notice() -> str:
    return "\n".join(
        (
            _("You asked to end this chat, so it's now closed."),
            _(
                "This isn't a ban: you can start a new chat whenever you like, or edit an earlier message "
                "to carry on from that point."
            ),
        )
    )


def end_statement(
    *,
    reason: str,
    category_label: str | None,
    refusals: int,
    decided_automatically: bool = True,
    language: str | None = None,
) -> str:
    """The statement of reasons on an ended branch (DESIGN 5): what happened, why (the category
    and how many refusals), who decided, that it is not a ban, and what the user can do. In
    `language` when given (stored with the ending), else the active language."""
    if language:
        with override(language):
            return end_statement(
                reason=reason,
                category_label=category_label,
                refusals=refusals,
                decided_automatically=decided_automatically,
            )
    if reason == "user_request":
        return user_end_notice()
    label = category_label if category_label and category_label != "none" else None
    if reason == "abuse":
        happened = _(
            "Messages in this chat kept directing abuse at the assistant. It declined to go on that "
            "way, warned that continuing would end the chat, and the messages continued."
        )
    elif label:
        happened = _(
            'This chat kept asking for content in the category "%(label)s". The assistant declined, '
            "warned that continuing would end the chat, and the requests continued."
        ) % {"label": _shown(label)}
    else:
        happened = _(
            "This chat kept asking for content the assistant can't help with. The assistant declined, "
            "warned that continuing would end the chat, and the requests continued."
        )
    why = _("Category: %(label)s. Requests refused on this conversation: %(refusals)d.") % {
        "label": _shown(label) if label else _("not recorded"),
        "refusals": refusals,
    }
    if reason == "model_request":
        decided = _(
            "The assistant asked to end the chat, and this was checked and decided automatically "
            "by the service's safety rules, not by a person."
        )
    elif decided_automatically:
        decided = _("This was decided automatically by the service's safety rules, not by a person.")
    else:
        decided = _("This was decided by a member of the moderation team.")
    return "\n".join(
        (
            _("This chat has been ended."),
            happened,
            why,
            decided,
            _("This is not a ban: your account isn't restricted and your other chats are unaffected."),
            _("What you can do:"),
            "- " + _("Start a new chat at any time."),
            "- " + _("Edit one of your earlier messages to continue from that point on a new branch."),
            "- "
            + _(
                'If you think this was a mistake, report it as unexpected ("This was unexpected"); '
                "a moderator will review it."
            ),
        )
    )


# --- Helpers -----------------------------------------------------------------------------------


def _resource_fields(resource: Any) -> dict[str, str]:
    if isinstance(resource, Mapping):
        return {key: str(resource.get(key) or "") for key in ("name", "contact", "url", "region")}
    return {key: str(getattr(resource, key, "") or "") for key in ("name", "contact", "url", "region")}


def resources_text(resources: Iterable[Any]) -> str:
    """One line per resource: "- Name (Region): contact, url". Accepts CrisisResource or dicts.
    For the language model's prompt; replies show resources as a card instead."""
    lines = []
    for resource in resources:
        fields = _resource_fields(resource)
        where = f" ({fields['region']})" if fields["region"] else ""
        details = ", ".join(part for part in (fields["contact"], fields["url"]) if part)
        lines.append(f"- {fields['name']}{where}: {details}" if details else f"- {fields['name']}{where}")
    if not lines:
        lines.append("- " + _("Your local emergency number, or someone you trust nearby."))
    return "\n".join(lines)


_BY_ACTION = {
    "answer": answer,
    "refuse": refuse,
    "redirect": redirect,
    "warn": warn,
    "crisis_support": crisis_support,
    "confirm_end": confirm_end,
}


def for_request(request: ReplyRequest) -> str:
    """The whole reply for `request`, in `request.language` when set: the action's text, plus the
    crisis footer when the branch is in crisis mode. Empty for `end` (the ending service writes
    the statement of reasons)."""
    if request.action == "end":
        return ""
    if request.language:
        with override(request.language):
            return _reply_text(request)
    return _reply_text(request)


def _reply_text(request: ReplyRequest) -> str:
    text = _BY_ACTION.get(request.action, answer)(request)
    if request.crisis_mode and request.action != "crisis_support":
        text = f"{text}\n\n{crisis_footer(request.resources)}"
    return text
