"""The staff door, mounted at /staff/ by config.urls."""

from django.urls import path

from applicants import views

app_name = "applicants"

urlpatterns = [
    path("login/", views.staff_login, name="staff-login"),
    path("logout/", views.staff_logout, name="staff-logout"),
]
