from django.urls import path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from conversations import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="chat", permanent=False), name="home"),
    path("chat/", views.chat, name="chat"),
    path("chat/new/", views.conversation_new, name="conversation_new"),
    path("chat/<uuid:conversation_id>/", views.conversation_page, name="conversation"),
    path("settings/", views.settings_page, name="settings"),
    path("jsi18n/", JavaScriptCatalog.as_view(domain="djangojs"), name="javascript-catalog"),
    path("api/conversations/", views.api_conversations, name="api_conversations"),
    path("api/conversations/<str:conversation_id>/", views.api_conversation, name="api_conversation"),
    path("api/conversations/<str:conversation_id>/messages/", views.api_messages, name="api_messages"),
]
