"""`{% review_notices %}`: the signed-in user's unread notices that a person decided on one of
their endings, for the chat pages (conversations' templates load this tag library; its Python code
never imports moderation). One query; nothing for anonymous visitors.

The same block holds the <template> that static/moderation/review_notices.js fills when a
`review.decided` event arrives on the open chat page, so the live notice is in the user's
language too (every string is translated here, on the server)."""

from django import template

from moderation import selectors

register = template.Library()


@register.inclusion_tag("moderation/_review_notices.html", takes_context=True)
def review_notices(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"notices": selectors.review_notices_unseen(user=user) if user is not None else []}
