from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("conversations.account_urls")),
    path("moderation/", include("moderation.urls")),
    path("endings/", include("moderation.user_urls")),
    path("", include("conversations.urls")),
]
