"""The citizen's door, mounted at /cabinet/ by config.urls (namespace "cabinet")."""

from django.urls import path

from applicants import citizen_views as views

app_name = "cabinet"

urlpatterns = [
    path("register/", views.citizen_register_view, name="register"),
    path("login/", views.citizen_login, name="login"),
    path("logout/", views.citizen_logout, name="logout"),
    path("password-reset/", views.CitizenPasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.CitizenPasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.CitizenPasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        views.CitizenPasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
