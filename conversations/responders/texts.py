"""The assistant's fixed words: one function per policy action, plus the ending notices.

A person may read these at the worst moment of their day, so they are plain, warm and honest:
say what is happening and what the person can do next, never lecture, never threaten.

Pure functions returning plain text (the UI escapes it; newlines are kept). Each action function
takes either the `ReplyRequest` a responder holds (positionally) or plain keywords, which win:
`request.category` and `category_label` are a human label such as "Cyber attack" (this module
does not import moderation; a raw category name like "cyber_attack" is tolerated).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conversations.responders.base import ReplyRequest

# Safe directions for `redirect`, found by keywords of the category label (or name).
_SAFE_DIRECTIONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("minor", "child"),
        "If you're worried about a child's safety, I can help you find child-protection services "
        "or explain how to report a concern.",
    ),
    (
        ("extremis", "terror"),
        "I can talk about the history of extremist movements, how radicalisation works, or how "
        "communities and researchers counter it.",
    ),
    (
        ("cbrn", "chemical", "biological", "nuclear", "radiological"),
        "I can talk about the history of these weapons, arms control and non-proliferation, or "
        "the underlying science at a general, textbook level.",
    ),
    (
        ("cyber", "malware", "hack"),
        "I can help with defensive security instead: hardening systems you own, understanding how "
        "a class of vulnerability works, or practising legally on training labs and capture-the-flag "
        "challenges.",
    ),
    (
        ("abuse", "harass"),
        "If something about my answers is frustrating you, tell me what you need and I'll try a different approach.",
    ),
    (
        ("weapon",),
        "I can help with weapon safety, the law where you live, or the history of a weapon.",
    ),
    (
        ("violent", "violence"),
        "If you or someone you know is in danger, I can help you find support or think through how to stay safe.",
    ),
    (
        ("hate",),
        "I'm glad to discuss the topic factually and respectfully, including where these ideas "
        "come from and why they cause harm.",
    ),
    (
        ("sexual",),
        "I can help with relationships, sexual health or writing that isn't explicit.",
    ),
    (
        ("crime", "fraud"),
        "I can help you protect yourself from fraud and scams, or explain how the law works.",
    ),
    (
        ("privacy", "dox", "stalk"),
        "I can help you protect your own privacy and accounts, or explain what information about "
        "people is public and why.",
    ),
)
_DEFAULT_DIRECTION = (
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
            return direction
    return _DEFAULT_DIRECTION


# --- Actions -----------------------------------------------------------------------------------


def offline_answer(request: ReplyRequest | None = None, /) -> str:
    return (
        "I'm running in offline mode: no language model is configured on this server, so I can't "
        "write a real answer. Your message arrived safely and nothing in it needed a refusal.\n"
        "(For the people running this server: set ANTHROPIC_API_KEY to turn on real replies.)"
    )


def cautious_answer(request: ReplyRequest | None = None, /) -> str:
    return (
        "I'm running in offline mode: no language model is configured on this server, so I can't "
        "write a real answer.\n"
        "Also, the safety check couldn't run on your message just now, so I'm being careful. "
        "Nothing is wrong on your side; if you want, try sending it again in a moment."
    )


def answer(request: ReplyRequest | None = None, /, *, cautious: bool | None = None) -> str:
    """The offline responder's answer: honest that no language model is configured."""
    if cautious is None:
        cautious = bool(request and request.cautious)
    return cautious_answer() if cautious else offline_answer()


def refuse(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    label = _label(request, category_label)
    if _is_abuse(label):
        return (
            "I'd like to keep this conversation respectful, so I won't respond to that. I'm happy to "
            "keep helping with whatever you need."
        )
    reason = f' It falls under "{label}", which I don\'t help with.' if label else ""
    return f"I can't help with that.{reason} If there's something else on your mind, I'm glad to help with it."


def redirect(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    label = _label(request, category_label)
    if _is_abuse(label):
        opening = "I'd like to keep this conversation respectful, so I won't respond to that."
    elif label:
        opening = f"I can't help with this: it falls under \"{label}\", which I don't help with."
    else:
        opening = "I can't help with this."
    return f"{opening}\n{_safe_direction(label)}"


def warn(request: ReplyRequest | None = None, /, *, category_label: str | None = None) -> str:
    """Policy-critical: says plainly that one more such request will end this chat."""
    label = _label(request, category_label)
    if _is_abuse(label):
        opening = "I won't respond to that, and this chat has now had several abusive messages."
        more = "one more abusive message"
    else:
        about = f' in the category "{label}"' if label else " like this"
        opening = f"I can't help with this, and I've now declined several requests{about} in this chat."
        more = "one more request like this"
    return (
        f"{opening}\n"
        f"If you send {more}, this chat will be ended.\n"
        "That isn't a ban: you can keep talking with me here about something else, and you can "
        "always start a new chat."
    )


def crisis_support(
    request: ReplyRequest | None = None,
    /,
    *,
    resources: Iterable[Any] | None = None,
    category_label: str | None = None,
) -> str:
    """Warm support for someone who may be at risk, with every resource passed in (or the
    request's). Never ends anything and never lectures."""
    label = _label(request, category_label)
    if resources is None:
        resources = request.resources if request is not None else ()
    if label and "threat" in label.lower():
        opening = (
            "It sounds like you're carrying a lot of anger or pain right now, and I'm taking what you "
            "said seriously. I won't help anyone get hurt, but I do want to help you get through this "
            "moment safely, for you and for them.\n"
            "If you feel you might act on it, please put some distance between you and the situation "
            "and reach out to someone now."
        )
    else:
        opening = (
            "I'm really glad you told me. It sounds like you're going through something very painful "
            "right now, and you don't have to face it on your own.\n"
            "If you're in danger right now, please call your local emergency number."
        )
    return (
        f"{opening}\n\n"
        "Talking to someone can help, and these services are there for exactly this, free and "
        "confidential:\n"
        f"{resources_text(resources)}\n\n"
        "I'm here and happy to keep talking if you'd like. What's going on for you right now?"
    )


def confirm_end(request: ReplyRequest | None = None, /) -> str:
    """Asks once before a user-requested ending."""
    return (
        "Do you want me to end this chat? Ending it is final for this conversation: it will be "
        "locked and can't be continued.\n"
        "If you'd just like a fresh start, you can open a new chat instead and keep this one.\n"
        'Reply "yes" to end it, or just keep writing to carry on.'
    )


def crisis_footer(resources: Iterable[Any]) -> str:
    """Appended to every other reply in crisis mode, so resources are never out of reach."""
    return (
        "I'm still here for you. If things feel like too much, you can reach someone right now:\n"
        f"{resources_text(resources)}"
    )


def unavailable() -> str:
    return (
        "Sorry, I couldn't write a reply just now: the assistant is temporarily unavailable. "
        "Please try sending your message again in a moment."
    )


# --- Endings -----------------------------------------------------------------------------------


def user_end_notice() -> str:
    return (
        "You asked to end this chat, so it's now closed.\n"
        "This isn't a ban: you can start a new chat whenever you like, or edit an earlier message "
        "to carry on from that point."
    )


def end_statement(*, reason: str, category_label: str | None, refusals: int, decided_automatically: bool = True) -> str:
    """The statement of reasons on an ended branch (DESIGN 5): what happened, why (the category
    and how many refusals), who decided, that it is not a ban, and what the user can do."""
    if reason == "user_request":
        return user_end_notice()
    label = category_label if category_label and category_label != "none" else None
    if reason == "abuse":
        happened = (
            "Messages in this chat kept directing abuse at the assistant. It declined to go on that "
            "way, warned that continuing would end the chat, and the messages continued."
        )
    else:
        about = f'content in the category "{label}"' if label else "content it can't help with"
        happened = (
            f"This chat kept asking for {about}. The assistant declined, warned that continuing "
            "would end the chat, and the requests continued."
        )
    why = f"Category: {label or 'not recorded'}. Requests refused on this conversation: {refusals}."
    if reason == "model_request":
        decided = (
            "The assistant asked to end the chat, and this was checked and decided automatically "
            "by the service's safety rules, not by a person."
        )
    elif decided_automatically:
        decided = "This was decided automatically by the service's safety rules, not by a person."
    else:
        decided = "This was decided by a member of the moderation team."
    return (
        "This chat has been ended.\n"
        f"{happened}\n"
        f"{why}\n"
        f"{decided}\n"
        "This is not a ban: your account isn't restricted and your other chats are unaffected.\n"
        "What you can do:\n"
        "- Start a new chat at any time.\n"
        "- Edit one of your earlier messages to continue from that point on a new branch.\n"
        '- If you think this was a mistake, report it as unexpected ("This was unexpected"); '
        "a moderator will review it."
    )


# --- Helpers -----------------------------------------------------------------------------------


def _resource_fields(resource: Any) -> dict[str, str]:
    if isinstance(resource, Mapping):
        return {key: str(resource.get(key) or "") for key in ("name", "contact", "url", "region")}
    return {key: str(getattr(resource, key, "") or "") for key in ("name", "contact", "url", "region")}


def resources_text(resources: Iterable[Any]) -> str:
    """One line per resource: "- Name (Region): contact, url". Accepts CrisisResource or dicts."""
    lines = []
    for resource in resources:
        fields = _resource_fields(resource)
        where = f" ({fields['region']})" if fields["region"] else ""
        details = ", ".join(part for part in (fields["contact"], fields["url"]) if part)
        lines.append(f"- {fields['name']}{where}: {details}" if details else f"- {fields['name']}{where}")
    if not lines:
        lines.append("- Your local emergency number, or someone you trust nearby.")
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
    """The whole reply for `request`: the action's text, plus the crisis resources when the branch
    is in crisis mode. Empty for `end` (the ending service writes the statement of reasons)."""
    if request.action == "end":
        return ""
    text = _BY_ACTION.get(request.action, answer)(request)
    if request.crisis_mode and request.action != "crisis_support":
        text = f"{text}\n\n{crisis_footer(request.resources)}"
    return text
