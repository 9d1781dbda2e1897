"""The citizen's request signing page, mounted at /cabinet/ by config.urls."""

from django.urls import path

from services import signing_views

app_name = "signing"

urlpatterns = [
    path("requests/<int:pk>/sign/", signing_views.sign, name="sign"),
]
