"""Chat pages and the JSON API (DESIGN 6). Views are thin: selectors to read, services to write."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from conversations import regions, selectors, services
from conversations.exceptions import ChatError, Invalid
from conversations.inputs import parse_json
from conversations.middleware import SESSION_LANGUAGE_KEY
from conversations.responders import texts

API_PAGE_SIZE = 50
SIDEBAR_SIZE = 100
MAX_QUERY_CHARS = 200


def _conversation_summary(conversation) -> dict:
    summary = {
        "id": str(conversation.id),
        "title": conversation.title,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "url": reverse("conversation", args=[conversation.id]),
    }
    if hasattr(conversation, "ended"):
        summary["ended"] = conversation.ended
        summary["reopened"] = conversation.reopened
    return summary


def _error_response(error: ChatError) -> JsonResponse:
    response = JsonResponse({"error": error.as_payload()}, status=error.http_status)
    retry_after = getattr(error, "retry_after", 0)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def api_view(view):
    """JSON API: session auth (401 JSON instead of a login redirect), domain errors as JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": {"code": "unauthenticated", "detail": "Log in first."}}, status=401)
        try:
            return view(request, *args, **kwargs)
        except ChatError as error:
            return _error_response(error)

    return wrapper


def _json_body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    body = parse_json(request.body, max_bytes=settings.CHAT_MAX_FRAME_BYTES, what="The body")
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.")
    return body


@require_http_methods(["GET", "POST"])
@api_view
def api_conversations(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        body = _json_body(request)
        title = body.get("title", "")
        if not isinstance(title, str) or len(title) > 200:
            raise Invalid("title must be text of at most 200 characters.")
        conversation = services.conversation_create(owner=request.user, title=title)
        return JsonResponse(_conversation_summary(conversation), status=201)
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise Invalid(f"q is limited to {MAX_QUERY_CHARS} characters.")
    paginator = Paginator(selectors.conversation_list_for_user(user=request.user, query=query), API_PAGE_SIZE)
    try:
        page = paginator.page(int(request.GET.get("page", 1)))
    except (ValueError, EmptyPage, PageNotAnInteger):
        raise Invalid("No such page.") from None
    return JsonResponse(
        {
            "results": [_conversation_summary(c) for c in page.object_list],
            "page": page.number,
            "pages": paginator.num_pages,
            "count": paginator.count,
            "next": page.next_page_number() if page.has_next() else None,
        }
    )


@require_http_methods(["GET", "PATCH", "DELETE"])
@api_view
def api_conversation(request: HttpRequest, conversation_id) -> JsonResponse:
    if request.method == "DELETE":
        services.conversation_delete(user=request.user, conversation_id=conversation_id)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        body = _json_body(request)
        if "active_leaf_id" in body:
            services.conversation_set_active_leaf(
                user=request.user, conversation_id=conversation_id, leaf_id=body["active_leaf_id"]
            )
        if "title" in body:
            services.conversation_rename(user=request.user, conversation_id=conversation_id, title=body["title"])
    conversation = selectors.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    return JsonResponse(selectors.conversation_state(conversation=conversation))


@require_POST
@api_view
def api_messages(request: HttpRequest, conversation_id) -> JsonResponse:
    """Send a message over HTTP (same rules as the websocket `message.send`)."""
    body = _json_body(request)
    # A deleted conversation is gone for its owner (message_post itself does not look).
    selectors.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    posted = services.message_post(
        user=request.user,
        conversation_id=conversation_id,
        content=body.get("content"),
        client_id=body.get("client_id"),
        parent_id=body.get("parent_id"),
    )
    return JsonResponse(
        {"message": selectors.message_payload(posted.message), "created": posted.created},
        status=201 if posted.created else 200,
    )


@login_required
def chat(request: HttpRequest):
    return render(request, "conversations/chat.html", _page_context(request, None))


@login_required
def conversation_page(request: HttpRequest, conversation_id):
    try:
        conversation = selectors.conversation_get_for_user(user=request.user, conversation_id=conversation_id)
    except ChatError:
        return render(request, "conversations/not_found.html", status=404)
    return render(request, "conversations/chat.html", _page_context(request, conversation))


def _page_context(request: HttpRequest, conversation) -> dict:
    browser_language = translation.get_language_from_request(request)
    services.preference_note_browser_language(user=request.user, language=browser_language)
    conversations = list(selectors.conversation_list_for_user(user=request.user)[:SIDEBAR_SIZE])
    return {
        "conversation": conversation,
        "conversations": conversations,
        "state": selectors.conversation_state(conversation=conversation) if conversation else None,
        "limits": {"max_chars": settings.CHAT_MAX_MESSAGE_CHARS},
        "retention_days": settings.CHAT_DELETED_RETENTION_DAYS,
        "local_model": settings.RESPONDER == "local",  # labelled plainly on the page
        "page_settings": {
            "max_chars": settings.CHAT_MAX_MESSAGE_CHARS,
            "language": translation.get_language(),
            "regions": regions.hints(request.headers.get("Accept-Language", ""), translation.get_language()),
            "confirm_answers": texts.confirm_end_answers(),
            "overdue_sync_ms": int(settings.CHAT_OVERDUE_SYNC_SECONDS * 1000),
        },
    }


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest):
    """The person's chat settings: the language of the chat (else their browser's)."""
    preference = selectors.preference_of(user=request.user)
    if request.method == "POST":
        try:
            preference = services.preference_set_language(user=request.user, language=request.POST.get("language"))
        except ChatError:
            messages.error(request, _("Please choose one of the languages in the list."))
            return redirect("settings")
        if preference.language:
            request.session[SESSION_LANGUAGE_KEY] = preference.language
            translation.activate(preference.language)
        else:
            request.session.pop(SESSION_LANGUAGE_KEY, None)
            translation.activate(translation.get_language_from_request(request))
        messages.success(request, _("Your settings are saved."))
        return redirect("settings")
    return render(
        request,
        "conversations/settings.html",
        {"languages": settings.LANGUAGES, "current": preference.language if preference else ""},
    )


@login_required
@require_POST
def conversation_new(request: HttpRequest):
    conversation = services.conversation_create(owner=request.user)
    return redirect("conversation", conversation_id=conversation.id)
