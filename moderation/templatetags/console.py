"""Labels for the console's templates: reasons and categories in words, never raw codes."""

from django import template

from moderation import forms

register = template.Library()


@register.filter
def reason_label(reason: str) -> str:
    return forms.reason_label(reason or "")


@register.filter
def category_label(category: str) -> str:
    return forms.category_label(category or "")


@register.filter
def setting_label(name: str) -> str:
    return forms.setting_label(name or "")
