"""Root URL configuration. /healthz/ is served by config.health, not here."""

from django.contrib import admin
from django.urls import include, path

from notes.views import home

urlpatterns = [
    path("", home, name="home"),
    path("notes/", include("notes.urls")),
    path("admin/", admin.site.urls),
]
