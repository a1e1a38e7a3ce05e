"""The user's page about an ending (the chat notice's "This was unexpected" links here)."""

from django.urls import path

from moderation import views

urlpatterns = [
    path("<uuid:ending_id>/", views.ending_page, name="ending"),
]
