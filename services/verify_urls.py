"""The public verification page, mounted at /verify/ (namespace ``verify``)."""

from django.urls import path

from services import verify_views as views

app_name = "verify"

urlpatterns = [
    path("<str:code>/", views.document, name="document"),
]
